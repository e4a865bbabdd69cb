"""Hostile files that once stopped the pipeline: each is refused in one line, with a ledger row.

Every case runs `helpline ingest` in a child process under a data-size cap, so no case can take
the machine down; the reading child's own limits (HELPLINE_READ_*) bound what a file can cost,
not a timer in the test. Each case's time and peak memory are recorded and printed in the
reliability report: the command's own time (its imports are loaded before the clock starts, as
`make bench` does, so the figure is the file's cost, not the interpreter's start-up), and the
largest resident size of any process of the run (the command, the reader's server, the reader).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from flows.intake.reading.size_guards import column_letters
from tests.conftest import helpline_env
from tests.reliability.conftest import CaseLog
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.partner_files import HEADINGS, records, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CAP_MB = 3072  # each process of a run; the reader's own default limit is 2,048 MB
SAVE_AGAIN = "ask the partner to save it again with only the contact table."
JAN = date(2018, 1, 1)
MEASURE = """
import contextlib, io, json, resource, sys, time
cap = int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
import flows.intake.ingest
from flows.cli import main
from flows.intake.reading.contained_read import stop_reader_server
out, err = io.StringIO(), io.StringIO()
started = time.monotonic()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(sys.argv[2:])
seconds = time.monotonic() - started
stop_reader_server()  # so the server and its readers are counted below
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
peak = max(int(status), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "seconds": seconds, "peak_mb": peak}))
"""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


def run_measured(args: list[str], env: dict[str, str], cwd: Path) -> Run:
    """`helpline ARGS` in a child under the cap: its result, its time and its processes' peak."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(CAP_MB), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=360,
        check=True,
    )
    return Run(**json.loads(done.stdout))


# ---- building the files ------------------------------------------------------------------------


def rewrite(path: Path, changes: dict[str, Callable[[bytes], bytes]]) -> Path:
    """The workbook with some parts changed (or added: a new part's change gets b"")."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    for part, change in changes.items():
        parts[part] = change(parts.get(part, b""))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


SHEET = "xl/worksheets/sheet1.xml"


def base(folder: Path, name: str, rows: int = 3) -> Path:
    return write_xlsx(folder / name, records("R", JAN, "Lancs", rows))


def corner_cell(folder: Path) -> Path:
    def far(xml: bytes) -> bytes:
        xml = xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
        )
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml)

    return rewrite(base(folder, "corner.xlsx"), {SHEET: far})


def with_shared_strings(path: Path, table: bytes, sheet_data: bytes | None = None) -> Path:
    """The workbook with a shared-strings part; A1 becomes its first string, or the sheet's
    rows become `sheet_data`."""

    def types(xml: bytes) -> bytes:
        return xml.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
            b'formats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )

    def relations(xml: bytes) -> bytes:
        return xml.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )

    def sheet(xml: bytes) -> bytes:
        if sheet_data is None:
            return re.sub(rb'<c r="A1" t="inlineStr"><is><t>Ref</t></is></c>',
                          b'<c r="A1" t="s"><v>0</v></c>', xml)  # fmt: skip
        rows = b"<sheetData>" + sheet_data + b"</sheetData>"
        return re.sub(rb"<sheetData>.*</sheetData>", lambda _: rows, xml, flags=re.DOTALL)

    return rewrite(
        path,
        {
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": relations,
            SHEET: sheet,
            "xl/sharedStrings.xml": lambda _: table,
        },
    )


UNIQUE_TABLE = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" count="4294967295" uniqueCount="4294967295">'
    b"<si><t>Ref</t></si></sst>"
)


def huge_unique_count(folder: Path) -> Path:
    return with_shared_strings(base(folder, "unique.xlsx"), UNIQUE_TABLE)


def negative_date(folder: Path) -> Path:
    path = base(folder, "date.xlsx")

    def far_past(xml: bytes) -> bytes:  # B3 is a date cell: its number becomes -1e308
        return re.sub(rb'(<c r="B3"[^>]*>)<v>[^<]*</v>', rb"\1<v>-1e308</v>", xml)

    return rewrite(path, {SHEET: far_past})


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_repeat(folder: Path) -> Path:
    path = folder / "repeat.ods"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Data">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Ref</text:p>'
        '</table:table-cell></table:table-row><table:table-row table:number-rows-repeated="6000">'
        '<table:table-cell office:value-type="float" office:value="1" '
        'table:number-columns-repeated="16384"/></table:table-row></table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
    return path


def heading_in_xfd(folder: Path) -> Path:
    def far_heading(xml: bytes) -> bytes:
        return xml.replace(
            b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>Notes</t></is></c></row>', 1
        )

    return rewrite(base(folder, "wide-heading.xlsx", rows=2000), {SHEET: far_heading})


def shared_long_headings(folder: Path, columns: int = 16_384, rows: int = 1) -> Path:
    """`rows` rows of `columns` cells that all share one 32,767-character string."""
    text = ("x" * 32_767).encode()
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + text + b"</t></si></sst>"
    )
    cells = [column_letters(c) for c in range(1, columns + 1)]
    body = b"".join(
        f'<row r="{r}">'.encode()
        + b"".join(f'<c r="{c}{r}" t="s"><v>0</v></c>'.encode() for c in cells)
        + b"</row>"
        for r in range(1, rows + 1)
    )
    name = "shared-headings.xlsx" if columns == 16_384 else "shared-cells.xlsx"
    return with_shared_strings(base(folder, name), table, sheet_data=body)


def wide_xlsx(folder: Path) -> Path:
    cells = [column_letters(c) for c in range(1, 16_385)]
    body = b"".join(
        f'<row r="{r}">'.encode()
        + b"".join(f'<c r="{c}{r}"><v>{r}</v></c>'.encode() for c in cells)
        + b"</row>"
        for r in range(2, 22)
    )

    def wide(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", body + b"</sheetData>")

    return rewrite(write_xlsx(folder / "wide.xlsx", []), {SHEET: wide})


def wide_csv(folder: Path) -> Path:
    path = folder / "wide.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join([*HEADINGS, *(f"extra {i}" for i in range(16_380))]) + "\n")
        for row in range(200):
            handle.write(",".join(str(row * 16_384 + i) for i in range(16_384)) + "\n")
    return path


# ---- the cases ------------------------------------------------------------------------------

BEYOND = "more than 1,000 columns beyond the 4 this partner's profile uses"  # t-records
CASES: list[tuple[str, Callable[[Path], Path], str, dict[str, str]]] = [
    ("cell at XFD1048576", corner_cell,
     f'corner.xlsx: sheet "Sheet1" has a cell at XFD1048576, in column 16,384: {BEYOND}; '
     f"{SAVE_AGAIN}", {}),
    ("uniqueCount 4294967295", huge_unique_count,
     "unique.xlsx declares 4,294,967,295 shared strings, more than its strings part can hold "
     f"({len(UNIQUE_TABLE) // 13}) or than can be read within 2,048 MB; {SAVE_AGAIN}", {}),
    ("date cell of -1e308", negative_date,
     'date.xlsx: sheet "Sheet1" row 3 has a cell that cannot be read (TimeDelta::milliseconds '
     "out of bounds), such as a date far outside the calendar; ask the partner to correct it "
     "and send the file again.", {}),
    ("780-byte ODS repeating a row 6,000 x 16,384 times", ods_repeat,
     f'repeat.ods: sheet "Data" has a cell in column XFD (16,384): {BEYOND}; {SAVE_AGAIN}', {}),
    ("heading in column XFD", heading_in_xfd,
     f'wide-heading.xlsx: sheet "Sheet1" has a cell at XFD1, in column 16,384: {BEYOND}; '
     f"{SAVE_AGAIN}", {}),
    ("16,384 headings sharing one 32,767-character string", shared_long_headings,
     f'shared-headings.xlsx: sheet "Sheet1" has a cell at XFD1, in column 16,384: {BEYOND}; '
     f"{SAVE_AGAIN}", {}),
    ("16,384-column xlsx", wide_xlsx,
     f'wide.xlsx: sheet "Sheet1" has a cell at XFD2, in column 16,384: {BEYOND}; {SAVE_AGAIN}',
     {}),
    ("16,384-column csv", wide_csv,
     f"wide.csv has a line of more than 1,004 columns, {BEYOND}; it was not read. Ask the "
     "partner to export only the contact table.", {}),
    ("10,000 cells sharing one 32,767-character string, within 256 MB",
     lambda folder: shared_long_headings(folder, columns=1_000, rows=10),
     f"shared-cells.xlsx could not be read within 256 MB (HELPLINE_READ_MEMORY_MB); {SAVE_AGAIN}",
     {"HELPLINE_READ_MEMORY_MB": "256"}),
    ("a read that overruns its wall-clock limit", lambda folder: base(folder, "slow.xlsx", 500),
     f"slow.xlsx could not be read within 0.001 seconds (HELPLINE_READ_WALL_SECONDS); {SAVE_AGAIN}",
     {"HELPLINE_READ_WALL_SECONDS": "0.001"}),
]  # fmt: skip


def test_hostile_files_are_refused_in_one_line_with_a_ledger_row(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
    request: pytest.FixtureRequest,
) -> None:
    measured: list[tuple[str, float, float]] = []
    for number, (name, make, reason, extra) in enumerate(CASES):
        folder = tmp_path / f"case-{number}"
        folder.mkdir()
        path = make(folder)
        env = helpline_env(partner_settings, **extra)
        with cases.case(limit=360):
            run = run_measured(["ingest", "--partner", "t-records", str(path)], env, tmp_path)
            measured.append((name, run.seconds, run.peak_mb))
            assert run.code == 1, (name, run)
            assert "Traceback" not in run.out + run.err, (name, run)
            lines = [line for line in (run.out + run.err).splitlines() if line.strip()]
            assert lines == [f"{path.name}: rejected: {reason}"], (name, run)
            last = ledger(engine)[-1]
            assert last[1:] == (path.name, "rejected", reason), name
            assert len(last[3] or "") <= 400, name  # never the partner's text at length
    request.node.user_properties.append(("measured", measured))
    assert len(ledger(engine)) == len(CASES)
    assert row_counts(engine) == dict.fromkeys(row_counts(engine), 0)


def test_a_poison_file_first_in_the_inbox_does_not_stop_the_good_one(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    """The -1e308 date used to end every sweep with a traceback, before any later file."""
    inbox = partner_settings.inbox_dir
    (inbox / "t-records").mkdir(parents=True)
    bad = negative_date(inbox / "t-records")
    good = write_xlsx(
        inbox / "t-counts" / "counts.xlsx",
        [["Jan-18", "Lancashire", 12]],
        headings=["Month", "Force", "Contacts"],
    )
    for age, path in ((7200, bad), (3600, good)):  # the poison file is the older, swept first
        settled = time.time() - age
        os.utime(path, (settled, settled))
    with cases.case(limit=360):
        run = run_measured(["ingest-inbox"], helpline_env(partner_settings), tmp_path)
        assert run.code == 1, run
        assert "Traceback" not in run.out + run.err, run
        lines = [line for line in (run.out + run.err).splitlines() if line.strip()]
        assert lines[0].startswith("t-records/date.xlsx: rejected: date.xlsx: sheet"), lines
        assert lines[1].startswith("t-counts/counts.xlsx: accepted, 1 rows"), lines
        assert current_totals(engine) == {("t-counts", JAN, "E23000003"): 12}
        assert (inbox / "rejected" / "t-records" / "date.xlsx").is_file()
        assert (inbox / "processed" / "t-counts" / "counts.xlsx").is_file()

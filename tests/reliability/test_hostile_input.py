"""Hostile input: SQL metacharacters, formula injection, path traversal, XML entities, zip bombs,
a 100 MB CSV line, and extreme dates and numbers.

Each case ends in a clean outcome with exact figures: values stored literally (or the file
refused in one line), every table still there, no formula in any workbook, nothing read from
outside the inbox, and memory and time bounded.
"""

from __future__ import annotations

import csv
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine

from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.outcome import IngestOutcome
from flows.intake.profiles import find_profile
from tests.reliability.conftest import (
    CaseLog,
    assert_clean_outcome,
    cli_environment,
    load_report_data,
    one_line,
    run_main,
    table_names,
)
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.partner_files import COUNTS_PROFILE, HEADINGS, records, write_profile, write_xlsx

pytestmark = [pytest.mark.integration]

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)
D1 = datetime(2018, 1, 3, 9, 30)

# ---- SQL metacharacters ------------------------------------------------------------------------

SQL_VALUES = [
    "'; DROP TABLE helpline.submissions; --",
    "$$; DROP TABLE helpline.contact_counts; $$",
    "\\'; DROP TABLE helpline.month_sources; --",
    "Robert'); DROP TABLE helpline.force_areas;--",
    "' OR '1'='1",
    ":submission_id",
    "%(partner_id)s %s $1",
    "E'\\\\x41' || chr(65)",
    "back\\slash \\\\ double",
    '"quoted" identifier',
    "Ωmega ünïcödé 😀 \u202eRTL",
    "-- comment /* c */",
    "COPY x FROM PROGRAM 'id'",
    "\\.",
    "R\n\\.\nafter the COPY end-of-data marker",
    "tab\tand\rreturn",
]
HOSTILE_PROFILE = """
id = "t-hostile"
name = "'); DROP TABLE helpline.submissions; -- $$ \\\\ Ω"
layout = "records"
sheet = "'; DROP TABLE x; -- $$ Ω"
date_order = "DMY"
drop_columns = ["'; DROP TABLE helpline.revisions; --"]

[columns]
contact_ref = "Ref'; DROP TABLE helpline.submissions; --"
contact_date = "Date $$ \\\\ \\"q\\""
force_area = "Force'); DELETE FROM helpline.force_areas; --"
caller_type = ":caller %s $1"
channel = "Channel -- /* */"

[values.force_area]
"Lancs'; DROP TABLE helpline.submissions; --" = "Lancashire"
"$$ GMP $$" = "Greater Manchester"
"\\\\ back \\\\" = "Merseyside"

[values.caller_type]
"'; TRUNCATE helpline.submissions; --" = "child"

[values.channel]
"$$;$$" = "phone"
"""
HOSTILE_FORCES = [
    ("Lancs'; DROP TABLE helpline.submissions; --", "E23000003"),
    ("$$ GMP $$", "E23000005"),
    ("\\ back \\", "E23000004"),
]


def hostile_rows(refs: list[str]) -> list[list[object]]:
    return [
        [
            f"H{i:02d} {ref}",
            datetime(2018, 1 + i % 2, 3 + i, 10, 0),
            HOSTILE_FORCES[i % 3][0],
            "'; TRUNCATE helpline.submissions; --",
            "$$;$$",
            "'; DROP TABLE helpline.revisions; --",  # a dropped column
        ]
        for i, ref in enumerate(refs)
    ]


def hostile_headings(settings: Settings) -> list[str]:
    profile = find_profile(settings.partners_dir, "t-hostile")
    return [*profile.columns.values(), *profile.drop_columns]


def stored_records(engine: Engine) -> list[tuple[str, date, str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT contact_ref, contact_date, force_code, caller_type, channel "
                "FROM helpline.contact_records ORDER BY contact_ref"
            )
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def hostile_settings(partner_settings: Settings) -> Settings:
    (partner_settings.partners_dir / "t-hostile.toml").write_text(HOSTILE_PROFILE, "utf-8")
    return partner_settings


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_sql_metacharacters_in_every_partner_value_and_profile_field(
    suffix: str,
    engine: Engine,
    hostile_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    tables = table_names(engine)
    profile = find_profile(hostile_settings.partners_dir, "t-hostile")
    assert profile.name.startswith("'); DROP TABLE")
    rows = hostile_rows(SQL_VALUES)
    name = f"O'Brien; DROP TABLE helpline.submissions; -- $$ Ω{suffix}"
    path = tmp_path / name
    headings = hostile_headings(hostile_settings)
    with cases.case():
        if suffix == ".xlsx":
            write_xlsx(path, rows, headings=headings, sheet=profile.sheet or "Sheet1")
        else:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(headings)
                writer.writerows(
                    [[v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v for v in row]
                     for row in rows]
                )  # fmt: skip
        outcome = ingest_file(engine, hostile_settings, profile, path)
        assert outcome.status == "accepted", outcome.line()
        assert table_names(engine) == tables
        expected = sorted(
            (
                # XML reads a bare carriage return in a cell as a line feed; control and
                # bidi characters are stored as visible escapes (flows.core.safe_text)
                clean_text(str(row[0]).replace("\r", "\n") if suffix == ".xlsx" else str(row[0])),
                row[1].date(),  # type: ignore[attr-defined]
                HOSTILE_FORCES[i % 3][1],
                "child",
                "phone",
            )
            for i, row in enumerate(rows)
        )
        assert stored_records(engine) == expected
        assert ledger(engine) == [(1, name, "loaded", None)]
    with cases.case():  # the same spellings where they are not mapped: refused, quoted literally
        bad = write_xlsx(
            tmp_path / "unmapped.xlsx",
            [["R1", D1, "'; DROP TABLE helpline.submissions; --", "x", "y", None]],
            headings=headings,
            sheet=profile.sheet or "Sheet1",
        )
        outcome = ingest_file(engine, hostile_settings, profile, bad)
        assert outcome.status == "rejected"
        assert outcome.reason == (
            "Force'); DELETE FROM helpline.force_areas; -- is not a police force area of England "
            "and Wales (add the spelling to the profile's [values.force_area]) on 1 row(s) (rows 2)"
            "; ask the partner to correct them"
        )
        assert table_names(engine) == tables
        with engine.connect() as connection:
            assert (
                connection.execute(
                    sa.text("SELECT count(*) FROM helpline.force_areas")
                ).scalar_one()
                == 43
            )


@pytest.mark.parametrize(
    "partner",
    [
        "x'; DROP TABLE helpline.submissions; --",
        "../t-records",
        "..",
        "a/b",
        "/etc/passwd",
        "t-records/../t-counts",
        "T-RECORDS",
        "t-records ",
        "$(id)",
        "",
    ],
)
def test_partner_ids_that_are_not_ids(
    partner: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    # A valid profile beside the partners folder: a traversing id must not reach it.
    write_profile(tmp_path, "t-records")
    cli_environment(partner_settings, monkeypatch)
    path = write_xlsx(tmp_path / "f.xlsx", records("A", JAN, "Lancs", 5))
    with cases.case():
        result = run_main(["ingest", "--partner", partner, str(path)], capsys)
        assert result.code == 1, result
        assert one_line(result.text) == (
            f"error: {partner!r} is not a partner id; ids are lower-case letters, digits and "
            "hyphens."
        )
        assert ledger(engine) == []


def _old(path: Path) -> None:
    settled = time.time() - 3600
    os.utime(path, (settled, settled), follow_symlinks=False)


def test_inbox_ignores_symlinks_and_folders_that_are_not_partners(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    inbox, outside = partner_settings.inbox_dir, tmp_path / "outside"
    secret = write_xlsx(outside / "secret.xlsx", records("S", JAN, "Lancs", 7))
    counts = write_xlsx(
        outside / "counts" / "counts.xlsx",
        [["Jan-18", "Lancashire", 99]],
        headings=["Month", "Force", "Contacts"],
    )
    legit = write_xlsx(inbox / "t-records" / "legit.xlsx", records("L", FEB, "GMP", 6))
    (inbox / "t-records" / "link.xlsx").symlink_to(secret)
    (inbox / "t-records" / "folder-link").symlink_to(outside)
    (inbox / "t-counts").symlink_to(counts.parent, target_is_directory=True)
    write_xlsx(inbox / "T-Records" / "upper.xlsx", records("U", JAN, "Lancs", 5))
    write_xlsx(inbox / "t-records" / "~$legit.xlsx", records("T", JAN, "Lancs", 5))
    for path in (secret, counts, legit, *inbox.rglob("*")):
        _old(path)
    cli_environment(partner_settings, monkeypatch)
    with cases.case():
        result = run_main(["ingest-inbox"], capsys)
        assert result.code == 0, result
        assert one_line(result.text).startswith("t-records/legit.xlsx: accepted, 6 rows")
        assert current_totals(engine) == {("t-records", FEB, "E23000005"): 6}
        assert [row[1:3] for row in ledger(engine)] == [("legit.xlsx", "loaded")]
        # Nothing outside the inbox was read, moved or filed; the links are left as they were.
        assert secret.is_file() and counts.is_file()
        assert (inbox / "t-records" / "link.xlsx").is_symlink()
        assert (inbox / "t-counts").is_symlink()
        assert (inbox / "T-Records" / "upper.xlsx").is_file()
        assert (inbox / "t-records" / "~$legit.xlsx").is_file()
        processed = sorted(p.name for p in (inbox / "processed" / "t-records").iterdir())
        assert processed == ["legit.feedback.xlsx", "legit.xlsx"]
        assert not (inbox / "processed" / "t-counts").exists()


# ---- formula injection ---------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "=cmd|'/C calc'!A0",
    "#N/A",
]
FORMULA_PROFILE = """
id = "t-formula"
name = "=HYPERLINK(\\"http://x\\",\\"y\\")"
layout = "records"
[columns]
contact_ref = "Ref"
contact_date = "Date of contact"
force_area = "Police force"
caller_type = "Caller"
channel = "Method"
[values.force_area]
"=HYPERLINK(\\"http://x\\",\\"y\\")" = "Lancashire"
"@SUM(1)" = "Greater Manchester"
[values.caller_type]
"=1+1" = "child"
"+cmd" = "professional"
[values.channel]
"-2+3" = "phone"
"""


def write_text_cells(path: Path, headings: list[str], rows: list[list[object]]) -> Path:
    """A partner workbook whose cells hold formula-like text as text (as a partner's would)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    lines: list[Sequence[object]] = [headings, *rows]
    for r, values in enumerate(lines, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)
    return path


def assert_no_formulas(path: Path, must_contain: tuple[str, ...] = ()) -> int:
    """No formula anywhere in the workbook; formula-like text typed as text. Returns cells seen."""
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                xml = archive.read(part)
                assert b"<f>" not in xml and b"<f " not in xml, (path.name, part)
    seen, texts = 0, []
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value[:1] in "=+-@#":
                        assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                        seen += 1
    for text in must_contain:
        assert any(text in value for value in texts), (path.name, text)
    return seen


def test_formula_injection_never_reaches_a_workbook_as_a_formula(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    (partner_settings.partners_dir / "t-formula.toml").write_text(FORMULA_PROFILE, "utf-8")
    profile = find_profile(partner_settings.partners_dir, "t-formula")
    headings = [*HEADINGS, "Method"]
    good = [
        [ref, datetime(2018, 1 + i % 2, 5, 12), force, caller, "-2+3"]
        for i, (ref, force, caller) in enumerate(
            zip(
                FORMULAS,
                ['=HYPERLINK("http://x","y")', "@SUM(1)"] * 4,
                ["=1+1", "+cmd"] * 4,
                strict=False,
            )
        )
    ]
    with cases.case():  # accepted: references and spellings that look like formulas
        path = write_text_cells(tmp_path / "=1+1.xlsx", headings, good)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert outcome.status == "accepted", outcome.line()
        with engine.connect() as connection:
            refs = connection.execute(
                sa.text("SELECT contact_ref FROM helpline.contact_records ORDER BY 1")
            ).scalars()
            assert sorted(refs) == sorted(FORMULAS)
        assert outcome.feedback_path is not None
        assert_no_formulas(outcome.feedback_path, ("Feedback on =1+1.xlsx",))
    with cases.case():  # rejected: the partner's formula-like values quoted in the feedback
        bad = [
            ["@SUM(1)", datetime(2018, 3, 5), '=HYPERLINK("http://evil","click")', "=1+1", "x"],
            ["@SUM(1)", datetime(2018, 3, 6), "=1+1", "+cmd", "-2+3"],
        ]
        path = write_text_cells(tmp_path / "@SUM(1).xlsx", headings, bad)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert outcome.status == "rejected"
        assert outcome.feedback_path is not None
        assert_no_formulas(outcome.feedback_path, ('=HYPERLINK("http://evil","click")', "@SUM(1)"))
    for name, data in (("=1+1.csv", b""), ("+cmd.xlsx", b"%PDF-1.7"), ("-2+3.xls", b"x")):
        with cases.case():  # refused before parsing: the reason begins with the file's name
            path = tmp_path / name
            path.write_bytes(data)
            outcome = ingest_file(engine, partner_settings, profile, path)
            assert outcome.status == "rejected" and outcome.reason
            assert outcome.reason.startswith(name)
            assert outcome.feedback_path is not None
            assert assert_no_formulas(outcome.feedback_path, (outcome.reason,)) >= 1
    with cases.case():  # the six-monthly workbook, built from data that included all of that
        load_report_data(engine, partner_settings, tmp_path)
        cli_environment(partner_settings, monkeypatch)
        out = tmp_path / "report.xlsx"
        result = run_main(["report", "--period", "2018-H1", "--out", str(out)], capsys)
        assert result.code == 0, result
        assert_no_formulas(out, ("t-formula",))


# ---- XML entities and zip bombs --------------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def xlsx_parts(tmp_path: Path) -> dict[str, bytes]:
    path = write_xlsx(tmp_path / "base.xlsx", records("X", JAN, "Lancs", 3))
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def rebuild(path: Path, parts: dict[str, bytes], **changes: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**parts, **changes}.items():
            archive.writestr(name, data)
    return path


def _body(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def _sheet_with(prolog: str, parts: dict[str, bytes], entity: str = "&lol9;") -> bytes:
    sheet = _body(parts["xl/worksheets/sheet1.xml"]).replace(b"X00001", entity.encode(), 1)
    return b'<?xml version="1.0"?>' + prolog.encode() + sheet


def entity_cases(parts: dict[str, bytes]) -> dict[str, tuple[str, dict[str, bytes]]]:
    """name -> (the part holding the DOCTYPE, the parts to change)"""
    sheet = "xl/worksheets/sheet1.xml"
    workbook_body = _body(parts["xl/workbook.xml"])
    return {
        "billion laughs": (sheet, {sheet: _sheet_with(LAUGHS, parts)}),
        "DOCTYPE after an 8 KB comment": (
            sheet,
            {sheet: _sheet_with("<!--" + "x" * 8192 + "-->" + LAUGHS, parts)},
        ),
        "comment holding <a, then padding": (
            sheet,
            {sheet: _sheet_with("<!-- <a -->" + " " * 9000 + LAUGHS, parts)},
        ),
        "external entity (XXE)": (
            "xl/workbook.xml",
            {
                "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM '
                b'"file:///etc/passwd">]>'
                + workbook_body.replace(b'name="Sheet1"', b'name="&xxe;"')
            },
        ),
        "UTF-16 part": (
            sheet,
            {
                sheet: (
                    '<?xml version="1.0" encoding="UTF-16"?>'
                    + LAUGHS
                    + _body(parts[sheet]).decode().replace("X00001", "&lol9;", 1)
                ).encode("utf-16")
            },
        ),
        "UTF-8 byte-order mark and padding": (
            sheet,
            {sheet: b"\xef\xbb\xbf" + b"\n" * 9000 + _sheet_with(LAUGHS, parts)},
        ),
        "content types": (
            "[Content_Types].xml",
            {
                "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "b">]>'
                + _body(parts["[Content_Types].xml"])
            },
        ),
        "relationships": (
            "_rels/.rels",
            {
                "_rels/.rels": b"<!DOCTYPE r SYSTEM 'http://127.0.0.1:1/x.dtd'>"
                + parts["_rels/.rels"]
            },
        ),
    }


def rejected_quickly(
    engine: Engine, settings: Settings, path: Path, seconds: float = 10
) -> IngestOutcome:
    profile = find_profile(settings.partners_dir, "t-records")
    started = time.monotonic()
    outcome = ingest_file(engine, settings, profile, path)
    assert time.monotonic() - started < seconds
    assert_clean_outcome(outcome)
    assert outcome.status == "rejected", outcome.line()
    assert row_counts(engine) == dict.fromkeys(row_counts(engine), 0)
    return outcome


def test_xml_entity_declarations_are_refused(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    parts = xlsx_parts(tmp_path)
    for number, (name, (part, changes)) in enumerate(entity_cases(parts).items()):
        with cases.case():
            path = rebuild(tmp_path / f"entities-{number}.xlsx", parts, **changes)
            outcome = rejected_quickly(engine, partner_settings, path)
            assert outcome.reason == (
                f"{path.name} contains an XML document type declaration ({part}), which "
                "workbooks never need, so it was not opened; ask the partner to save it again "
                "from their spreadsheet program."
            ), name
    with cases.case():  # an OpenDocument spreadsheet with the same
        ods = tmp_path / "laughs.ods"
        with zipfile.ZipFile(ods, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr(
                "content.xml", '<?xml version="1.0"?>' + LAUGHS + "<office:document-content/>"
            )
        outcome = rejected_quickly(engine, partner_settings, ods)
        assert outcome.reason == (
            "laughs.ods contains an XML document type declaration (content.xml), which "
            "workbooks never need, so it was not opened; ask the partner to save it again "
            "from their spreadsheet program."
        )


def _patch_member(path: Path, member: str, **fields: int) -> None:
    """Rewrite a member's header fields in both its local and central directory headers."""
    offsets = {"method": (8, 10, "<H"), "size": (22, 24, "<I"), "flags": (6, 8, "<H")}
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    for field, value in fields.items():
        local, central, fmt = offsets[field]
        struct.pack_into(fmt, data, info.header_offset + local, value)
        at = data.find(b"PK\x01\x02")
        while at != -1:
            length = struct.unpack_from("<H", data, at + 28)[0]
            if data[at + 46 : at + 46 + length] == member.encode():
                struct.pack_into(fmt, data, at + central, value)
            at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_zip_bombs_are_refused_in_bounded_time(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    parts = xlsx_parts(tmp_path)
    sheet = "xl/worksheets/sheet1.xml"
    zeros = b"0" * (40 * 2**20)
    small = partner_settings.model_copy(update={"max_uncompressed_mb": 5})
    bombs: list[tuple[str, Callable[[Path], Path], Settings, str]] = [
        (
            "one part of 40 MB of zeros",
            lambda p: rebuild(p, parts, **{"xl/worksheets/sheet2.xml": zeros}),
            partner_settings,
            "has a part that expands 1,0",
        ),
        (
            "eight 1 MB parts over a 5 MB limit",
            lambda p: rebuild(
                p, parts, **{f"xl/media/image{i}.bin": os.urandom(2**20) for i in range(8)}
            ),
            small,
            "would be 8 MB uncompressed, over the 5 MB limit (HELPLINE_MAX_UNCOMPRESSED_MB)",
        ),
        (
            "10,001 parts",
            lambda p: rebuild(p, parts, **{f"xl/x/{i}.xml": b"" for i in range(10_001)}),
            partner_settings,
            "holds 10,010 parts",
        ),
    ]
    for number, (name, make, settings, expected) in enumerate(bombs):
        with cases.case():
            path = make(tmp_path / f"bomb-{number}.xlsx")
            outcome = rejected_quickly(engine, settings, path)
            assert outcome.reason and path.name in outcome.reason and expected in outcome.reason, (
                name,
                outcome.reason,
            )
    with cases.case():  # a part that says it is small and inflates to 64 MB
        liar = rebuild(
            tmp_path / "liar.xlsx",
            parts,
            **{sheet: parts[sheet].replace(b"<sheetData>", b"<sheetData>" + b" " * 2**26, 1)},
        )
        _patch_member(liar, sheet, size=9000)
        outcome = rejected_quickly(engine, partner_settings, liar)
        assert outcome.reason and "is corrupt and cannot be" in outcome.reason
    with cases.case():  # a compression method no workbook uses (Deflate64)
        odd = rebuild(tmp_path / "deflate64.xlsx", parts)
        _patch_member(odd, sheet, method=9)
        outcome = rejected_quickly(engine, partner_settings, odd)
        assert outcome.reason and (
            "uses a compression method workbooks do not use" in outcome.reason
            or "is corrupt" in outcome.reason
        )
    with cases.case():  # the zip's encryption flag
        locked = rebuild(tmp_path / "flagged.xlsx", parts)
        _patch_member(locked, sheet, flags=1)
        outcome = rejected_quickly(engine, partner_settings, locked)
        assert outcome.reason == (
            "flagged.xlsx is password-protected; ask the partner to send it without a password."
        )


# ---- a 100 MB line --------------------------------------------------------------------------

HEAD = b"Ref,Date of contact,Police force,Caller\nR1,03/01/2018,Lancashire,Child\n"
MB = 2**20


def write_chunks(path: Path, pieces: list[tuple[bytes, int]]) -> Path:
    """Write (piece, repeat) pairs without holding the file in memory."""
    with path.open("wb") as handle:
        for piece, repeat in pieces:
            for _ in range(repeat):
                handle.write(piece)
    return path


LONG_LINES: dict[str, list[tuple[bytes, int]]] = {
    "a 100 MB field": [(HEAD + b"R2,03/01/2018,Lancashire,", 1), (b"x" * MB, 100), (b"\n", 1)],
    "100 MB of commas on one line": [
        (HEAD + b"R2,03/01/2018,Lancashire,Child", 1),
        (b"," * MB, 100),
    ],
    "a 100 MB first line": [(b"a" * MB, 100), (b"\n" + HEAD, 1)],
    "a hundred 1 MB rows of commas after 60 good ones": [
        (HEAD, 1),
        (b"N1,03/01/2018,Lancashire,Child\n", 60),
        (b"W1,03/01/2018,Lancashire,Child" + b"," * (MB - 100) + b"\n", 100),
    ],
}
PROBE = """
import json, sys, time
from pathlib import Path
from flows.core.errors import FileRejected
from flows.intake.reading.guards import check_file_before_parsing
from flows.intake.reading.readers import read_table
started = time.monotonic()
path = Path(sys.argv[1])
try:
    check_file_before_parsing(path, max_uncompressed_bytes=512 * 2**20)
    read_table(path, wanted=["Ref", "Date of contact", "Police force", "Caller"])
    outcome = "read"
except FileRejected as rejection:
    outcome = rejection.message
# VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec).
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - started,
                  "maxrss_mb": int(peak.split()[1]) / 1024}))
"""


@pytest.mark.slow
def test_a_100_mb_csv_line_is_refused_in_bounded_memory_and_time(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    root = Path(__file__).resolve().parents[2]
    for number, (name, pieces) in enumerate(LONG_LINES.items()):
        path = write_chunks(tmp_path / f"long-{number}.csv", pieces)
        with cases.case():
            probe = subprocess.run(
                [sys.executable, "-c", PROBE, str(path)],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=root,
            )
            assert probe.returncode == 0, probe.stderr
            result = json.loads(probe.stdout)
            assert result["outcome"].startswith(f"{path.name} has a line "), (name, result)
            assert result["seconds"] < 10, (name, result)
            assert result["maxrss_mb"] < 400, (name, result)  # the file is 100 MB
        with cases.case():
            cli = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
            assert cli.code == 1
            assert one_line(cli.text).startswith(f"{path.name}: rejected: {path.name} has a line")
        path.unlink()
    assert ledger(engine) and row_counts(engine) == dict.fromkeys(row_counts(engine), 0)


# ---- extreme dates and numbers -----------------------------------------------------------------


def dated_cell(value: object, number_format: str | None = None) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADINGS)
        sheet.append(["R1", D1, "Lancashire", "Child"])
        sheet.append(["R2", value, "Lancashire", "Child"])
        if number_format:
            sheet["B3"].number_format = number_format
        workbook.save(path)
        return path

    return make


def counted_cell(value: object) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        rows = [["Jan-18", "Lancashire", 12], ["Feb-18", "Lancashire", value]]
        return write_xlsx(path, rows, headings=["Month", "Force", "Contacts"])

    return make


NOT_A_DATE = (
    "Date of contact is blank or not a date on 1 row(s) (rows 3); ask the partner to give each "
    "contact its date, e.g. 03/01/2018"
)
OUT_OF_RANGE = (
    "Date of contact is before 1 January 2000 or in the future on 1 row(s) (rows 3); ask the "
    "partner to correct these dates"
)
NOT_A_COUNT = (
    "Contacts is blank or not a whole number on 1 row(s) (rows 3); ask the partner to put a "
    "whole number in each (0 where there were no contacts)"
)
NEGATIVE = (
    "Contacts is negative or implausibly large on 1 row(s) (rows 3); ask the partner to correct "
    "these counts"
)
# Beyond what a date or count can be, either rule may say so: both refuse the file in one line.
NO_DATE = (NOT_A_DATE, OUT_OF_RANGE)
NO_COUNT = (NOT_A_COUNT, NEGATIVE)
EXTREMES: list[tuple[str, str, Callable[[Path], Path], str | tuple[str, ...] | None]] = [
    ("serial 60 (1900-02-29)", "t-records", dated_cell(60), NOT_A_DATE),
    ("serial 60 formatted as a date", "t-records", dated_cell(60, "dd/mm/yyyy"), NO_DATE),
    ("serial 0", "t-records", dated_cell(0), NOT_A_DATE),
    ("serial 0 formatted as a date", "t-records", dated_cell(0, "dd/mm/yyyy"), NOT_A_DATE),
    ("serial -1", "t-records", dated_cell(-1), NOT_A_DATE),
    ("serial -1 formatted as a date", "t-records", dated_cell(-1, "dd/mm/yyyy"), NOT_A_DATE),
    ("serial 2958465 (9999-12-31)", "t-records", dated_cell(2958465), NO_DATE),
    ("serial 2958466", "t-records", dated_cell(2958466), NOT_A_DATE),
    ("year 9999", "t-records", dated_cell(datetime(9999, 12, 31, 23, 59)), NO_DATE),
    ("year 1", "t-records", dated_cell(datetime(1, 1, 1)), NOT_A_DATE),
    ("1e308 as a date", "t-records", dated_cell(1e308), NOT_A_DATE),
    ("text 9999-12-31", "t-records", dated_cell("9999-12-31"), NO_DATE),
    ("text 0000-01-01", "t-records", dated_cell("0000-01-01"), NOT_A_DATE),
    ("text 29/02/2017", "t-records", dated_cell("29/02/2017"), NOT_A_DATE),
    ("text NaN as a date", "t-records", dated_cell("NaN"), NOT_A_DATE),
    ("serial 43103.5 (3 Jan 2018, noon)", "t-records", dated_cell(43103.5), None),
    ("count 1e308", "t-counts", counted_cell(1e308), NOT_A_COUNT),
    ("count -1", "t-counts", counted_cell(-1), NEGATIVE),
    ("count -1e308", "t-counts", counted_cell(-1e308), NOT_A_COUNT),
    ("count text NaN", "t-counts", counted_cell("NaN"), NOT_A_COUNT),
    ("count text inf", "t-counts", counted_cell("inf"), NOT_A_COUNT),
    ("count text -Infinity", "t-counts", counted_cell("-Infinity"), NOT_A_COUNT),
    ("count huge int as text", "t-counts", counted_cell(str(10**30)), NOT_A_COUNT),
    ("count huge int", "t-counts", counted_cell(10**30), NOT_A_COUNT),
    ("count 2**31", "t-counts", counted_cell(2**31), NO_COUNT),
    ("count 2.5", "t-counts", counted_cell(2.5), NOT_A_COUNT),
    ("count 1e3 as text", "t-counts", counted_cell("1e3"), NO_COUNT),
    ("count 1,000,000 as text", "t-counts", counted_cell("1,000,000"), None),
]


def test_extreme_dates_and_numbers(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    write_profile(partner_settings.partners_dir, "t-counts", COUNTS_PROFILE)
    for number, (name, partner, make, expected) in enumerate(EXTREMES):
        with cases.case():
            path = make(tmp_path / f"extreme-{number}.xlsx")
            profile = find_profile(partner_settings.partners_dir, partner)
            outcome = ingest_file(engine, partner_settings, profile, path)
            assert_clean_outcome(outcome)
            if expected is None:
                assert outcome.status == "accepted", (name, outcome.line())
            else:
                allowed = (expected,) if isinstance(expected, str) else expected
                assert outcome.status == "rejected" and outcome.reason in allowed, (name, outcome)
    # The accepted files, exactly: two contacts on 3 January 2018 (one at noon, from a serial),
    # and the last counts file, which replaced the earlier one's months.
    assert current_totals(engine) == {
        ("t-counts", JAN, "E23000003"): 12,
        ("t-counts", FEB, "E23000003"): 1_000_000,
        ("t-records", JAN, "E23000003"): 2,
    }

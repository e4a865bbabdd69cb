"""Hostile files, the partner's view: what is loaded is exactly what the partner sees, and what
goes wrong on our side (a full disk, a bad profile) is never blamed on the file.

Category "hostile files" (with test_hostile_files_reading.py and _operations.py). Each case
asserts the one line said, the ledger row and the database: unchanged, or holding exactly the
figures the partner can see.
"""

from __future__ import annotations

import errno
import hashlib
import os
import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from sqlalchemy.engine import Engine

from flows.core.errors import ConfigurationError
from flows.core.settings import Settings
from flows.intake import ingest as ingest_module
from flows.intake.inbox import sweep_inbox
from flows.intake.ingest import ingest_file
from flows.intake.outcome import IngestOutcome
from flows.intake.partner_file import read_partner_file
from flows.intake.profiles import find_profile
from tests.conftest import helpline_env
from tests.reliability.conftest import CaseLog
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.office import convert
from tests.support.partner_files import (
    COUNTS_PROFILE,
    CROSSTAB_PROFILE,
    HEADINGS,
    MONTHS_DOWN_PROFILE,
    RECORDS_PROFILE,
    records,
    write_profile,
    write_workbook,
    write_xlsx,
)

pytestmark = [pytest.mark.integration]

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)
LANCASHIRE, MERSEYSIDE = "E23000003", "E23000004"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ledger_hashes(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT file_name, status, sha256 FROM helpline.submissions ORDER BY id")
        )
        return [(r.file_name, r.status, r.sha256) for r in rows]


def swapping_read(
    monkeypatch: pytest.MonkeyPatch, original: Path, replacement: bytes
) -> list[Path]:
    """Replace the file at `original` (a new inode, as a partner's re-save does) after it is
    hashed and before it is read; the paths read are returned for the test to inspect."""
    real = read_partner_file
    read: list[Path] = []

    def swap_then_read(path: Path, *args: object, **kwargs: object) -> object:
        if not read:
            swapped = original.with_name(original.name + ".new")
            swapped.write_bytes(replacement)
            os.replace(swapped, original)
        read.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "read_partner_file", swap_then_read)
    return read


# ---- 1. one snapshot per file ----------------------------------------------------------------


def test_a_file_replaced_between_hash_and_read_loads_the_bytes_hashed(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
) -> None:
    profile = find_profile(partner_settings.partners_dir, "t-records")
    path = write_xlsx(tmp_path / "jan.xlsx", records("J", JAN, "Lancashire", 6))
    first_bytes = path.read_bytes()
    second = write_xlsx(tmp_path / "other" / "jan.xlsx", records("K", FEB, "Merseyside", 9))
    second_bytes = second.read_bytes()
    with cases.case():
        read = swapping_read(monkeypatch, path, second_bytes)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert (
            outcome.line()
            == "jan.xlsx: accepted, 6 rows, months Jan 2018 to Jan 2018 (submission 1)"
        )
        assert read[0] != path  # the private copy was read, not the path
        assert ledger_hashes(engine) == [
            ("jan.xlsx", "loaded", hashlib.sha256(first_bytes).hexdigest())
        ]
        assert current_totals(engine) == {("t-records", JAN, LANCASHIRE): 6}
        assert path.read_bytes() == second_bytes  # the partner's new file is untouched
    with cases.case():  # the new file is new: it loads, it is not "skipped, duplicate"
        monkeypatch.setattr(ingest_module, "read_partner_file", read_partner_file_unpatched)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert (
            outcome.line()
            == "jan.xlsx: accepted, 9 rows, months Feb 2018 to Feb 2018 (submission 2)"
        )
        assert [row[2] for row in ledger_hashes(engine)] == [
            hashlib.sha256(first_bytes).hexdigest(),
            hashlib.sha256(second_bytes).hexdigest(),
        ]
        assert current_totals(engine) == {
            ("t-records", JAN, LANCASHIRE): 6,
            ("t-records", FEB, MERSEYSIDE): 9,
        }


read_partner_file_unpatched = read_partner_file


def settled(path: Path) -> Path:
    old = path.stat().st_mtime - 600
    os.utime(path, (old, old))
    return path


def test_an_inbox_file_replaced_during_its_sweep_files_what_was_read(
    engine: Engine,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
) -> None:
    inbox = partner_settings.inbox_dir
    path = settled(write_xlsx(inbox / "t-records" / "jan.xlsx", records("J", JAN, "Lancs", 4)))
    first_bytes = path.read_bytes()
    second_bytes = write_xlsx(
        partner_settings.state_dir / "jan.xlsx", records("K", FEB, "Lancs", 7)
    ).read_bytes()
    said: list[str] = []
    with cases.case():
        swapping_read(monkeypatch, path, second_bytes)
        sweep_inbox(engine, partner_settings, said.append, settle_seconds=0)
        assert said == [
            "t-records/jan.xlsx: accepted, 4 rows, months Jan 2018 to Jan 2018 (submission 1)"
        ]
        filed = inbox / "processed" / "t-records" / "jan.xlsx"
        assert filed.read_bytes() == first_bytes  # the bytes hashed and read are those filed
        assert path.read_bytes() == second_bytes  # the new version waits for the next sweep
        assert ledger_hashes(engine) == [("jan.xlsx", "loaded", sha256_of(filed))]
    with cases.case():
        monkeypatch.setattr(ingest_module, "read_partner_file", read_partner_file_unpatched)
        settled(path)
        said.clear()
        sweep_inbox(engine, partner_settings, said.append, settle_seconds=0)
        assert said == [
            "t-records/jan.xlsx: accepted, 7 rows, months Feb 2018 to Feb 2018 (submission 2)"
        ]
        assert not path.exists()
        assert (inbox / "processed" / "t-records" / "jan.1.xlsx").read_bytes() == second_bytes
        assert current_totals(engine) == {
            ("t-records", JAN, LANCASHIRE): 4,
            ("t-records", FEB, LANCASHIRE): 7,
        }


# ---- 7. a full disk is the machine's fault, and a retry adds no second ledger row -------------


def no_space(*_args: object, **_kwargs: object) -> Path:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    ("rows", "status"),
    [
        (records("J", JAN, "Lancashire", 5), "loaded"),
        ([["J1", "not a date", "Lancashire", "Child"]], "rejected"),
    ],
)
def test_a_full_disk_while_writing_feedback_records_nothing_until_retried(
    engine: Engine,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
    rows: list[list[object]],
    status: str,
) -> None:
    inbox = partner_settings.inbox_dir
    path = settled(write_xlsx(inbox / "t-records" / "jan.xlsx", rows))
    folder = partner_settings.output_dir / "feedback" / "t-records"
    counts = row_counts(engine)
    with cases.case():
        monkeypatch.setattr(ingest_module, "write_feedback_report", no_space)
        with pytest.raises(ConfigurationError) as raised:
            sweep_inbox(engine, partner_settings, print, settle_seconds=0)
        assert raised.value.message == (
            f"jan.xlsx: nothing loaded or recorded: its feedback report could not be written to "
            f"{folder} (No space left on device): free some space or choose a writable "
            "HELPLINE_OUTPUT_DIR, then ingest the file again."
        )
        assert ledger(engine) == []
        assert row_counts(engine) == counts
        assert path.is_file()  # left in the inbox for the retry
        assert not folder.exists() or list(folder.iterdir()) == []
    for attempt in range(2):  # the retry records the file once; a third sweep finds nothing
        with cases.case():
            monkeypatch.undo()
            sweep_inbox(engine, partner_settings, print, settle_seconds=0)
            assert [row[2] for row in ledger(engine)] == [status], attempt
    expected = {("t-records", JAN, LANCASHIRE): 5} if status == "loaded" else {}
    assert current_totals(engine) == expected


def test_ingest_with_a_full_disk_says_one_line_and_exits_1(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    from tests.reliability.conftest import cli_environment, one_line, run_main

    cli_environment(partner_settings, monkeypatch)
    path = write_xlsx(tmp_path / "feb.xlsx", records("F", FEB, "Lancs", 3))
    monkeypatch.setattr(ingest_module, "write_feedback_report", no_space)
    with cases.case():
        result = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
        assert result.code == 1
        assert one_line(result.text) == (
            "error: feb.xlsx: nothing loaded or recorded: its feedback report could not be "
            f"written to {partner_settings.output_dir}/feedback/t-records (No space left on "
            "device): free some space or choose a writable HELPLINE_OUTPUT_DIR, then ingest "
            "the file again."
        )
        assert ledger(engine) == [] and current_totals(engine) == {}


# ---- 2. hidden rows, columns and sheets are never counted silently ---------------------------

CUMBRIA, GMP = "E23000002", "E23000005"
JUL, AUG = date(2017, 7, 1), date(2017, 8, 1)
HIDDEN_ADVICE = (
    'ask the partner to unhide them and check their Totals, or set hidden_cells = "visible" '
    '(read only what is visible) or hidden_cells = "include" (read the hidden figures too) in '
    "the profile."
)


def crosstab_profile(folder: Path, partner: str, hidden_cells: str | None = None) -> None:
    setting = f'hidden_cells = "{hidden_cells}"\n' if hidden_cells else ""
    write_profile(folder, partner, setting + CROSSTAB_PROFILE)


def hidden_crosstab(
    path: Path, total_counts_hidden: bool, hide_row: bool = True, hide_column: bool = False
) -> Path:
    """Force areas down, Jul and Aug across; row 5 (Merseyside: 4 and 6) hidden; the Total row
    counts it or not."""
    extra = (4, 6) if total_counts_hidden else (0, 0)
    rows: list[list[object]] = [
        ["Referrals"],
        [],
        ["Force area", datetime(2017, 7, 1), datetime(2017, 8, 1), "Total"],
        ["Cumbria", 3, 1, 4],
        ["Merseyside", 4, 6, 10],
        ["Lancashire", 12, 15, 27],
        ["Total", 15 + extra[0], 16 + extra[1], 31 + sum(extra)],
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    if hide_row:
        sheet.row_dimensions[5].hidden = True
    if hide_column:
        sheet.column_dimensions["C"].hidden = True
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def feedback_notes(path: Path | None) -> list[str]:
    assert path is not None
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook["Summary"].iter_rows(values_only=True))
    finally:
        workbook.close()
    return [str(row[1]) for row in rows if row and row[0] == "Note"]


@pytest.fixture
def hidden_settings(partner_settings: Settings) -> Settings:
    folder = partner_settings.partners_dir
    crosstab_profile(folder, "t-x-refuse")
    crosstab_profile(folder, "t-x-visible", "visible")
    crosstab_profile(folder, "t-x-include", "include")
    write_profile(folder, "t-r-visible", 'hidden_cells = "visible"\n' + RECORDS_PROFILE)
    return partner_settings


def ingest_as(engine: Engine, settings: Settings, partner: str, path: Path) -> IngestOutcome:
    return ingest_file(engine, settings, find_profile(settings.partners_dir, partner), path)


def test_hidden_crosstab_rows_are_refused_by_default_naming_them(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    with cases.case():
        path = hidden_crosstab(tmp_path / "hidden.xlsx", total_counts_hidden=True)
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.line() == (
            'hidden.xlsx: rejected: hidden.xlsx has hidden figures (sheet "Data" row 5), which '
            f"a person reading the file cannot see; {HIDDEN_ADVICE}"
        )
        assert [row[2] for row in ledger(engine)] == ["rejected"]
        assert current_totals(engine) == {}
    with cases.case():  # a hidden month column too: both named
        path = hidden_crosstab(tmp_path / "both.xlsx", True, hide_column=True)
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.reason == (
            'both.xlsx has hidden figures (sheet "Data" row 5 and column C), which a person '
            f"reading the file cannot see; {HIDDEN_ADVICE}"
        )
        assert current_totals(engine) == {}


def test_hidden_crosstab_rows_read_as_the_profile_says(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    with cases.case():  # visible only: the Totals the partner sees add up without row 5
        path = hidden_crosstab(tmp_path / "visible.xlsx", total_counts_hidden=False)
        outcome = ingest_as(engine, hidden_settings, "t-x-visible", path)
        assert outcome.status == "accepted", outcome.line()
        assert current_totals(engine) == {
            ("t-x-visible", JUL, CUMBRIA): 3,
            ("t-x-visible", AUG, CUMBRIA): 1,
            ("t-x-visible", JUL, LANCASHIRE): 12,
            ("t-x-visible", AUG, LANCASHIRE): 15,
        }
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures not read (sheet "Data" row 5): the profile reads only what is '
            "visible, so a Total that counts them will not add up."
        ]
    with cases.case():  # visible only, but the Totals count the hidden row: refused, explained
        path = hidden_crosstab(tmp_path / "counted.xlsx", total_counts_hidden=True)
        outcome = ingest_as(engine, hidden_settings, "t-x-visible", path)
        assert outcome.status == "rejected"
        assert outcome.reason == (
            "Grand total, cell D7: 41 sent, cells add up to 31; Total for Jul 2017, column B: "
            "19 sent, cells add up to 15; Total for Aug 2017, column C: 22 sent, cells add up "
            'to 16; ask the partner which figure is right; the hidden figures (sheet "Data" row '
            '5) were not read (hidden_cells = "visible"): if these Totals count them, set '
            'hidden_cells = "include" in the profile'
        )
        assert feedback_notes(outcome.feedback_path)[0].startswith(
            'Hidden figures not read (sheet "Data" row 5)'
        )
    with cases.case():  # included: the hidden row is loaded, and the feedback says so
        path = hidden_crosstab(tmp_path / "include.xlsx", total_counts_hidden=True)
        outcome = ingest_as(engine, hidden_settings, "t-x-include", path)
        assert outcome.status == "accepted", outcome.line()
        assert {k: v for k, v in current_totals(engine).items() if k[0] == "t-x-include"} == {
            ("t-x-include", JUL, CUMBRIA): 3,
            ("t-x-include", AUG, CUMBRIA): 1,
            ("t-x-include", JUL, MERSEYSIDE): 4,
            ("t-x-include", AUG, MERSEYSIDE): 6,
            ("t-x-include", JUL, LANCASHIRE): 12,
            ("t-x-include", AUG, LANCASHIRE): 15,
        }
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures read (sheet "Data" row 5): the profile includes hidden rows and '
            "columns."
        ]


def ods_crosstab(path: Path, rows: list[list[object]], hidden_rows: set[int]) -> Path:
    """A minimal OpenDocument spreadsheet, rows hidden as LibreOffice hides them."""

    def cell(value: object) -> str:
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )

    collapsed = ' table:visibility="collapse"'
    body = "".join(
        f"<table:table-row{collapsed if n in hidden_rows else ''}>"
        + "".join(map(cell, row))
        + "</table:table-row>"
        for n, row in enumerate(rows, 1)
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Data">'
        '<table:table-column table:number-columns-repeated="4"/>'
        + body
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def test_hidden_rows_of_an_ods_crosstab_are_refused(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    rows: list[list[object]] = [
        ["Force area", "Jul-17", "Aug-17", "Total"],
        ["Cumbria", 3, 1, 4],
        ["Merseyside", 4, 6, 10],
        ["Lancashire", 12, 15, 27],
        ["Total", 19, 22, 41],
    ]
    with cases.case():
        path = ods_crosstab(tmp_path / "hidden.ods", rows, {3})
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.reason == (
            'hidden.ods has hidden figures (sheet "Data" row 3), which a person reading the file '
            f"cannot see; {HIDDEN_ADVICE}"
        )
        assert current_totals(engine) == {}
    with cases.case():  # nothing hidden: the same file loads
        outcome = ingest_as(
            engine, hidden_settings, "t-x-refuse", ods_crosstab(tmp_path / "shown.ods", rows, set())
        )
        assert outcome.status == "accepted", outcome.line()
        assert current_totals(engine)[("t-x-refuse", JUL, MERSEYSIDE)] == 4


def hidden_records(path: Path) -> Path:
    """Five January records; rows 3 and 5 hidden; a hidden sheet of workings beside them."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contacts"
    sheet.append(HEADINGS)
    for row in records("J", JAN, "Lancashire", 5):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    sheet.row_dimensions[5].hidden = True
    workings = workbook.create_sheet("Workings")
    workings.append(["scratch"])
    workings.sheet_state = "hidden"
    workbook.save(path)
    return path


def test_hidden_records_rows_refused_or_left_out(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    path = hidden_records(tmp_path / "rows.xlsx")
    with cases.case():
        outcome = ingest_as(engine, hidden_settings, "t-records", path)
        assert outcome.line() == (
            'rows.xlsx: rejected: rows.xlsx has hidden figures (sheet "Contacts" rows 3, 5), '
            f"which a person reading the file cannot see; {HIDDEN_ADVICE}"
        )
        assert current_totals(engine) == {}
    with cases.case():
        outcome = ingest_as(engine, hidden_settings, "t-r-visible", path)
        assert outcome.line() == (
            "rows.xlsx: accepted, 3 rows, months Jan 2018 to Jan 2018 (submission 2)"
        )
        assert current_totals(engine) == {("t-r-visible", JAN, LANCASHIRE): 3}
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures not read (sheet "Contacts" rows 3, 5): the profile reads only what '
            "is visible, so a Total that counts them will not add up.",
            'Hidden sheets not read: "Workings".',
        ]


def records_with_columns(
    path: Path,
    hidden: str = "",
    hidden_rows: tuple[int, ...] = (),
    first_column: int = 1,
) -> Path:
    """Five January Lancashire records, a helper column "Notes" after them, the table from
    `first_column` on; the columns lettered in `hidden` and the rows in hidden_rows hidden."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Contacts"
    pad: list[object] = [None] * (first_column - 1)
    sheet.append([*pad, *HEADINGS, "Notes"])
    for row in records("J", JAN, "Lancashire", 5):
        sheet.append([*pad, *row, "checked"])
    for letter in hidden:
        sheet.column_dimensions[letter].hidden = True
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def caller_types(engine: Engine, partner: str) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT caller_type, count(*) AS n FROM helpline.contact_records "
                "WHERE partner_id = :partner GROUP BY caller_type"
            ),
            {"partner": partner},
        )
        return {r.caller_type: r.n for r in rows}


NOTES_NOT_READ = (
    'Hidden columns not read (sheet "Contacts" column E "Notes"): the profile does not use them.'
)


@pytest.fixture
def column_settings(hidden_settings: Settings) -> Settings:
    folder = hidden_settings.partners_dir
    write_profile(folder, "t-r-include", 'hidden_cells = "include"\n' + RECORDS_PROFILE)
    write_profile(folder, "t-c-visible", 'hidden_cells = "visible"\n' + COUNTS_PROFILE)
    return hidden_settings


def test_a_hidden_column_the_profile_reads_is_refused_left_out_or_read(
    engine: Engine, column_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    path = records_with_columns(tmp_path / "cols.xlsx", hidden="DE")
    with cases.case():  # the default: refused, naming the column the profile maps, not Notes
        outcome = ingest_as(engine, column_settings, "t-records", path)
        assert outcome.line() == (
            'cols.xlsx: rejected: cols.xlsx has hidden figures (sheet "Contacts" column D '
            f'"Caller"), which a person reading the file cannot see; {HIDDEN_ADVICE}'
        )
        assert [row[1:3] for row in ledger(engine)] == [("cols.xlsx", "rejected")]
        assert current_totals(engine) == {}
        assert row_counts(engine)["contact_records"] == 0
    with cases.case():  # visible only: the callers are not read, as if the column were absent
        outcome = ingest_as(engine, column_settings, "t-r-visible", path)
        assert outcome.line() == (
            "cols.xlsx: accepted, 5 rows, months Jan 2018 to Jan 2018 (submission 2)"
        )
        assert current_totals(engine) == {("t-r-visible", JAN, LANCASHIRE): 5}
        assert caller_types(engine, "t-r-visible") == {"unknown": 5}
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures not read (sheet "Contacts" column D "Caller"): the profile reads '
            "only what is visible, so a Total that counts them will not add up.",
            NOTES_NOT_READ,
        ]
    with cases.case():  # included: the callers are read, and the feedback says so
        outcome = ingest_as(engine, column_settings, "t-r-include", path)
        assert outcome.status == "accepted", outcome.line()
        assert caller_types(engine, "t-r-include") == {"child": 5}
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures read (sheet "Contacts" column D "Caller"): the profile includes '
            "hidden rows and columns.",
            NOTES_NOT_READ,
        ]


def test_a_hidden_helper_column_the_profile_does_not_read_is_only_named(
    engine: Engine, column_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    with cases.case():
        path = records_with_columns(tmp_path / "helper.xlsx", hidden="E")
        outcome = ingest_as(engine, column_settings, "t-records", path)
        assert outcome.line() == (
            "helper.xlsx: accepted, 5 rows, months Jan 2018 to Jan 2018 (submission 1)"
        )
        assert current_totals(engine) == {("t-records", JAN, LANCASHIRE): 5}
        assert caller_types(engine, "t-records") == {"child": 5}
        assert feedback_notes(outcome.feedback_path) == [NOTES_NOT_READ]


def test_a_hidden_column_the_profile_needs_cannot_be_left_out(
    engine: Engine, column_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    # The table starts in column B, so "Police force" is the sheet's column D.
    path = records_with_columns(tmp_path / "needed.xlsx", hidden="D", first_column=2)
    with cases.case():
        outcome = ingest_as(engine, column_settings, "t-r-visible", path)
        assert outcome.line() == (
            'needed.xlsx: rejected: needed.xlsx has hidden figures (sheet "Contacts" column D '
            '"Police force") in a column the profile needs, so they cannot be left out '
            '(hidden_cells = "visible"); ask the partner to unhide it, or set hidden_cells = '
            '"include" in the profile to read it.'
        )
        assert [row[2] for row in ledger(engine)] == ["rejected"]
        assert current_totals(engine) == {}
    with cases.case():  # the default names it the same way
        outcome = ingest_as(engine, column_settings, "t-records", path)
        assert outcome.reason == (
            'needed.xlsx has hidden figures (sheet "Contacts" column D "Police force"), which a '
            f"person reading the file cannot see; {HIDDEN_ADVICE}"
        )
        assert current_totals(engine) == {}


def hidden_counts(path: Path, hidden_rows: tuple[int, ...], hidden: str = "") -> Path:
    """Monthly counts, one row per force; row 3 (Merseyside) can be hidden."""
    rows = [["Cumbria", 3], ["Merseyside", 4], ["Lancashire", 12]]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Counts"
    sheet.append(["Month", "Force", "Contacts"])
    for force, contacts in rows:
        sheet.append([datetime(2018, 1, 1), force, contacts])
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    for letter in hidden:
        sheet.column_dimensions[letter].hidden = True
    workbook.save(path)
    return path


def test_hidden_rows_and_columns_of_a_counts_table(
    engine: Engine, column_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    with cases.case():  # a hidden row of figures: refused by default
        path = hidden_counts(tmp_path / "row.xlsx", (3,))
        outcome = ingest_as(engine, column_settings, "t-counts", path)
        assert outcome.line() == (
            'row.xlsx: rejected: row.xlsx has hidden figures (sheet "Counts" row 3), which a '
            f"person reading the file cannot see; {HIDDEN_ADVICE}"
        )
        assert current_totals(engine) == {}
    with cases.case():  # visible only: exactly the visible figures
        outcome = ingest_as(engine, column_settings, "t-c-visible", path)
        assert outcome.status == "accepted", outcome.line()
        assert current_totals(engine) == {
            ("t-c-visible", JAN, CUMBRIA): 3,
            ("t-c-visible", JAN, LANCASHIRE): 12,
        }
    with cases.case():  # the Contacts column hidden: refused, and "visible" cannot drop it
        path = hidden_counts(tmp_path / "column.xlsx", (), hidden="C")
        outcome = ingest_as(engine, column_settings, "t-counts", path)
        assert outcome.reason == (
            'column.xlsx has hidden figures (sheet "Counts" column C "Contacts"), which a '
            f"person reading the file cannot see; {HIDDEN_ADVICE}"
        )
        outcome = ingest_as(engine, column_settings, "t-c-visible", path)
        assert outcome.reason == (
            'column.xlsx has hidden figures (sheet "Counts" column C "Contacts") in a column '
            'the profile needs, so they cannot be left out (hidden_cells = "visible"); ask the '
            'partner to unhide it, or set hidden_cells = "include" in the profile to read it.'
        )
        assert [row[2] for row in ledger(engine)] == [
            "rejected",
            "loaded",
            "rejected",
            "rejected",
        ]
        assert set(current_totals(engine)) == {
            ("t-c-visible", JAN, CUMBRIA),
            ("t-c-visible", JAN, LANCASHIRE),
        }


def test_hidden_rows_and_columns_of_an_xls_workbook(
    engine: Engine, column_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    source = records_with_columns(tmp_path / "source" / "old.xlsx", "DE", hidden_rows=(3, 5))
    path = convert(source, "xls", tmp_path)
    with cases.case():  # the .xls shows its hidden rows and columns like an .xlsx
        outcome = ingest_as(engine, column_settings, "t-records", path)
        assert outcome.line() == (
            'old.xls: rejected: old.xls has hidden figures (sheet "Contacts" rows 3, 5 and '
            f'column D "Caller"), which a person reading the file cannot see; {HIDDEN_ADVICE}'
        )
        assert [row[1:3] for row in ledger(engine)] == [("old.xls", "rejected")]
        assert current_totals(engine) == {}
    with cases.case():  # visible only: three records, callers not read
        outcome = ingest_as(engine, column_settings, "t-r-visible", path)
        assert outcome.line() == (
            "old.xls: accepted, 3 rows, months Jan 2018 to Jan 2018 (submission 2)"
        )
        assert current_totals(engine) == {("t-r-visible", JAN, LANCASHIRE): 3}
        assert caller_types(engine, "t-r-visible") == {"unknown": 3}
        assert feedback_notes(outcome.feedback_path) == [
            'Hidden figures not read (sheet "Contacts" rows 3, 5 and column D "Caller"): the '
            "profile reads only what is visible, so a Total that counts them will not add up.",
            NOTES_NOT_READ,
        ]
    with cases.case():  # an .xls crosstab's hidden row is refused too
        source = hidden_crosstab(tmp_path / "source" / "cross.xlsx", total_counts_hidden=True)
        outcome = ingest_as(engine, column_settings, "t-x-refuse", convert(source, "xls", tmp_path))
        assert outcome.reason == (
            'cross.xls has hidden figures (sheet "Data" row 5), which a person reading the file '
            f"cannot see; {HIDDEN_ADVICE}"
        )
        assert set(current_totals(engine)) == {("t-r-visible", JAN, LANCASHIRE)}


# ---- 5. workbook structure: the 1904 date system, duplicate parts, DOCTYPE in any part --------


def test_bare_number_months_in_a_1904_workbook(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    """January 2018 is serial 43101 counted from 1900 and 41639 counted from 1904."""
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Month", "Force", "Contacts"])
    sheet.append([41639, "Lancashire", 40])  # a bare number, no date format
    sheet.append([datetime(2018, 2, 1), "Merseyside", 25])  # a formatted date
    path = tmp_path / "mac.xlsx"
    workbook.save(path)
    with cases.case():
        outcome = ingest_as(engine, partner_settings, "t-counts", path)
        assert outcome.line() == (
            "mac.xlsx: accepted, 2 rows, months Jan 2018 to Feb 2018 (submission 1)"
        )
        assert current_totals(engine) == {
            ("t-counts", JAN, LANCASHIRE): 40,
            ("t-counts", FEB, MERSEYSIDE): 25,
        }
    with cases.case():  # the same workbook saved as .xls keeps its 1904 date system
        write_profile(partner_settings.partners_dir, "t-counts-xls", COUNTS_PROFILE)
        old = convert(path, "xls", tmp_path)
        outcome = ingest_as(engine, partner_settings, "t-counts-xls", old)
        assert outcome.line() == (
            "mac.xls: accepted, 2 rows, months Jan 2018 to Feb 2018 (submission 2)"
        )
        assert {k: v for k, v in current_totals(engine).items() if k[0] == "t-counts-xls"} == {
            ("t-counts-xls", JAN, LANCASHIRE): 40,
            ("t-counts-xls", FEB, MERSEYSIDE): 25,
        }


def test_bare_number_month_headings_in_a_1904_crosstab(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    """July 2017 is 42917 counted from 1900 and 41455 counted from 1904."""
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    assert sheet is not None
    for row in [["Force area", 41455, 41486], ["Cumbria", 3, 1], ["Lancashire", 12, 15]]:
        sheet.append(row)
    path = tmp_path / "mac-crosstab.xlsx"
    workbook.save(path)
    with cases.case():
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.line() == (
            "mac-crosstab.xlsx: accepted, 4 rows, months Jul 2017 to Aug 2017 (submission 1)"
        )
        assert current_totals(engine) == {
            ("t-x-refuse", JUL, CUMBRIA): 3,
            ("t-x-refuse", AUG, CUMBRIA): 1,
            ("t-x-refuse", JUL, LANCASHIRE): 12,
            ("t-x-refuse", AUG, LANCASHIRE): 15,
        }


def rebuilt(path: Path, source: Path, extra: dict[str, bytes]) -> Path:
    """The workbook at source with extra parts appended (a name may repeat one already there)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for member in original.infolist():
            copy.writestr(member, original.read(member))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the case
            for name, data in extra.items():
                copy.writestr(name, data)
    return path


def test_duplicate_parts_and_doctypes_anywhere_are_refused(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", records("J", JAN, "Lancashire", 2))
    sheet = zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml")
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    duplicate = sheet.replace(b"Lancashire", b"Merseyside")
    expected = {
        "twice.xlsx": (
            {"xl/worksheets/sheet1.xml": duplicate},
            "twice.xlsx is corrupt: it holds two parts named xl/worksheets/sheet1.xml, which no "
            "spreadsheet program writes; ask the partner to save it again and resend it.",
        ),
        "case.xlsx": (
            {"XL/Worksheets/Sheet1.XML": duplicate},
            "case.xlsx is corrupt: it holds two parts named XL/Worksheets/Sheet1.XML, which no "
            "spreadsheet program writes; ask the partner to save it again and resend it.",
        ),
        "upper.xlsx": (
            {"xl/worksheets/extra.XML": doctype},
            "upper.xlsx contains an XML document type declaration (xl/worksheets/extra.XML), "
            "which workbooks never need, so it was not opened; ask the partner to save it again "
            "from their spreadsheet program.",
        ),
        "data.xlsx": (
            {"customXml/item1.dat": doctype},
            "data.xlsx contains an XML document type declaration (customXml/item1.dat), which "
            "workbooks never need, so it was not opened; ask the partner to save it again from "
            "their spreadsheet program.",
        ),
    }
    for name, (extra, reason) in expected.items():
        with cases.case():
            outcome = ingest_as(
                engine, partner_settings, "t-records", rebuilt(tmp_path / name, good, extra)
            )
            assert (outcome.status, outcome.reason) == ("rejected", reason), name
    assert [row[2] for row in ledger(engine)] == ["rejected"] * len(expected)
    assert current_totals(engine) == {}


# ---- 3. region subtotals: checked like a Total, never loaded ---------------------------------

DURHAM = "E23000008"


def regional_crosstab(path: Path, north_west_july: int = 19) -> Path:
    """Each region's row after its forces, England after the regions, then the grand Total."""
    rows: list[list[object]] = [
        ["Contacts by force area"],
        ["Force area", "Jul-17", "Aug-17", "Total"],
        ["Cumbria", 3, 1, 4],
        ["Lancashire", 12, 15, 27],
        ["Merseyside", 4, 6, 10],
        ["North West", north_west_july, 22, 41],
        ["Durham", 2, 2, 4],
        ["North East Region", 2, 2, 4],
        ["England", 21, 24, 45],
        ["Total", 21, 24, 45],
    ]
    return write_workbook(path, {"Sheet1": rows})


REGIONAL_FIGURES = {
    (JUL, CUMBRIA): 3,
    (AUG, CUMBRIA): 1,
    (JUL, LANCASHIRE): 12,
    (AUG, LANCASHIRE): 15,
    (JUL, MERSEYSIDE): 4,
    (AUG, MERSEYSIDE): 6,
    (JUL, DURHAM): 2,
    (AUG, DURHAM): 2,
}


def test_region_subtotals_are_checked_and_not_loaded(
    engine: Engine, hidden_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    with cases.case():
        path = regional_crosstab(tmp_path / "regions.xlsx")
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.line() == (
            "regions.xlsx: accepted, 8 rows, months Jul 2017 to Aug 2017 (submission 1)"
        )
        assert current_totals(engine) == {
            ("t-x-refuse", month, code): n for (month, code), n in REGIONAL_FIGURES.items()
        }
    with cases.case():  # a wrong subtotal is refused, naming its row
        before = current_totals(engine)
        path = regional_crosstab(tmp_path / "wrong.xlsx", north_west_july=20)
        outcome = ingest_as(engine, hidden_settings, "t-x-refuse", path)
        assert outcome.line() == (
            "wrong.xlsx: rejected: Subtotal for North West, Jul-17, row 6 (cell B6): 20 sent, "
            "cells add up to 19; ask the partner which figure is right"
        )
        assert current_totals(engine) == before
        assert [row[2] for row in ledger(engine)] == ["loaded", "rejected"]


def test_a_drafted_profile_reads_region_subtotals(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    from tests.reliability.conftest import cli_environment, run_main

    cli_environment(partner_settings, monkeypatch)
    sample = regional_crosstab(tmp_path / "sample.xlsx")
    with cases.case():
        drafted = run_main(["profile", "draft", str(sample), "--id", "t-regional"], capsys)
        assert drafted.code == 0, drafted
        assert 'layout = "crosstab"' in drafted.out
        assert "[values" not in drafted.out, drafted.out  # no "?" for the regions
        assert (
            "# North West, North East Region, England: region subtotals, each checked against "
            "its force areas and not loaded." in drafted.out
        ), drafted.out
        profile = partner_settings.partners_dir / "t-regional.toml"
        profile.write_text(drafted.out, encoding="utf-8")
        result = run_main(["ingest", "--partner", "t-regional", str(sample)], capsys)
        assert (result.code, result.text.strip()) == (
            0,
            "sample.xlsx: accepted, 8 rows, months Jul 2017 to Aug 2017 (submission 1)",
        )
        assert current_totals(engine) == {
            ("t-regional", month, code): n for (month, code), n in REGIONAL_FIGURES.items()
        }


# ---- 4. force names match exactly, after case and white-space folding ------------------------


def force_name_file(path: Path, spelling: str) -> Path:
    rows = [*records("F", JAN, "Lancashire", 2), ["F9", datetime(2018, 1, 9), spelling, "Child"]]
    return write_xlsx(path, rows)


def test_force_names_that_only_look_right_are_refused_and_shown_escaped(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    expected = {
        "Lanca\u2060shire": (
            'row 4: "Lanca\\u2060shire" is not exactly "Lancashire" (it holds an invisible '
            "character); ask the partner to correct the spelling; if they really write it so, "
            'add it under [values.force_area] in the profile, e.g. "Lanca\\u2060shire" = '
            '"Lancashire"'
        ),
        "Lanca\u00adshire": (
            'row 4: "Lanca\\u00adshire" is not exactly "Lancashire" (it holds an invisible '
            "character); ask the partner to correct the spelling; if they really write it so, "
            'add it under [values.force_area] in the profile, e.g. "Lanca\\u00adshire" = '
            '"Lancashire"'
        ),
        "C.u.m.b.r.i.a": (
            'row 4: "C.u.m.b.r.i.a" is not exactly "Cumbria" (it holds punctuation or spacing '
            "inside a word); ask the partner to correct the spelling; if they really write it "
            'so, add it under [values.force_area] in the profile, e.g. "C.u.m.b.r.i.a" = '
            '"Cumbria"'
        ),
        "\uff2c\uff41\uff4e\uff43\uff53": (
            'row 4: "\\uff2c\\uff41\\uff4e\\uff43\\uff53" is not exactly "Lancashire" (it holds '
            "look-alike Unicode characters); ask the partner to correct the spelling; if they "
            "really write it so, add it under [values.force_area] in the profile, e.g. "
            '"\\uff2c\\uff41\\uff4e\\uff43\\uff53" = "Lancashire"'
        ),
    }
    for number, (spelling, reason) in enumerate(expected.items()):
        with cases.case():
            path = force_name_file(tmp_path / f"names{number}.xlsx", spelling)
            outcome = ingest_as(engine, partner_settings, "t-records", path)
            assert (outcome.status, outcome.reason) == ("rejected", reason), spelling
    assert current_totals(engine) == {}
    assert [row[2] for row in ledger(engine)] == ["rejected"] * len(expected)


def test_a_look_alike_force_heading_across_is_shown_escaped(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    write_profile(partner_settings.partners_dir, "t-x-across", MONTHS_DOWN_PROFILE)
    rows: list[list[object]] = [
        ["Month", "Cumbria", "Lanca\u2060shire", "Merseyside"],
        ["Jul-17", 3, 12, 4],
    ]
    with cases.case():
        path = write_workbook(tmp_path / "across.xlsx", {"Sheet1": rows})
        outcome = ingest_as(engine, partner_settings, "t-x-across", path)
        assert outcome.reason == (
            'across.xlsx: sheet "Sheet1" heading "Lanca\\u2060shire" (cell C1) is not a police '
            "force area of England and Wales; add the spelling under [values.force_area] in the "
            "profile, or list it under drop_columns if it is not data."
        )
        assert current_totals(engine) == {}


def test_folded_spellings_and_listed_look_alikes_are_accepted(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    profile = RECORDS_PROFILE + '"Lanca\\u2060shire" = "Lancashire"\n'
    write_profile(partner_settings.partners_dir, "t-listed", profile)
    with cases.case():  # case and white space folded, punctuation between words ignored
        rows = [
            ["A1", datetime(2018, 1, 2), "  LANCASHIRE  constabulary ", "Child"],
            ["A2", datetime(2018, 1, 3), "devon & cornwall", "Child"],
            ["A3", datetime(2018, 1, 4), "Dyfed-Powys Police", "Child"],
            ["A4", datetime(2018, 1, 5), "e23000003", "Child"],
        ]
        outcome = ingest_as(
            engine, partner_settings, "t-records", write_xlsx(tmp_path / "a.xlsx", rows)
        )
        assert outcome.status == "accepted", outcome.line()
    with cases.case():  # the partner's own look-alike, listed in the profile
        path = force_name_file(tmp_path / "listed.xlsx", "Lanca\u2060shire")
        outcome = ingest_as(engine, partner_settings, "t-listed", path)
        assert outcome.status == "accepted", outcome.line()
        assert current_totals(engine)[("t-listed", JAN, LANCASHIRE)] == 3


def test_references_differing_only_by_normalisation_are_duplicates(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    rows = [
        ["R\u00e9f-1", datetime(2018, 1, 2), "Lancashire", "Child"],  # composed
        ["Re\u0301f-1", datetime(2018, 1, 3), "Lancashire", "Child"],  # decomposed
    ]
    with cases.case():
        outcome = ingest_as(
            engine, partner_settings, "t-records", write_xlsx(tmp_path / "nfc.xlsx", rows)
        )
        assert outcome.line() == (
            "nfc.xlsx: rejected: Ref appears more than once in the file on 2 row(s) (rows 2, 3)"
            "; ask the partner to give each contact its own reference, or to remove the repeated "
            "rows"
        )
        assert current_totals(engine) == {}


# ---- 6. configuration faults are configuration faults ----------------------------------------


def test_a_bad_profile_stops_the_sweep_before_any_file_moves(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    from tests.reliability.conftest import one_line, run_helpline

    bad = RECORDS_PROFILE.replace('layout = "records"', 'layout = "records"\nheader_row = {big}')
    write_profile(partner_settings.partners_dir, "t-bad", bad.replace("{big}", str(2**63)))
    inbox = partner_settings.inbox_dir
    good = settled(write_xlsx(inbox / "t-records" / "good.xlsx", records("G", JAN, "Lancs", 2)))
    waiting = settled(write_xlsx(inbox / "t-bad" / "any.xlsx", records("B", JAN, "Lancs", 2)))
    with cases.case():
        result = run_helpline(["ingest-inbox"], helpline_env(partner_settings), tmp_path)
        assert result.code == 1, result
        assert one_line(result.text) == (
            "error: Partner profile t-bad.toml: key 'header_row' must be 'auto' or a row number "
            "from 1 to 1,048,576; fix the profile, then sweep again (no file was moved)."
        )
        assert good.is_file() and waiting.is_file()
        assert ledger(engine) == [] and current_totals(engine) == {}
    with cases.case():  # an encoding that is a codec, but not of text
        profile = RECORDS_PROFILE.replace(
            'layout = "records"', 'layout = "records"\nencoding = "rot13"'
        )
        write_profile(partner_settings.partners_dir, "t-bad", profile)
        result = run_helpline(["ingest-inbox"], helpline_env(partner_settings), tmp_path)
        assert (result.code, one_line(result.text)) == (
            1,
            "error: Partner profile t-bad.toml: key 'encoding' 'rot13' is not a text encoding; "
            "use one such as utf-8, cp1252 or latin-1; fix the profile, then sweep again (no "
            "file was moved).",
        )
        assert good.is_file() and waiting.is_file() and ledger(engine) == []


PASSWORD = "pa@ss:w0rd-Zq9"
URL_ERROR = (
    "error: HELPLINE_DATABASE_URL: is not a URL of the form "
    "postgresql://user:password@host:port/database; percent-encode any @, :, / or % in the "
    "user name or password (@ as %40, : as %3A, / as %2F, % as %25). The value is not shown, "
    "as it holds the password."
)


def test_a_malformed_database_url_is_one_line_that_quotes_no_password(
    partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    from tests.reliability.conftest import one_line, run_helpline

    env = helpline_env(
        partner_settings, HELPLINE_DATABASE_URL=f"postgresql://helpline:{PASSWORD}@127.0.0.1:5432/x"
    )
    sample = write_xlsx(tmp_path / "jan.xlsx", records("J", JAN, "Lancs", 2))
    settled(
        write_xlsx(
            partner_settings.inbox_dir / "t-records" / "in.xlsx", records("I", JAN, "Lancs", 1)
        )
    )
    commands = [
        ["ingest", "--partner", "t-records", str(sample)],
        ["ingest-inbox"],
        ["status"],
        ["db", "upgrade"],
        ["report", "--period", "2018-H1", "--out", str(tmp_path / "r.xlsx")],
    ]
    secrets = [PASSWORD, "w0rd-Zq9", "pa@ss"]
    for command in commands:
        with cases.case():
            result = run_helpline(command, env, tmp_path)
            assert (result.code, one_line(result.text)) == (1, URL_ERROR), command
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".xlsx" for p in written)  # the search below covers real files
    for path in written:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, (path, secret)


def test_read_limits_have_upper_bounds(
    partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    from tests.reliability.conftest import one_line, run_helpline

    for name, value, bound in [
        ("READ_MEMORY_MB", "99999999", "65536"),
        ("READ_CPU_SECONDS", "99999999", "86400"),
        ("READ_WALL_SECONDS", "inf", None),
        ("MAX_UNCOMPRESSED_MB", "99999999", "16384"),
    ]:
        with cases.case():
            env = helpline_env(partner_settings, **{f"HELPLINE_{name}": value})
            result = run_helpline(["status"], env, tmp_path)
            line = one_line(result.text)
            assert result.code == 1 and line.startswith(f"error: HELPLINE_{name}: "), line
            if bound is not None:
                assert line.endswith(f"less than or equal to {bound}."), line


# ---- 8. the inbox says what it leaves: FIFOs, symlinks and folders ---------------------------


def test_irregular_inbox_entries_are_named_once_per_sweep_and_left(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    from tests.reliability.conftest import run_helpline

    folder = partner_settings.inbox_dir / "t-records"
    good = settled(write_xlsx(folder / "good.xlsx", records("G", JAN, "Lancs", 2)))
    target = write_xlsx(tmp_path / "elsewhere.xlsx", records("E", JAN, "Lancs", 3))
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "link.xlsx").symlink_to(target)
    (folder / "sub").mkdir()
    warning = (
        "WARNING flows.intake.inbox: Left in the inbox, not regular files: t-records/link.xlsx "
        "(a symbolic link), t-records/pipe.xlsx (a FIFO), t-records/sub (a folder); replace "
        "each with the file itself, or remove it."
    )
    for sweep in range(2):
        with cases.case():
            result = run_helpline(["ingest-inbox"], helpline_env(partner_settings), tmp_path)
            assert result.code == 0, result
            assert [line for line in result.err.splitlines() if line.strip()] == [warning]
            expected = (
                [
                    "t-records/good.xlsx: accepted, 2 rows, months Jan 2018 to Jan 2018 "
                    "(submission 1)"
                ]
                if sweep == 0
                else [f"no files waiting in {partner_settings.inbox_dir}"]
            )
            assert [line for line in result.out.splitlines() if line.strip()] == expected
            assert (folder / "pipe.xlsx").exists() and (folder / "link.xlsx").is_symlink()
    assert not good.exists()
    assert current_totals(engine) == {("t-records", JAN, LANCASHIRE): 2}


# ---- 9. every rejection says what to do ------------------------------------------------------


def test_rejections_say_what_to_do(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    from tests.support.partner_files import write_csv

    folder = partner_settings.partners_dir
    write_profile(
        folder,
        "t-one",
        RECORDS_PROFILE.replace('layout = "records"', 'layout = "records"\nmax_rows = 1'),
    )
    with cases.case():  # more rows than the profile allows
        path = write_xlsx(tmp_path / "two.xlsx", records("T", JAN, "Lancs", 2))
        outcome = ingest_as(engine, partner_settings, "t-one", path)
        assert outcome.reason == (
            "The file must hold between 1 and 1 contacts, and it holds 2; if the file is "
            "complete, raise max_rows in the profile; if it is empty, ask the partner for the data"
        )
    with cases.case():  # a quote never closed: not blamed on the column that swallowed the rest
        path = tmp_path / "quote.csv"
        path.write_text(
            "Ref,Date of contact,Police force,Caller\n"
            "A1,03/01/2018,Lancashire,Child\n"
            'A2,04/01/2018,"Lancashire,Child\n'
            "A3,05/01/2018,Lancashire,Child\n",
            encoding="utf-8",
        )
        outcome = ingest_as(engine, partner_settings, "t-records", path)
        assert outcome.reason == (
            'quote.csv: row 3 opens a quote (") that is never closed, so the rest of the file '
            "was read as one cell; ask the partner to close or remove the quote, or to export "
            "the file again."
        )
    with cases.case():  # a quoted cell over two lines, closed, is a cell like any other
        rows = [["B1", "03/01/2018", "Lancashire", "Child\nand parent"]]
        outcome = ingest_as(
            engine, partner_settings, "t-records", write_csv(tmp_path / "ok.csv", rows)
        )
        assert outcome.status == "accepted", outcome.line()
    with cases.case():  # a count that is not a whole number
        path = write_xlsx(
            tmp_path / "half.xlsx",
            [["Jan-18", "Lancashire", 2.5]],
            headings=["Month", "Force", "Contacts"],
        )
        outcome = ingest_as(engine, partner_settings, "t-counts", path)
        assert outcome.reason == (
            "Contacts is blank or not a whole number on 1 row(s) (rows 2); ask the partner to "
            "put a whole number in each (0 where there were no contacts)"
        )
    assert [row[2] for row in ledger(engine)] == ["rejected", "rejected", "loaded", "rejected"]
    assert current_totals(engine) == {("t-records", JAN, LANCASHIRE): 1}

"""Table-driven partner files: every reasonable file accepted, every bad one refused in one line.

Each file is generated here. Accepted files are checked by the canonical rows stored; rejected
ones by their exact message, exit code 1, no traceback, and an unchanged database.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.engine import Engine

from flows.cli import main
from flows.core.settings import Settings
from tests.support.db_state import ledger, row_counts
from tests.support.partner_files import (
    CHANNELS_PROFILE,
    COUNTS_PROFILE,
    CROSSTAB_PROFILE,
    HEADINGS,
    MONTH_SHEETS,
    MONTHS_DOWN_PROFILE,
    SHEET_MONTHS_PROFILE,
    TWO_ROW_HEADING,
    down_across,
    month_sheet,
    write_csv,
    write_profile,
    write_workbook,
    write_xlsx,
)

CANONICAL = sa.text(
    "SELECT contact_ref, contact_date, force_code, caller_type FROM helpline.contact_records "
    "ORDER BY contact_ref"
)
COUNTS = sa.text(
    "SELECT month, force_code, contacts FROM helpline.contact_counts ORDER BY month, force_code"
)
CROSSTAB_COUNTS = sa.text(
    "SELECT month, force_code, channel, contacts FROM helpline.contact_counts "
    "ORDER BY month, force_code, channel"
)
D1, D2 = datetime(2018, 1, 3, 9, 30), datetime(2018, 2, 14, 17, 5)
TWO_ROWS = [["R1", D1, "Lancashire", "Child"], ["R2", D2, "GMP", "YP"]]
EXPECTED_TWO = [
    ("R1", date(2018, 1, 3), "E23000003", "child"),
    ("R2", date(2018, 2, 14), "E23000005", "unknown"),
]


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    expected: Sequence[tuple[object, ...]] | str  # canonical rows, or the exact rejection line
    partner: str = "t-records"


def xlsx(rows: list[list[object]], **kwargs: object) -> Callable[[Path], Path]:
    return lambda folder: write_xlsx(folder / "contacts.xlsx", rows, **kwargs)  # type: ignore[arg-type]


def csv_file(
    rows: list[list[object]], name: str = "contacts.csv", **kwargs: object
) -> Callable[[Path], Path]:
    return lambda folder: write_csv(folder / name, rows, **kwargs)  # type: ignore[arg-type]


def raw_bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def with_sheet_edits(
    edit: Callable[[Workbook], None], name: str = "contacts.xlsx"
) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADINGS)
        for row in TWO_ROWS:
            sheet.append(row)
        edit(workbook)
        workbook.save(folder / name)
        return folder / name

    return make


def hidden_and_extra(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet["E1"], sheet["E2"], sheet["F1"] = "Helper", "=A2", "Workings"
    sheet.column_dimensions["E"].hidden = True


def total_and_notes(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["Total", 2])
    sheet.append([])
    sheet.append(["Source: partner case management system, extracted 1 March 2018"])


def blank_rows_inside(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.insert_rows(3, 2)


def zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"<row>" + b"0" * (1 << 20) + b"</row>"
            for _ in range(40):
                member.write(chunk)
    return path


def entity_expansion(folder: Path) -> Path:
    path = folder / "entities.xlsx"
    write_xlsx(path, TWO_ROWS)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    body = parts["xl/workbook.xml"]
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    parts["xl/workbook.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        + body
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def encrypted(folder: Path) -> Path:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    body = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048
    return raw_bytes("locked.xlsx", header + body)(folder)


def xlsx_named_csv(folder: Path) -> Path:
    path = write_xlsx(folder / "real.xlsx", TWO_ROWS)
    return raw_bytes("contacts.csv", path.read_bytes())(folder)


MISSING = (
    'contacts.xlsx: rejected: contacts.xlsx: sheet "Sheet1" has no column "Police force" in '
    "its first 50 rows (headings found: Ref, Date of contact, Caller). Fix the heading or the "
    "profile's [columns], or set the profile's header_row if the headings are further down."
)

CASES = [
    Case("plain xlsx", xlsx(TWO_ROWS), EXPECTED_TWO),
    Case(
        "title rows above the header",
        xlsx(TWO_ROWS, title_rows=["Contacts", "Q1 2018", ""]),
        EXPECTED_TWO,
    ),
    Case("blank rows inside the table", with_sheet_edits(blank_rows_inside), EXPECTED_TWO),
    Case("trailing Total row and notes", with_sheet_edits(total_and_notes), EXPECTED_TWO),
    Case("hidden helper and extra columns", with_sheet_edits(hidden_and_extra), EXPECTED_TWO),
    Case("xlsm workbook", with_sheet_edits(lambda wb: None, "contacts.xlsm"), EXPECTED_TWO),
    Case("csv with comma", csv_file(TWO_ROWS), EXPECTED_TWO),
    Case(
        "csv with semicolons and a BOM",
        csv_file(TWO_ROWS, delimiter=";", encoding="utf-8-sig"),
        EXPECTED_TWO,
    ),
    Case("csv with tabs", csv_file(TWO_ROWS, delimiter="\t"), EXPECTED_TWO),
    Case(
        "Excel serial dates",
        xlsx([["R1", 43103, "Lancashire", "Child"], ["R2", 43145.7, "GMP", "YP"]]),
        EXPECTED_TWO,
    ),
    Case(
        "text dates with and without times",
        xlsx(
            [["R1", "03/01/2018", "Lancashire", "Child"], ["R2", "14/02/2018 17:05", "GMP", "YP"]]
        ),
        EXPECTED_TWO,
    ),
    Case(
        "ISO dates",
        xlsx(
            [
                ["R1", "2018-01-03", "Lancashire", "Child"],
                ["R2", "2018-02-14T17:05:00", "GMP", "YP"],
            ]
        ),
        EXPECTED_TWO,
    ),
    Case(
        "force area spellings",
        xlsx([["R1", D1, "lancashire constabulary", "Child"], ["R2", D2, " e23000005 ", "YP"]]),
        EXPECTED_TWO,
    ),
    Case(
        "profile's own spelling",
        xlsx([["R1", D1, "Lancs", "child"], ["R2", D2, "GMP", None]]),
        EXPECTED_TWO,
    ),
    Case(
        "references typed as numbers",
        xlsx([[1001, D1, "Lancashire", "Child"], [1002.0, D2, "GMP", "YP"]]),
        [
            ("1001", date(2018, 1, 3), "E23000003", "child"),
            ("1002", date(2018, 2, 14), "E23000005", "unknown"),
        ],
    ),
    Case(
        "headings with odd spacing and case",
        xlsx(TWO_ROWS, headings=[" ref ", "DATE OF  CONTACT", "police force", "Caller"]),
        EXPECTED_TWO,
    ),
    Case(
        "counts layout with month labels and numbers as text",
        xlsx(
            [
                ["Jul-17", "Lancashire", "1,234"],
                ["July 2017", "GMP", 7],
                ["2017-08", "E23000002", " 12 "],
            ],
            headings=["Month", "Force", "Contacts"],
        ),
        [
            (date(2017, 7, 1), "E23000003", 1234),
            (date(2017, 7, 1), "E23000005", 7),
            (date(2017, 8, 1), "E23000002", 12),
        ],
        partner="t-counts",
    ),
    Case(
        "missing heading",
        xlsx([["R1", D1, "Child"]], headings=["Ref", "Date of contact", "Caller"]),
        MISSING,
    ),
    Case(
        "duplicate heading",
        xlsx(
            [["R1", D1, "Lancashire", "Lancs", "Child"]],
            headings=["Ref", "Date of contact", "Police force", "Police force", "Caller"],
        ),
        'contacts.xlsx: rejected: contacts.xlsx: sheet "Sheet1" has the heading "Police force" '
        "2 times; rename the extra columns so each heading is unique.",
    ),
    Case(
        "headings but no data",
        xlsx([]),
        'contacts.xlsx: rejected: contacts.xlsx: sheet "Sheet1" has no data rows below the '
        "headings.",
    ),
    Case(
        "empty file",
        raw_bytes("contacts.xlsx", b""),
        "contacts.xlsx: rejected: contacts.xlsx is empty (0 bytes); ask the partner to send it "
        "again.",
    ),
    Case(
        "corrupt workbook",
        raw_bytes("contacts.xlsx", b"PK\x03\x04" + b"\x17garbage" * 50),
        None.__class__.__name__,
    ),  # message checked by prefix below
    Case(
        "password-protected workbook",
        encrypted,
        "locked.xlsx: rejected: locked.xlsx is password-protected; ask the partner to send it "
        "without a password.",
    ),
    Case(
        "PDF with a spreadsheet name",
        raw_bytes("contacts.xlsx", b"%PDF-1.7\n%binary"),
        "contacts.xlsx: rejected: contacts.xlsx is a PDF, although it is named .xlsx; ask the "
        "partner for the spreadsheet itself.",
    ),
    Case(
        "unsupported extension",
        raw_bytes("contacts.pdf", b"%PDF-1.7"),
        "contacts.pdf: rejected: contacts.pdf has .pdf; accepted files are .xlsx, .xlsm, .xls, "
        ".ods, .csv.",
    ),
    Case(
        "workbook named .csv",
        xlsx_named_csv,
        "contacts.csv: rejected: contacts.csv is not a CSV text file (it looks like a spreadsheet "
        "or binary file); save it as CSV or give it its proper extension.",
    ),
    Case(
        "text file named .xlsx",
        raw_bytes("contacts.xlsx", b"Ref,Date of contact\nR1,2018-01-03\n"),
        "contacts.xlsx: rejected: contacts.xlsx is not a spreadsheet, although it is named "
        ".xlsx; ask the partner for the spreadsheet itself.",
    ),
    Case(
        "zip bomb",
        zip_bomb,
        "bomb.xlsx: rejected: bomb.xlsx has a part that expands 1,018 times "
        "(xl/worksheets/sheet1.xml); it looks like a zip bomb and was not opened.",
    ),
    Case(
        "XML entity declarations",
        entity_expansion,
        "entities.xlsx: rejected: entities.xlsx contains an XML document type declaration "
        "(xl/workbook.xml), which workbooks never need, so it was not opened; ask the partner "
        "to save it again from their spreadsheet program.",
    ),
    Case(
        "personal data column",
        xlsx(
            [["R1", D1, "Lancashire", "Child", "07700 900123"]],
            headings=[*HEADINGS, "Caller phone"],
        ),
        "contacts.xlsx: rejected: contacts.xlsx: column 'Caller phone' looks like personal data; "
        "ask the partner to remove it, or list it under drop_columns in their profile.",
    ),
    Case(
        "personal data in a mapped column",
        xlsx([["R1", D1, "Lancashire", "Child"], ["someone@example.org", D2, "GMP", "YP"]]),
        "contacts.xlsx: rejected: contacts.xlsx: column 'Ref' holds what looks like personal "
        "data (an email address, phone number or postcode) at row 3; ask the partner to send "
        "the file without it.",
    ),
    Case(
        "future contact date",
        xlsx([["R1", D1, "Lancashire", "Child"], ["R2", datetime(2099, 1, 1), "GMP", "YP"]]),
        "contacts.xlsx: rejected: Date of contact is before 1 January 2000 or in the future on "
        "1 row(s) (rows 3); ask the partner to correct these dates",
    ),
    Case(
        "unparseable date",
        xlsx([["R1", "soon", "Lancashire", "Child"]]),
        "contacts.xlsx: rejected: Date of contact is blank or not a date on 1 row(s) (rows 2)"
        "; ask the partner to give each contact its date, e.g. 03/01/2018",
    ),
    Case(
        "duplicate reference",
        xlsx([["R1", D1, "Lancashire", "Child"], ["R1", D2, "GMP", "YP"]]),
        "contacts.xlsx: rejected: Ref appears more than once in the file on 2 row(s) (rows 2, 3)"
        "; ask the partner to give each contact its own reference, or to remove the repeated "
        "rows",
    ),
    Case(
        "negative count",
        xlsx([["Jul-17", "Lancashire", -3]], headings=["Month", "Force", "Contacts"]),
        "contacts.xlsx: rejected: Contacts is negative or implausibly large on 1 row(s) (rows 2)"
        "; ask the partner to correct these counts",
        partner="t-counts",
    ),
]

# Crosstabs: the partner ids all start "t-x-"; their rows are read back with their channel.
JUL, AUG, SEP = date(2017, 7, 1), date(2017, 8, 1), date(2017, 9, 1)
LANCS, GM, CUMBRIA = "E23000003", "E23000005", "E23000002"
U, PHONE, CHAT = "unknown", "phone", "online chat"
DOWN_ACROSS = [  # force areas down, months across, as most summaries come
    (JUL, CUMBRIA, U, 3),
    (JUL, LANCS, U, 12),
    (JUL, GM, U, 40),
    (AUG, CUMBRIA, U, 0),
    (AUG, LANCS, U, 15),
    (AUG, GM, U, 38),
]


def workbook(
    name: str, sheets: dict[str, list[list[object]]], **kwargs: object
) -> Callable[[Path], Path]:
    return lambda folder: write_workbook(folder / name, sheets, **kwargs)  # type: ignore[arg-type]


TWO_ROW_EXPECTED = [
    (JUL, CUMBRIA, CHAT, 2),
    (JUL, CUMBRIA, PHONE, 1),
    (JUL, LANCS, CHAT, 7),
    (JUL, LANCS, PHONE, 5),
    (AUG, CUMBRIA, CHAT, 1),
    (AUG, CUMBRIA, PHONE, 0),
    (AUG, LANCS, CHAT, 9),
    (AUG, LANCS, PHONE, 6),
]


MONTH_SHEETS_EXPECTED = [
    (JUL, LANCS, CHAT, 2),
    (JUL, LANCS, PHONE, 4),
    (JUL, GM, CHAT, 1),
    (JUL, GM, PHONE, 9),
    (AUG, LANCS, CHAT, 0),
    (AUG, LANCS, PHONE, 5),
    (AUG, GM, CHAT, 3),
    (AUG, GM, PHONE, 7),
]
QUARTER_SHEETS: dict[str, list[list[object]]] = {
    "Q3 part 1": [["", "Jul-17", "Aug-17"], ["Lancashire", 12, 15], ["Cumbria", 3, 0]],
    "Q3 part 2": [["", "Aug-17", "Sep-17"], ["Lancashire", 15, 9], ["Cumbria", 0, 2]],
}

CROSSTAB_CASES = [
    Case(
        "crosstab: force areas down, months across as Jul-17, Total row and column",
        workbook("crosstab.xlsx", {"Referrals": down_across("Jul-17", "Aug-17")}),
        DOWN_ACROSS,
        partner="t-x-down",
    ),
    Case(
        "crosstab: months as July 2017 and 2017-08, no Total row or column",
        workbook("crosstab.xlsx", {"Referrals": down_across("July 2017", "2017-08", False)}),
        DOWN_ACROSS,
        partner="t-x-down",
    ),
    Case(
        "crosstab: months as Excel dates",
        workbook(
            "crosstab.xlsx", {"Referrals": down_across(datetime(2017, 7, 1), datetime(2017, 8, 31))}
        ),
        DOWN_ACROSS,
        partner="t-x-down",
    ),
    Case(
        "crosstab the other way round: months down, force areas across, Total column",
        workbook(
            "crosstab.xlsx",
            {
                "Sheet1": [
                    ["Month", "Cumbria", "Lancashire", "GMP", "Total"],
                    [datetime(2017, 7, 1), 3, 12, 40, 55],
                    ["Aug-17", 0, 15, 38, 53],
                ]
            },
        ),
        DOWN_ACROSS,
        partner="t-x-months-down",
    ),
    Case(
        "crosstab the other way round with a Total row and no Total column",
        workbook(
            "crosstab.xlsx",
            {
                "Sheet1": [
                    ["", "Cumbria", "Lancashire", "Greater Manchester"],
                    ["2017-07", 3, 12, 40],
                    ["2017-08", 0, 15, 38],
                    ["Total", 3, 27, 78],
                ]
            },
        ),
        DOWN_ACROSS,
        partner="t-x-months-down",
    ),
    Case(
        "crosstab: two-row heading, months merged over channels, Totals per month",
        workbook(
            "channels.xlsx",
            {"Sheet1": TWO_ROW_HEADING},
            merged={"Sheet1": ["B2:D2", "E2:G2", "H2:H3"]},
        ),
        TWO_ROW_EXPECTED,
        partner="t-x-channels",
    ),
    Case(
        "crosstab: two-row heading with the month only over its first channel (not merged)",
        workbook("channels.xlsx", {"Sheet1": TWO_ROW_HEADING}),
        TWO_ROW_EXPECTED,
        partner="t-x-channels",
    ),
    Case(
        "crosstab: one sheet per month",
        workbook("months.xlsx", MONTH_SHEETS),
        MONTH_SHEETS_EXPECTED,
        partner="t-x-sheets",
    ),
    Case(
        "crosstab: one sheet per month and a summary sheet to ignore",
        workbook(
            "months.xlsx",
            {"Summary": [["Force", "Total"], ["Lancashire", 11], ["GMP", 20]], **MONTH_SHEETS},
        ),
        MONTH_SHEETS_EXPECTED,
        partner="t-x-sheets",
    ),
    Case(
        "crosstab: a Total that disagrees with its cells",
        workbook("crosstab.xlsx", {"Referrals": down_across("Jul-17", "Aug-17", lancs_total=37)}),
        "crosstab.xlsx: rejected: Total for Lancashire, row 5: 37 sent, cells add up to 27; ask "
        "the partner which figure is right",
        partner="t-x-down",
    ),
    Case(
        "crosstab: a Total that disagrees, rejected under quarantine_rows too",
        workbook("crosstab.xlsx", {"Referrals": down_across("Jul-17", "Aug-17", lancs_total=37)}),
        "crosstab.xlsx: rejected: Total for Lancashire, row 5: 37 sent, cells add up to 27; ask "
        "the partner which figure is right",
        partner="t-x-quarantine",
    ),
    Case(
        "crosstab: the same month on two sheets",
        workbook("months.xlsx", {**MONTH_SHEETS, "July 2017": month_sheet((1, 1), (1, 1))}),
        'months.xlsx: rejected: months.xlsx: sheet "Jul 2017" and sheet "July 2017" both hold '
        "July 2017; send each month once (remove one of them, or correct its month).",
        partner="t-x-sheets",
    ),
    Case(
        "crosstab: the same month across two quarter sheets",
        workbook("quarters.xlsx", QUARTER_SHEETS),
        'quarters.xlsx: rejected: quarters.xlsx: sheet "Q3 part 1" and sheet "Q3 part 2" both '
        "hold August 2017; send each month once (remove one of them, or correct its month).",
        partner="t-x-quarters",
    ),
    Case(
        "crosstab: a blank cell where the profile wants a figure",
        workbook(
            "crosstab.xlsx",
            {"Referrals": [*down_across("Jul-17", "Aug-17", False)[:4], ["Lancashire", 12, None]]},
        ),
        'crosstab.xlsx: rejected: crosstab.xlsx: sheet "Referrals" cell C5 (Lancashire, Aug-17) '
        "is blank; ask the partner to put 0 where there were no contacts, or set blank_cells = "
        '"zero" in the profile\'s [crosstab].',
        partner="t-x-down",
    ),
    Case(
        "crosstab: blank cells read as zero where the profile says so",
        workbook(
            "crosstab.xlsx",
            {"Referrals": [["", "Jul-17", "Aug-17"], ["Lancashire", 12, None], ["GMP", None, 4]]},
        ),
        [(JUL, LANCS, U, 12), (JUL, GM, U, 0), (AUG, LANCS, U, 0), (AUG, GM, U, 4)],
        partner="t-x-blank-zero",
    ),
    Case(
        "crosstab: a heading that is not a month",
        workbook(
            "crosstab.xlsx",
            {"Referrals": [["Force", "Jul-17", "Aug-17", "Notes"], ["Lancashire", 12, 15, "ok"]]},
        ),
        'crosstab.xlsx: rejected: crosstab.xlsx: sheet "Referrals" heading "Notes" (cell D1) is '
        "not a month (write months like Jul-17, July 2017 or 2017-07); fix it, or list it under "
        "drop_columns in the profile if it is not data.",
        partner="t-x-down",
    ),
    Case(
        "crosstab: a CSV file",
        csv_file(
            [["Cumbria", "3", "0"], ["Lancashire", "12", "15"], ["GMP", "40", "38"]],
            "crosstab.csv",
            headings=["Force area", "Jul-17", "Aug-17"],
        ),
        DOWN_ACROSS,
        partner="t-x-down",
    ),
    Case(
        "crosstab: a row label that is no force area",
        workbook(
            "crosstab.xlsx",
            {"Referrals": [["", "Jul-17", "Aug-17"], ["Lancashire", 12, 1], ["Atlantis", 1, 2]]},
        ),
        "crosstab.xlsx: rejected: Force area is not a police force area of England and Wales "
        "(add the spelling to the profile's [values.force_area]) on 1 row(s) (rows 3); ask the "
        "partner to correct them",
        partner="t-x-down",
    ),
]
CASES += CROSSTAB_CASES
CROSSTAB_PROFILES = {
    "t-x-down": CROSSTAB_PROFILE,
    "t-x-quarantine": CROSSTAB_PROFILE,
    "t-x-months-down": MONTHS_DOWN_PROFILE,
    "t-x-channels": CHANNELS_PROFILE,
    "t-x-sheets": SHEET_MONTHS_PROFILE,
    "t-x-quarters": CROSSTAB_PROFILE.replace(
        'layout = "crosstab"', 'layout = "crosstab"\nsheets = "all"'
    ),
    "t-x-blank-zero": CROSSTAB_PROFILE + 'blank_cells = "zero"\n',
}


@pytest.fixture
def messy_settings(partner_settings: Settings) -> Settings:
    write_profile(partner_settings.partners_dir, "t-counts", COUNTS_PROFILE)
    for partner, template in CROSSTAB_PROFILES.items():
        on_invalid = "quarantine_rows" if partner == "t-x-quarantine" else "reject_file"
        write_profile(partner_settings.partners_dir, partner, template, on_invalid)
    return partner_settings


def run_cli(
    settings: Settings,
    partner: str,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    assert settings.database_url is not None
    for key, value in {
        "HELPLINE_DATABASE_URL": settings.database_url.get_secret_value(),
        "HELPLINE_PARTNERS_DIR": str(settings.partners_dir),
        "HELPLINE_OUTPUT_DIR": str(settings.output_dir),
        "HELPLINE_STATE_DIR": str(settings.state_dir),
    }.items():
        monkeypatch.setenv(key, value)
    code = main(["ingest", "--partner", partner, str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_messy_file(
    case: Case,
    engine: Engine,
    messy_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    path = case.make(folder)
    code, out, err = run_cli(messy_settings, case.partner, path, monkeypatch, capsys)
    assert "Traceback" not in out + err
    with engine.connect() as connection:
        query = CROSSTAB_COUNTS if case.partner.startswith("t-x-") else CANONICAL
        query = COUNTS if case.partner == "t-counts" else query
        stored = [tuple(r) for r in connection.execute(query)]
    if isinstance(case.expected, list):
        assert code == 0, out + err
        assert stored == case.expected
        assert ": accepted, " in out
        return
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    if case.name == "corrupt workbook":
        assert lines[0].startswith("contacts.xlsx: rejected: contacts.xlsx is corrupt and cannot")
    else:
        assert lines[0] == case.expected
    assert path.name in lines[0]
    assert stored == []
    assert row_counts(engine) == dict.fromkeys(row_counts(engine), 0)
    assert [row[2] for row in ledger(engine)] == ["rejected"]

"""read_table on generated partner files: exact cells and row numbers, or the exact refusal."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from flows.core.errors import ConfigurationError, FileRejected
from flows.intake.reading.cell_columns import CellColumn, CellTable
from flows.intake.reading.csv_tables import sniff_delimiter
from flows.intake.reading.grid_reading import read_sheet_grids
from flows.intake.reading.header_tables import cell_text, find_header, find_header_row, heading_key
from flows.intake.reading.readers import read_table, sheet_names

WANTED = ["Ref", "Date of contact", "Police force"]
HEADINGS = [*WANTED, "Caller"]
D1, D2 = datetime(2018, 1, 3, 9, 30), datetime(2018, 2, 14, 17, 5)
ROWS: list[list[object]] = [["R1", D1, "Lancashire", "Child"], ["R2", D2, "GMP", "YP"]]
CELLS: list[list[object]] = [["R1", D1, "Lancashire"], ["R2", D2, "GMP"]]
TEXT_CELLS: list[list[object]] = [
    ["R1", "03/01/2018 09:30", "Lancashire"],
    ["R2", "14/02/2018 17:05", "GMP"],
]


def xlsx(
    rows: Sequence[Sequence[object]],
    name: str = "contacts.xlsx",
    edit: Callable[[Workbook, Worksheet], None] | None = None,
) -> Callable[[Path], Path]:
    """A workbook whose first sheet ("Contact log") holds `rows` from A1."""

    def make(folder: Path) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Contact log"
        for row in rows:
            sheet.append(list(row))
        if edit is not None:
            edit(workbook, sheet)
        workbook.save(folder / name)
        return folder / name

    return make


def csv_file(
    rows: Sequence[Sequence[object]],
    name: str = "contacts.csv",
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        with (folder / name).open("w", newline="", encoding=encoding) as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
        return folder / name

    return make


def raw_bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, datetime):
        stamp = value.isoformat()
        return f'<table:table-cell office:value-type="date" office:date-value="{stamp}"/>'
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
    text = escape(str(value))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def ods(rows: Sequence[Sequence[object]], name: str = "contacts.ods") -> Callable[[Path], Path]:
    """A minimal OpenDocument spreadsheet written by hand (odfpy is not installed)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Contact log">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )

    def make(folder: Path) -> Path:
        with zipfile.ZipFile(folder / name, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
            archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        return folder / name

    return make


def hide_helper_columns(workbook: Workbook, sheet: Worksheet) -> None:
    sheet["E1"], sheet["E2"], sheet["F1"], sheet["F3"] = "Helper", "=A2", "Workings", 12
    sheet.column_dimensions["E"].hidden = True


def hidden_first_sheet(workbook: Workbook, sheet: Worksheet) -> None:
    lookup = workbook.create_sheet("Lookups", 0)
    lookup.append(["nothing to read here"])
    lookup.sheet_state = "hidden"


@dataclass(frozen=True)
class Accepted:
    name: str
    make: Callable[[Path], Path]
    cells: list[list[object]]
    row_numbers: list[int]
    header_row: int = 1
    options: dict[str, object] = field(default_factory=dict)
    headings: list[str] = field(default_factory=lambda: list(HEADINGS))


ACCEPTED = [
    Accepted("plain xlsx", xlsx([HEADINGS, *ROWS]), CELLS, [2, 3]),
    Accepted(
        "title rows above the header",
        xlsx([["Contacts received"], ["Jan to Feb 2018"], [], HEADINGS, *ROWS]),
        CELLS,
        [5, 6],
        header_row=4,
    ),
    Accepted("blank rows inside", xlsx([HEADINGS, ROWS[0], [], [], ROWS[1]]), CELLS, [2, 5]),
    Accepted(
        "trailing Total row and notes",
        xlsx([HEADINGS, *ROWS, [], ["Total", 2], [], ["Source: case system, 1 March 2018"]]),
        CELLS,
        [2, 3],
    ),
    Accepted(
        "Grand total straight under the data",
        xlsx([HEADINGS, *ROWS, ["Grand total:", None, 2]]),
        CELLS,
        [2, 3],
    ),
    Accepted(
        "notes below a blank row, no total",
        xlsx([HEADINGS, *ROWS, [], [], ["Source: case system"], ["* provisional figures"]]),
        CELLS,
        [2, 3],
    ),
    Accepted(
        "a reference that starts with TOTAL is data",
        xlsx([HEADINGS, ["TOTAL-1", D1, "Lancashire"], ["Totalcare", D2, "GMP"]]),
        [["TOTAL-1", D1, "Lancashire"], ["Totalcare", D2, "GMP"]],
        [2, 3],
    ),
    Accepted(
        "incomplete data row kept for validation to report",
        xlsx([HEADINGS, ROWS[0], ["R2", None, "GMP"]]),
        [["R1", D1, "Lancashire"], ["R2", None, "GMP"]],
        [2, 3],
    ),
    Accepted(
        "hidden helper and extra columns dropped",
        xlsx([HEADINGS, *ROWS], edit=hide_helper_columns),
        CELLS,
        [2, 3],
        headings=[*HEADINGS, "Helper", "Workings"],
    ),
    Accepted(
        "total label in a helper column left of the table",
        xlsx([["Notes", *HEADINGS], [None, *ROWS[0]], [None, *ROWS[1]], ["Total", None, None, 2]]),
        CELLS,
        [2, 3],
        headings=["Notes", *HEADINGS],
    ),
    Accepted(
        "columns in another order",
        xlsx([["Police force", "Ref", "Date of contact"], ["GMP", "R2", D2]]),
        [["R2", D2, "GMP"]],
        [2],
        headings=["Police force", "Ref", "Date of contact"],
    ),
    Accepted(
        "headings with odd spacing and case",
        xlsx([[" ref ", "DATE OF  CONTACT", "police\u00a0force", "Caller"], *ROWS]),
        CELLS,
        [2, 3],
        headings=["ref", "DATE OF CONTACT", "police force", "Caller"],
    ),
    Accepted(
        "header row given as a number",
        xlsx([["Ref"], ["Old heading row"], HEADINGS, *ROWS]),
        CELLS,
        [4, 5],
        header_row=3,
        options={"header_row": 3},
    ),
    Accepted(
        "header row given as a number below the searched rows",
        xlsx([[]] * 60 + [HEADINGS, *ROWS]),
        CELLS,
        [62, 63],
        header_row=61,
        options={"header_row": 61},
    ),
    Accepted(
        "named sheet",
        xlsx([HEADINGS, *ROWS], edit=hidden_first_sheet),
        CELLS,
        [2, 3],
        options={"sheet": "Contact log"},
    ),
    Accepted(
        "first visible sheet", xlsx([HEADINGS, *ROWS], edit=hidden_first_sheet), CELLS, [2, 3]
    ),
    Accepted("xlsm workbook", xlsx([HEADINGS, *ROWS], name="contacts.xlsm"), CELLS, [2, 3]),
    Accepted("ods workbook", ods([["Contacts"], HEADINGS, *ROWS]), CELLS, [3, 4], header_row=2),
    Accepted("csv with commas", csv_file([HEADINGS, *TEXT_CELLS]), TEXT_CELLS, [2, 3]),
    Accepted(
        "csv with semicolons and a BOM",
        csv_file([HEADINGS, *TEXT_CELLS], delimiter=";", encoding="utf-8-sig"),
        TEXT_CELLS,
        [2, 3],
    ),
    Accepted(
        "csv with tabs, title lines and a blank line",
        csv_file(
            [["Contacts, Jan to Feb"], [], HEADINGS, TEXT_CELLS[0], [], TEXT_CELLS[1]],
            delimiter="\t",
        ),
        TEXT_CELLS,
        [4, 6],
        header_row=3,
    ),
    Accepted(
        "latin-1 csv with its encoding given",
        csv_file([HEADINGS, ["Réf-1", "03/01/2018", "Lancashire"]], encoding="latin-1"),
        [["Réf-1", "03/01/2018", "Lancashire"]],
        [2],
        options={"encoding": "latin-1"},
    ),
    Accepted(
        "utf-16 csv from Excel's Unicode Text export",
        csv_file([HEADINGS, TEXT_CELLS[0]], delimiter="\t", encoding="utf-16"),
        [TEXT_CELLS[0]],
        [2],
    ),
    Accepted(  # numbered as a spreadsheet shows it: the two-line cell is one row
        "csv with a line break inside a quoted cell",
        csv_file([HEADINGS, [*TEXT_CELLS[0], "Child\nand parent"], TEXT_CELLS[1]]),
        TEXT_CELLS,
        [2, 3],
    ),
    Accepted(
        "csv rows shorter and longer than the header, total and notes",
        csv_file(
            [HEADINGS, ["R1"], [*TEXT_CELLS[1], "YP", "extra"], ["Total", "2"], ["Source: CMS"]]
        ),
        [["R1", None, None], TEXT_CELLS[1]],
        [2, 3],
    ),
    Accepted(
        "csv blank-looking cells are None",
        csv_file([HEADINGS, ["R1", "  ", "Lancashire"]]),
        [["R1", None, "Lancashire"]],
        [2],
    ),
]


def cells(table: CellTable) -> list[list[object]]:
    """The table's cells as Python values, row by row (blanks as None)."""
    columns = [column.values() for column in table.columns.values()]
    return [[column[i] for column in columns] for i in range(len(table))]


@pytest.mark.parametrize("case", ACCEPTED, ids=[case.name for case in ACCEPTED])
def test_accepted_file(case: Accepted, tmp_path: Path) -> None:
    table = read_table(case.make(tmp_path), wanted=WANTED, **case.options)  # type: ignore[arg-type]
    assert list(table.columns) == WANTED
    assert cells(table) == case.cells
    assert table.row_numbers.dtype == np.int64
    assert table.row_numbers.tolist() == case.row_numbers
    assert table.header_row == case.header_row
    assert table.headings == case.headings
    assert all(
        isinstance(c, CellColumn) and c.kinds.dtype == np.int8 for c in table.columns.values()
    )
    expected_sheet = None if table.sheet is None else "Contact log"
    assert table.sheet == expected_sheet


SEARCHED = (
    "Fix the heading or the profile's [columns], or set the profile's header_row if the "
    "headings are further down."
)
MISSING_HEADING = (
    'contacts.xlsx: sheet "Contact log" has no column "Police force" in its first 50 rows '
    f"(headings found: Ref, Date of contact, Caller). {SEARCHED}"
)
REJECTED = [
    ("missing heading", xlsx([["Ref", "Date of contact", "Caller"], ["R1", D1, "x"]]), {},
     MISSING_HEADING),
    ("missing headings, best row shown",
     xlsx([["Contacts"], ["Ref", "Date"], ["R1", D1]]), {},
     'contacts.xlsx: sheet "Contact log" has no columns "Date of contact", "Police force" '
     f"in its first 50 rows (headings found: Ref, Date). {SEARCHED}"),
    ("missing heading on the given row", xlsx([HEADINGS, *ROWS]), {"header_row": 2},
     'contacts.xlsx: sheet "Contact log" row 2 has no columns "Ref", "Date of contact", '
     '"Police force" (headings found: R1, 2018-01-03 09:30:00, Lancashire, Child). Fix the '
     "heading or the profile's [columns]."),
    ("missing heading in a csv", csv_file([["Ref", "Date of contact"], ["R1", "x"]]), {},
     'contacts.csv: the file has no column "Police force" in its first 50 rows (headings '
     f"found: Ref, Date of contact). {SEARCHED}"),
    ("duplicate heading", xlsx([[*WANTED, "police force"], ["R1", D1, "Lancs", "Lancs"]]), {},
     'contacts.xlsx: sheet "Contact log" has the heading "Police force" 2 times; rename the '
     "extra columns so each heading is unique."),
    ("missing sheet", xlsx([HEADINGS, *ROWS], edit=hidden_first_sheet), {"sheet": "Contacts"},
     'contacts.xlsx has no sheet "Contacts" (sheets found: "Lookups", "Contact log"); fix the '
     "profile's sheet or ask the partner to restore it."),
    ("headings but no data", xlsx([HEADINGS, [], ["Total", 0]]), {},
     'contacts.xlsx: sheet "Contact log" has no data rows below the headings.'),
    ("csv headings but no data", csv_file([HEADINGS]), {},
     "contacts.csv: the file has no data rows below the headings."),
    ("headings below the searched rows", xlsx([[]] * 60 + [HEADINGS, *ROWS]), {},
     'contacts.xlsx: sheet "Contact log" has no columns "Ref", "Date of contact", "Police '
     f'force" in its first 50 rows (headings found: none). {SEARCHED}'),
    ("empty sheet", xlsx([]), {},
     'contacts.xlsx: sheet "Contact log" is empty; ask the partner to send the data.'),
    ("csv of blank lines", raw_bytes("contacts.csv", b"\n\n,,\n"), {},
     "contacts.csv is empty; ask the partner to send the data."),
    ("empty file", raw_bytes("contacts.xlsx", b""), {},
     "contacts.xlsx is empty (0 bytes); ask the partner to send it again."),
    ("random bytes named .xlsx", raw_bytes("contacts.xlsx", bytes(range(256)) * 8), {},
     "contacts.xlsx is not a spreadsheet, although it is named .xlsx; ask the partner for the "
     "spreadsheet itself."),
    ("corrupt zip", raw_bytes("contacts.xlsx", b"PK\x03\x04" + b"\x17garbage" * 50), {},
     "contacts.xlsx is corrupt and cannot be opened (File is not a zip file); ask the partner "
     "to save it again and resend it."),
    ("password-protected workbook",
     raw_bytes("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
               + "EncryptedPackage".encode("utf-16-le")), {},
     "locked.xlsx is password-protected; ask the partner to send it without a password."),
    ("PDF named .xlsx", raw_bytes("contacts.xlsx", b"%PDF-1.7\n"), {},
     "contacts.xlsx is a PDF, although it is named .xlsx; ask the partner for the spreadsheet "
     "itself."),
    ("csv named .xlsx", csv_file([HEADINGS, *TEXT_CELLS], name="contacts.xlsx"), {},
     "contacts.xlsx is not a spreadsheet, although it is named .xlsx; ask the partner for the "
     "spreadsheet itself."),
    ("xlsx named .csv", xlsx([HEADINGS, *ROWS], name="contacts.csv"), {},
     "contacts.csv is not a CSV text file (it looks like a spreadsheet or binary file); save it "
     "as CSV or give it its proper extension."),
    ("unsupported extension", raw_bytes("contacts.txt", b"Ref\n"), {},
     "contacts.txt has .txt; accepted files are .xlsx, .xlsm, .xls, .ods, .csv."),
    ("data below the Total row", xlsx([HEADINGS, ROWS[0], ["Total", 1], ROWS[1]]), {},
     'contacts.xlsx: sheet "Contact log" has data below its "Total" row (row 3), e.g. row 4; '
     "delete the total row or move it to the end."),
    ("encoding that is not a text encoding", csv_file([HEADINGS, *TEXT_CELLS]),
     {"encoding": "rot13"},
     "contacts.csv cannot be read as rot13 text ('rot13' is not a text encoding; use "
     "codecs.open() to handle arbitrary codecs); set the profile's encoding to a text encoding, "
     'e.g. encoding = "cp1252".'),
    ("latin-1 csv read as utf-8",
     csv_file([HEADINGS, ["R1", "03/01/2018", "Lancs"], ["Réf", "x", "y"]], encoding="latin-1"),
     {}, 'contacts.csv is not valid utf-8 text (row 3); set the profile\'s encoding (e.g. '
     'encoding = "cp1252") or ask the partner to save it as UTF-8.'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_rejected_file(
    make: Callable[[Path], Path], options: dict[str, object], message: str, tmp_path: Path
) -> None:
    with pytest.raises(FileRejected) as raised:
        read_table(make(tmp_path), wanted=WANTED, **options)  # type: ignore[arg-type]
    assert raised.value.message == message
    assert "\n" not in raised.value.message


def test_no_raw_exception_escapes_for_junk_inside_a_valid_zip(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name=")
    with pytest.raises(FileRejected) as raised:
        read_table(path, wanted=WANTED)
    assert raised.value.message.startswith("contacts.xlsx is corrupt and cannot be read (")
    assert raised.value.message.endswith("); ask the partner to save it again and resend it.")


def test_uppercase_extension_is_read(tmp_path: Path) -> None:
    path = xlsx([HEADINGS, *ROWS], name="CONTACTS.XLSX")(tmp_path)
    assert read_table(path, wanted=WANTED).row_numbers.tolist() == [2, 3]


def test_large_sheet_keeps_row_numbers_aligned(tmp_path: Path) -> None:
    rows = [[f"R{i}", D1, "GMP" if i % 7 else None] for i in range(3000)]
    rows[1500] = []
    path = xlsx([["Title"], HEADINGS, *rows, ["Total", 2999]])(tmp_path)
    table = read_table(path, wanted=WANTED)
    expected = [i + 3 for i in range(3000) if i != 1500]
    assert table.row_numbers.tolist() == expected
    assert table.columns["Ref"].values().tolist() == [f"R{i}" for i in range(3000) if i != 1500]
    assert (table.columns["Police force"].values() == None).sum() == len(  # noqa: E711
        [i for i in expected if (i - 3) % 7 == 0]
    )


def test_sheet_names_lists_hidden_sheets_too(tmp_path: Path) -> None:
    path = xlsx([HEADINGS, *ROWS], edit=hidden_first_sheet)(tmp_path)
    assert sheet_names(path) == ["Lookups", "Contact log"]
    assert sheet_names(csv_file([HEADINGS])(tmp_path)) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["Title"], [], ["Ref", "Date of contact", "Police force"]], 2),
        ([[" REF", "date  of contact", "Police Force", 2017.0]], 0),
        ([["Ref"], ["Date of contact"]], -1),
        ([["x"]] * 50 + [WANTED], -1),  # only the first 50 rows are searched
    ],
)
def test_find_header_row(rows: list[list[object]], expected: int) -> None:
    assert find_header_row(rows, WANTED) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Ref;Date;Force\n", "R1;1/2/2018;GMP\n"], ";"),
        (["Contacts, Jan\n", "Ref\tDate\tForce\n"], "\t"),
        (["Ref,Date,Force\n"], ","),
        (["Ref|Date|Force\n"], "|"),
        (["Ref\n"], ","),
    ],
)
def test_sniff_delimiter(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_heading_key_ignores_case_and_spacing() -> None:
    assert heading_key("  Date of\u00a0 CONTACT ") == heading_key("date of contact")
    assert heading_key(None) == ""
    assert heading_key(2017.0) == "2017"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (None, ""),
        (float("nan"), ""),
        (2017.0, "2017"),
        (12.5, "12.5"),
        (date(2017, 7, 1), "Jul 2017"),
        (datetime(2017, 7, 1), "Jul 2017"),
        (datetime(2018, 1, 3, 9, 30), "2018-01-03 09:30:00"),
        (date(2018, 1, 3), "2018-01-03"),
        ("  Police\n  force ", "Police force"),
        (True, "True"),
    ],
)
def test_cell_text_shows_a_cell_as_the_partner_reads_it(cell: object, shown: str) -> None:
    assert cell_text(cell) == shown


def test_cell_text_cuts_long_text_before_collapsing_it() -> None:
    assert cell_text("ab  " * 10_000, cut=6) == "ab ab"


def test_find_header_takes_the_first_row_enough_or_else_the_best_earliest() -> None:
    rows = [["a"], ["a", "b"], ["a", "b", "c"], ["x", "y", "z"]]
    assert find_header(rows, len, 2) == 1
    assert find_header(rows, len, 4) == -1
    assert find_header(rows, len) == 2  # the earliest of the rows scoring 3
    assert find_header([], len) == -1
    beyond = [["a"]] * 50 + [["a", "b"]]
    assert find_header(beyond, len, 2) == -1  # only the first 50 rows are searched


def test_a_header_row_past_the_end_of_the_sheet_is_the_profiles_mistake(tmp_path: Path) -> None:
    path = xlsx([HEADINGS, *ROWS])(tmp_path)
    with pytest.raises(ConfigurationError) as raised:
        read_table(path, wanted=WANTED, header_row=9)
    assert raised.value.message == (
        "The partner profile says the headings are on row 9 (header_row), but contacts.xlsx: "
        'sheet "Contact log" ends at row 3; set header_row to the headings\' row, or to "auto" '
        "to find them."
    )
    with pytest.raises(ConfigurationError, match="ends at row 2;"):
        read_table(csv_file([HEADINGS, TEXT_CELLS[0]])(tmp_path), wanted=WANTED, header_row=5)


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    lines: list[list[object]] = [
        ["Contacts", "multi\nline title"],
        [*HEADINGS],
        [*TEXT_CELLS[0], "a note\nover\nthree lines"],
        [],
        ["R2", "14/02/2018 17:05"],  # short: read with the csv module and put back in place
        [*TEXT_CELLS[1], "YP", "extra", "more"],
    ]
    table = read_table(csv_file(lines)(tmp_path), wanted=WANTED)
    assert table.row_numbers.tolist() == [3, 5, 6]
    assert cells(table) == [TEXT_CELLS[0], ["R2", "14/02/2018 17:05", None], TEXT_CELLS[1]]


def test_long_partner_headings_are_shortened_in_messages(tmp_path: Path) -> None:
    long = "Heading " + "x" * 40_000
    path = xlsx([[long, long + "y", "Date of contact"], ["R1", "x", D1]])(tmp_path)
    with pytest.raises(FileRejected) as raised:
        read_table(path, wanted=WANTED)
    assert len(raised.value.message) < 700
    assert raised.value.message.startswith(
        'contacts.xlsx: sheet "Contact log" has no columns "Ref", "Police force" in its first 50 '
        "rows (headings found: Heading xxxxx"
    )


def test_a_date_no_calendar_holds_is_refused_with_its_row(tmp_path: Path) -> None:
    def far_past(workbook: Workbook, sheet: Worksheet) -> None:
        sheet["B3"] = -1e308
        sheet["B3"].number_format = "yyyy-mm-dd"

    path = xlsx([HEADINGS, *ROWS], edit=far_past)(tmp_path)
    with pytest.raises(FileRejected) as raised:
        read_table(path, wanted=WANTED)
    assert raised.value.message == (
        'contacts.xlsx: sheet "Contact log" row 3 has a cell that cannot be read '
        "(TimeDelta::milliseconds out of bounds), such as a date far outside the calendar; ask "
        "the partner to correct it and send the file again."
    )


def test_sheet_grids_for_layouts_that_read_several_sheets(tmp_path: Path) -> None:
    def second_sheet(workbook: Workbook, sheet: Worksheet) -> None:
        other = workbook.create_sheet("Feb")
        other.append(["Force", "Total"])
        other.merge_cells("A2:B2")
        other["A2"] = "merged"

    path = xlsx([HEADINGS, *ROWS], edit=second_sheet)(tmp_path)
    grids = read_sheet_grids(path, lambda sheets: [n for n, visible in sheets if visible][1:])
    assert grids == [("Feb", [["Force", "Total"], ["merged", ""]], [((1, 0), (1, 1))])]


SHIFTED: list[list[object]] = [
    [None, None, "Ref", "Notes", None, "Date of contact", "Police force"],
    [None, None, "A1", "ok", None, datetime(2018, 1, 2), "Cumbria"],
]


@pytest.mark.parametrize(
    "make",
    [xlsx(SHIFTED), ods(SHIFTED), csv_file([[c or "" for c in row] for row in SHIFTED])],
    ids=["xlsx", "ods", "csv"],
)
def test_a_table_records_where_its_columns_are_in_the_sheet(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    """Column A is 1, whatever column the reader's rows start from (calamine's start at the
    first used one): what flows.intake.hidden_cells matches hidden columns against."""
    table = read_table(make(tmp_path), wanted=["Ref", "Date of contact", "Police force"])
    assert table.column_numbers == {"Ref": 3, "Date of contact": 6, "Police force": 7}
    assert table.headings == ["Ref", "Notes", "Date of contact", "Police force"]
    assert table.heading_numbers == (3, 4, 6, 7)

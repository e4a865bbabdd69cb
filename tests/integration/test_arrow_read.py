"""The Arrow read (flows.intake.reading.arrow_tables) gives exactly the table calamine's
cell-by-cell reader gives, or leaves the file to it.

Every spreadsheet of the messy-file cases, the formats LibreOffice saves (.xls, .ods), a 1904
workbook and a few sheets made to test the edges are read both ways; where the Arrow read
answers, every column's kinds, text bytes, numbers and dates, the row numbers and the headings
must be equal. The plain files must be read the fast way, so the comparison is never empty.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from flows.intake.profiles import find_profile
from flows.intake.reading import arrow_tables, sheet_tables
from flows.intake.reading.arrow_tables import read_typed_table
from flows.intake.reading.cell_columns import CellTable
from flows.intake.reading.header_tables import HEADER_SEARCH_ROWS
from flows.intake.reading.sheet_tables import (
    check_declared_size,
    choose_sheet,
    open_workbook,
    read_sheet_cells,
)
from flows.intake.reading.size_guards import SizeLimits
from tests.integration.test_messy_files import CASES, Case
from tests.support.office import convert
from tests.support.partner_files import COUNTS_PROFILE, HEADINGS, write_profile, write_xlsx

pytestmark = pytest.mark.integration

LIMITS = SizeLimits(8, 2048 * 2**20)
RECORDS = ["Ref", "Date of contact", "Police force", "Caller"]
HEADER_ROW: list[object] = list(RECORDS)
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")


def both_ways(path: Path, wanted: list[str]) -> tuple[CellTable | None, CellTable | str]:
    """The Arrow read as the product runs it (None: left to the other reader) and calamine's
    (or its refusal). The Arrow read is also run without the sheet's first row, so by its two
    parses, and must give the same answer."""
    workbook = open_workbook(path, LIMITS)
    sheet = choose_sheet(workbook, None, path.name)
    first = check_declared_size(path, sheet, LIMITS).first_row
    fast = read_typed_table(path, sheet, wanted, "auto", HEADER_SEARCH_ROWS, LIMITS, "", first)
    two_parses = read_typed_table(path, sheet, wanted, "auto", HEADER_SEARCH_ROWS, LIMITS)
    try:
        slow: CellTable | str = read_sheet_cells(path, (workbook, sheet), wanted, "auto", LIMITS)
    except Exception as error:  # noqa: BLE001 - a refusal is compared by its text
        slow = str(error)
    for read in (fast, two_parses):
        if read is not None:
            assert not isinstance(slow, str), slow
            assert_same(read, slow)
    return fast, slow


def parses(path: Path, wanted: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fastexcel parses the product's Arrow read makes of the sheet: "once" alone when its
    headings are on its first row holding a value."""
    made: list[str] = []
    for step in ("_read_once", "_head", "_typed"):
        original = getattr(arrow_tables, step)

        def spy(*args: Any, __step: str = step, __original: Any = original, **kwargs: Any) -> Any:
            made.append(__step)
            return __original(*args, **kwargs)

        monkeypatch.setattr(arrow_tables, step, spy)
    first = check_declared_size(path, "Sheet", LIMITS).first_row
    read_typed_table(path, "Sheet", wanted, "auto", HEADER_SEARCH_ROWS, LIMITS, "", first)
    return made


def assert_same(fast: CellTable, slow: CellTable) -> None:
    assert list(fast.columns) == list(slow.columns)
    for heading, column in fast.columns.items():
        other = slow.columns[heading]
        assert column.kinds.tolist() == other.kinds.tolist(), heading
        assert bytes(column.utf8[column.offsets[0] : column.offsets[-1]]) == bytes(
            other.utf8[other.offsets[0] : other.offsets[-1]]
        ), heading
        assert (np.diff(column.offsets) == np.diff(other.offsets)).all(), heading
        for part in ("numbers", "dates"):
            mine, theirs = getattr(column, part), getattr(other, part)
            assert (mine is None) == (theirs is None), (heading, part)
            if mine is not None:
                assert np.array_equal(mine, theirs, equal_nan=True), (heading, part)
        assert [column.value(i) for i in range(len(column))] == [
            other.value(i) for i in range(len(other))
        ]
    assert fast.row_numbers.tolist() == slow.row_numbers.tolist()
    assert (fast.sheet, fast.header_row, fast.headings) == (
        slow.sheet,
        slow.header_row,
        slow.headings,
    )
    assert (fast.column_numbers, fast.heading_numbers) == (
        slow.column_numbers,
        slow.heading_numbers,
    )


def messy_spreadsheets() -> list[Case]:
    """The messy-file cases whose file is a spreadsheet (the CSV ones are read by pyarrow's
    CSV reader): each file is made once here to see what it is."""
    chosen = []
    with tempfile.TemporaryDirectory() as folder:
        for number, case in enumerate(CASES):
            if case.partner not in ("t-records", "t-counts") or case.name == "zip bomb":
                continue
            made = Path(folder) / str(number)
            made.mkdir()
            if case.make(made).suffix.lower() in SPREADSHEETS:
                chosen.append(case)
    return chosen


MESSY = messy_spreadsheets()
# Files the Arrow read leaves to calamine's reader: a column mixing kinds of value (notes under a
# date column; month labels beside month dates), or a table it cannot find (the message is
# that reader's).
LEFT_TO_CALAMINE = {
    "trailing Total row and notes",
    "counts layout with month labels and numbers as text",
    "missing heading",
    "duplicate heading",
    "headings but no data",
}


@pytest.mark.parametrize("case", MESSY, ids=[case.name for case in MESSY])
def test_every_messy_spreadsheet_reads_the_same_both_ways(case: Case, tmp_path: Path) -> None:
    write_profile(tmp_path / "partners", "t-records")
    write_profile(tmp_path / "partners", "t-counts", COUNTS_PROFILE)
    path = case.make(tmp_path)
    profile = find_profile(tmp_path / "partners", case.partner)
    try:
        fast, slow = both_ways(path, list(dict.fromkeys(profile.wanted_headings)))
    except Exception as refused:  # noqa: BLE001 - the file is refused before either read
        assert isinstance(case.expected, str), refused
        return
    assert (fast is None) == (case.name in LEFT_TO_CALAMINE), case.name
    if fast is not None:
        assert not isinstance(slow, str), slow
        assert_same(fast, slow)


D1, D2 = datetime(2018, 1, 3, 9, 30, 15), datetime(2018, 2, 14, 17, 5)


def sheet_of(rows: list[list[object]], *, epoch: object = None) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        workbook = Workbook()
        if epoch is not None:
            workbook.epoch = epoch
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        path = folder / "edge.xlsx"
        workbook.save(path)
        return path

    return make


PLAIN = [["R1", D1, "Lancashire", "Child"], ["R2", D2, "GMP", None]]


def serials(values: list[float]) -> Callable[[Path], Path]:
    """Bare numbers formatted as dates in the date column."""

    def make(folder: Path) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER_ROW)
        for number, value in enumerate(values, 2):
            sheet.append([f"R{number}", value, "Kent", "Child"])
            sheet.cell(number, 2).number_format = "yyyy-mm-dd hh:mm"
        path = folder / "serials.xlsx"
        workbook.save(path)
        return path

    return make


# (name, file, whether the Arrow read answers)
EDGES: list[tuple[str, Callable[[Path], Path], bool]] = [
    ("plain", sheet_of([HEADER_ROW, *PLAIN]), True),
    ("headings on row 3", sheet_of([["Contacts"], [], HEADER_ROW, *PLAIN]), True),
    (
        "table from column C",
        sheet_of([[None, None, *HEADER_ROW], *[[None, None, *r] for r in PLAIN]]),
        True,
    ),
    (
        "blank rows and a Total",
        sheet_of([HEADER_ROW, [], *PLAIN, [], ["Total", None, None, None]]),
        True,
    ),
    (
        "white space and unsafe text",
        sheet_of([HEADER_ROW, ["R1", D1, "  ", "a\u202eb\tc"], ["R2", D2, "\u3000", "Child"]]),
        True,
    ),
    (
        "a boolean helper column",
        sheet_of([[*HEADER_ROW, "Flag"], *[[*r, True] for r in PLAIN]]),
        True,
    ),
    (
        "numbers as references",
        sheet_of([HEADER_ROW, [1, D1, "Kent", "Child"], [2.5, D2, "Kent", "YP"]]),
        True,
    ),
    (
        "dates without times",
        sheet_of([HEADER_ROW, ["R1", date(2018, 1, 3), "Kent", "Child"]]),
        True,
    ),
    ("a 1904 workbook", sheet_of([HEADER_ROW, *PLAIN], epoch=CALENDAR_MAC_1904), True),
    ("serials from 1 on", serials([1, 59, 60, 61, 1.25, 43103.5, 2958465]), True),
    ("serials below 1: times of day", serials([43103.5, 0.5]), False),
    ("serial 0 and -1", serials([43103.5, 0, -1]), False),
    ("a date heading", sheet_of([[*HEADER_ROW, datetime(2018, 1, 1)], *PLAIN]), False),
    (
        "text in a date column",
        sheet_of([HEADER_ROW, ["R1", "03/01/2018", "Kent", "Child"], ["R2", D2, "Kent", "YP"]]),
        False,
    ),
    (
        "a mixed cell far down",
        sheet_of(
            [
                HEADER_ROW,
                *[[f"R{i}", D1, "Kent", "Child"] for i in range(3000)],
                [5, D1, "Kent", "Child"],
            ]
        ),
        False,
    ),
]


@pytest.mark.parametrize(("name", "make", "fast_way"), EDGES, ids=[e[0] for e in EDGES])
def test_edges_read_the_same_or_are_left_to_calamine(
    name: str, make: Callable[[Path], Path], fast_way: bool, tmp_path: Path
) -> None:
    fast, slow = both_ways(make(tmp_path), RECORDS)
    assert not isinstance(slow, str), slow
    assert (fast is not None) == fast_way, name


def styled_blank_row_above(folder: Path) -> Path:
    """Row 1 has cells with a fill and no value: calamine's table starts at row 2."""
    path = sheet_of([["x"], HEADER_ROW, *PLAIN])(folder)
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"].value = None
    for cell in ("A1", "B1", "C1", "D1"):
        sheet[cell].fill = PatternFill("solid", fgColor="FFFF00")
    workbook.save(path)
    return path


# (name, file, whether the headings' row is parsed once, not read again for the header search)
ONCE: list[tuple[str, Callable[[Path], Path], bool]] = [
    ("plain", sheet_of([HEADER_ROW, *PLAIN]), True),
    ("headings on row 3 under a title", sheet_of([["Contacts"], [], HEADER_ROW, *PLAIN]), False),
    ("headings on row 3, nothing above", sheet_of([[], [], HEADER_ROW, *PLAIN]), True),
    ("a styled blank row above", styled_blank_row_above, True),
    (
        "table from column C",
        sheet_of([[None, None, *HEADER_ROW], *[[None, None, *r] for r in PLAIN]]),
        True,
    ),
    (
        "a column with no heading",
        sheet_of([[*HEADER_ROW[:2], None, *HEADER_ROW[2:]], *[[*r[:2], 1, *r[2:]] for r in PLAIN]]),
        True,
    ),
    ("a number heading", sheet_of([[*HEADER_ROW, 2017.5], *[[*r, 1] for r in PLAIN]]), True),
    ("a heading of spaces", sheet_of([[*HEADER_ROW, "  "], *[[*r, 1] for r in PLAIN]]), False),
    ("a repeated heading", sheet_of([[*HEADER_ROW, "Notes", "Notes"], *PLAIN]), False),
    ("a heading like a renamed one", sheet_of([[*HEADER_ROW, "Ref_1"], *PLAIN]), False),
    ("a boolean heading", sheet_of([[*HEADER_ROW, True], *PLAIN]), False),
    ("a date heading", sheet_of([[*HEADER_ROW, datetime(2018, 1, 1)], *PLAIN]), False),
]


@pytest.mark.parametrize(("name", "make", "once"), ONCE, ids=[e[0] for e in ONCE])
def test_a_sheet_with_its_headings_on_its_first_row_is_parsed_once(
    name: str,
    make: Callable[[Path], Path],
    once: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first row holding a value is read from the sheet's XML; when the headings are there,
    and the parse could name every column by its heading, there is no second parse."""
    path = make(tmp_path)
    fast, slow = both_ways(path, RECORDS)
    assert isinstance(slow, CellTable), slow
    assert (fast is None) == (name in ("a boolean heading", "a date heading")), name
    made = parses(path, RECORDS, monkeypatch)
    assert (made == ["_read_once"]) == once, made


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_the_formats_libreoffice_saves_read_the_same_both_ways(kind: str, tmp_path: Path) -> None:
    rows = [
        ["R1", D1, "Lancashire", "Child"],
        ["R2", D2, "GMP", None],
        ["R3", datetime(2018, 3, 1, 8), "Kent", "YP"],
    ]
    source = write_xlsx(tmp_path / "formats.xlsx", rows, HEADINGS)
    path = convert(source, kind, tmp_path)
    fast, slow = both_ways(path, RECORDS)
    assert not isinstance(slow, str), slow
    assert fast is not None
    assert_same(fast, slow)


@pytest.mark.slow
def test_an_ods_column_of_dates_with_and_without_times_is_left_to_calamine(tmp_path: Path) -> None:
    """.ods keeps dates and moments as two types, which the strict typed read refuses to mix."""
    rows = [["R1", D1, "Lancashire", "Child"], ["R2", date(2018, 3, 1), "Kent", "YP"]]
    path = convert(write_xlsx(tmp_path / "mixed.xlsx", rows, HEADINGS), "ods", tmp_path)
    fast, slow = both_ways(path, RECORDS)
    assert fast is None
    assert isinstance(slow, CellTable) and len(slow) == 2


@pytest.mark.parametrize(("memory_kb", "arrow"), [(2048 * 1024, True), (1024, False)])
def test_a_sheet_whose_two_parses_might_not_fit_is_read_cell_by_cell(
    memory_kb: int, arrow: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two parses at once must fit the child's memory (a reader that runs out is aborted): 8,000
    cells are estimated at about 1 MB for two parses, more than three quarters of 1 MB, which
    the cell-by-cell read's own budget (64 bytes a cell) allows."""
    rows = [[f"R{i}", D1, "Kent", "Child"] for i in range(2_000)]
    path = sheet_of([HEADER_ROW, *rows])(tmp_path)
    limits = SizeLimits(8, memory_kb * 1024)
    assert check_declared_size(path, "Sheet", limits).fits_twice(limits) == arrow
    called: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> CellTable | None:
        called.append(True)
        return read_typed_table(*args, **kwargs)

    monkeypatch.setattr(sheet_tables, "read_typed_table", spy)
    table = sheet_tables.read_sheet_table(path, RECORDS, None, "auto", limits)
    assert called == ([True] if arrow else [])
    assert len(table) == 2_000 and table.columns["Ref"].value(1999) == "R1999"

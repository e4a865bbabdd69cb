"""Declared sizes checked before calamine builds a grid: extents found exactly, refusals exact."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from flows.core.errors import FileRejected
from flows.intake.reading.ods_extent import ods_extent
from flows.intake.reading.size_guards import (
    FirstRow,
    SizeLimits,
    check_extent,
    check_shared_strings,
    column_letters,
    column_number,
    first_row,
    sheet_extent,
)

MB = 2**20
LIMITS = SizeLimits(useful_columns=24, memory_bytes=2048 * MB)  # up to 1,024 columns


def sheet_xml(cells: list[str], dimension: str | None = None, filler: int = 0) -> bytes:
    """A worksheet part with the given cell references, one row each, in the order given."""
    head = f'<worksheet><dimension ref="{dimension}"/>' if dimension else "<worksheet>"
    rows = "".join(
        f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}"><v>1</v></c></row>'
        for ref in cells
    )
    return f"{head}<sheetData>{' ' * filler}{rows}</sheetData></worksheet>".encode()


@pytest.mark.parametrize(
    ("cells", "dimension", "expected"),
    [
        (["A1", "E2", "C3"], None, (None, 3, 5)),
        (["A1", "B2"], "A1:B2", ((2, 2), 2, 2)),
        (["A1", "Z9", "AA10", "AZ11", "BA12", "ZZ13", "AAA14"], None, (None, 14, 703)),
        (["A1", "XFD1048576"], "A1:XFD1048576", ((1048576, 16384), 1048576, 16384)),
        (["A1", "C900000", "B2"], None, (None, 900000, 3)),  # a far row out of order
        (["A1", "XFD1", "A10001"], None, (None, 10001, 16384)),  # a heading in column XFD
    ],
)
def test_the_largest_cell_reference_present_is_found(
    cells: list[str], dimension: str | None, expected: tuple[object, int, int]
) -> None:
    assert sheet_extent(io.BytesIO(sheet_xml(cells, dimension)))[:3] == expected


def test_references_across_chunk_boundaries_are_seen() -> None:
    # 9 MB of padding puts the wide cell after two chunk boundaries.
    xml = sheet_xml(["A1", "B2", "XFD3"], filler=9 * MB)
    assert sheet_extent(io.BytesIO(xml)) == (None, 3, 16384, "XFD3", None)  # no row in chunk 1


def test_the_first_row_holding_a_value_is_found_in_the_first_chunk() -> None:
    # A styled empty cell and a formula with no result hold no value; an inline string does.
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1" s="2"/><c r="B1"><f>A9</f></c></row>'
        b'<row r="2" spans="1:3"><c r="B2" t="inlineStr"><is><t>Ref</t></is></c>'
        b'<c r="C2" t="s"><v>0</v></c><c r="D2" s="1"/></row>'
        b'<row r="3"><c r="B3"><v>1</v></c></row></sheetData></worksheet>'
    )
    assert sheet_extent(io.BytesIO(xml)).first_row == FirstRow(2, frozenset({1, 2}))
    assert first_row(xml.replace(b' r="B2"', b"")) is None  # a cell with no reference


def test_no_first_row_is_given_when_the_first_chunk_shows_none() -> None:
    xml = sheet_xml(["A1"], filler=5 * MB)  # the row starts after the first 4 MB
    assert sheet_extent(io.BytesIO(xml)).first_row is None


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"), (1024, "AMJ"), (16384, "XFD")],
)
def test_column_letters(number: int, letters: str) -> None:
    assert column_letters(number) == letters and column_number(letters) == number


@pytest.mark.parametrize(
    ("rows", "columns", "message"),
    [
        (10001, 16384, "has a cell in column XFD (16,384): more than 1,000 columns beyond the "
                       "24 this partner's profile uses"),
        (1048577, 5, "has a row 1,048,577, below the last row a sheet can have (1,048,576)"),
        (1000000, 40, "runs to AN1000000, 40,000,000 cells, more than can be read within "
                      "2,048 MB (HELPLINE_READ_MEMORY_MB)"),
    ],
)  # fmt: skip
def test_extents_beyond_the_limits_are_refused(rows: int, columns: int, message: str) -> None:
    with pytest.raises(FileRejected) as raised:
        check_extent("f.xlsx", "Data", rows, columns, LIMITS)
    assert raised.value.message == (
        f'f.xlsx: sheet "Data" {message}; ask the partner to save it again with only the '
        "contact table."
    )
    check_extent("f.xlsx", "Data", 1_000_000, 30, LIMITS)  # a big ordinary table passes


def shared_strings(tmp_path: Path, unique: int, strings: int = 1) -> zipfile.ZipFile:
    path = tmp_path / "s.xlsx"
    body = "<si><t>x</t></si>" * strings
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst count="{unique}" uniqueCount="{unique}">{body}</sst>',
        )
    return zipfile.ZipFile(path)


def test_a_shared_strings_count_the_part_cannot_hold_is_refused(tmp_path: Path) -> None:
    with shared_strings(tmp_path, 4_294_967_295) as archive, pytest.raises(FileRejected) as raised:
        check_shared_strings("s.xlsx", archive, LIMITS)
    assert raised.value.message == (
        # the part is 93 bytes, and a shared string takes at least 13 (<si><t/></si>)
        "s.xlsx declares 4,294,967,295 shared strings, more than its strings part can hold (7) "
        "or than can be read within 2,048 MB; ask the partner to save it again with only the "
        "contact table."
    )
    with shared_strings(tmp_path, 2_000, strings=2_000) as archive:
        check_shared_strings("s.xlsx", archive, LIMITS)


NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
VALUE = '<table:table-cell office:value-type="float" office:value="1"/>'
EMPTY = "<table:table-cell/>"


def ods_content(*tables: tuple[str, str]) -> io.BytesIO:
    body = "".join(
        f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables
    )
    return io.BytesIO(
        f"<office:document-content {NS}><office:body><office:spreadsheet>{body}"
        "</office:spreadsheet></office:body></office:document-content>".encode()
    )


def test_ods_repeats_are_counted_as_calamine_counts_them() -> None:
    repeat = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Ref</text:p>'
        "</table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="6000">'
        '<table:table-cell office:value-type="float" office:value="1" '
        'table:number-columns-repeated="16384"/></table:table-row>'
    )
    # LibreOffice pads a sheet with empty repeated rows and cells: calamine keeps none of them.
    padded = (
        f"<table:table-row>{VALUE}{VALUE}{EMPTY}</table:table-row>"
        f'<table:table-row>{VALUE}<table:table-cell table:number-columns-repeated="1021"/>'
        "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert ods_extent(ods_content(("Data", repeat), ("Padded", padded))) == {
        "Data": (6001, 16384),
        "Padded": (2, 2),
    }

"""The structure scan: hidden rows, columns and sheets, and the date system, from the XML."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from flows.core.errors import FileRejected
from flows.intake.reading.sheet_structure import NOT_SCANNED
from flows.intake.reading.xls_structure import scan_xls_structure
from flows.intake.workbook_structure import scan_structure

WORKBOOK = (
    b'<workbook xmlns:r="r"><workbookPr date1904="true"/><sheets>'
    b'<sheet name="Data &amp; more" sheetId="1" r:id="rId1"/>'
    b'<sheet name="Workings" sheetId="2" state="veryHidden" r:id="rId2"/></sheets></workbook>'
)
RELS = (
    b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/></Relationships>'
)


def workbook(path: Path, sheet: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/worksheets/sheet2.xml", b"<worksheet/>")
    return path


def test_prefixed_tags_rows_without_numbers_and_column_ranges(tmp_path: Path) -> None:
    rows = b"".join(
        b'<x:row hidden="1">' if n in (3, 7) else b"<x:row>" for n in range(1, 9)
    )  # no r= at all: each row is the next
    sheet = (
        b'<x:worksheet><x:cols><x:col min="2" max="4" hidden="true"/><x:col min="6" max="6"/>'
        b"</x:cols><x:sheetData>" + rows + b"</x:sheetData></x:worksheet>"
    )
    found = scan_structure(workbook(tmp_path / "a.xlsx", sheet), ["Data & more"])
    assert found.date1904 and found.scanned
    assert found.hidden_sheets == ("Workings",)
    [data] = found.sheets
    assert (data.name, data.hidden_rows, data.hidden_columns) == (
        "Data & more",
        frozenset({3, 7}),
        frozenset({2, 3, 4}),
    )


def test_rows_numbered_across_many_blocks(tmp_path: Path) -> None:
    hidden = b' hidden="1"'
    rows = b"".join(
        b'<row r="%d"%s><c r="A%d"><v>1</v></c></row>' % (n, hidden if n == 150_000 else b"", n)
        for n in range(1, 200_001)
    )
    sheet = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    found = scan_structure(workbook(tmp_path / "big.xlsx", sheet), ["Data & more"])
    assert found.sheets[0].hidden_rows == frozenset({150_000})


def test_other_formats_are_not_scanned(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Ref\n", encoding="utf-8")
    assert scan_structure(path, [None]) == NOT_SCANNED


def test_an_xls_whose_structure_xlrd_cannot_read_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "junk.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(FileRejected, match=r"^junk\.xls is corrupt: its workbook structure"):
        scan_xls_structure(path, ["Sheet1"])

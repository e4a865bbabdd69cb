"""Every spreadsheet format docs/partners.md promises gives the same canonical rows as the .xlsx.

The .xls and .ods files are made by LibreOffice from an .xlsx the test writes; the .xlsm is
that .xlsx with a macro part and the macro-enabled content type, as Excel saves one."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.intake.normalise import normalise
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.readers import read_table
from tests.support.office import convert
from tests.support.partner_files import write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROFILE = PartnerProfile(
    id="formats",
    name="Formats",
    layout="records",
    columns={
        "contact_ref": "Ref",
        "contact_date": "Date of contact",
        "force_area": "Police force",
        "caller_type": "Caller",
        "channel": "Method",
    },
)
HEADINGS = ["Ref", "Date of contact", "Police force", "Caller", "Method"]
ROWS: list[list[object]] = [
    ["R001", datetime(2017, 7, 3, 9, 15), "Lancashire", "child", "phone"],
    ["R002", datetime(2017, 8, 31, 23, 59), "GMP", "parent or carer", "email"],
    ["R003", "12/09/2017", "E23000002", "professional", "online chat"],
    [4, datetime(2018, 1, 1, 0, 0), "Devon and Cornwall Police", None, "text message"],
    ["R005", datetime(2018, 6, 30, 12, 0), "City of London Police", "young person", None],
]
EXPECTED = [
    ("R001", "2017-07-03", "E23000003", "child", "phone"),
    ("R002", "2017-08-31", "E23000005", "parent or carer", "email"),
    ("R003", "2017-09-12", "E23000002", "professional", "online chat"),
    ("4", "2018-01-01", "E23000035", "unknown", "text message"),
    ("R005", "2018-06-30", "E23000034", "young person", "unknown"),
]
CONTENT_TYPES = "[Content_Types].xml"
MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def canonical_rows(path: Path) -> tuple[list[tuple[str, ...]], list[int]]:
    raw = read_table(path, wanted=PROFILE.wanted_headings)
    frame = normalise(raw, PROFILE, ForceAreaResolver(load_force_areas())).frame
    rows = [
        (
            str(row.contact_ref),
            pd.Timestamp(str(row.contact_date)).date().isoformat(),
            str(row.force_code),
            str(row.caller_type),
            str(row.channel),
        )
        for row in frame.itertuples()
    ]
    return list(rows), [int(number) for number in raw.row_numbers]


def with_macro_part(xlsx: Path, target: Path) -> Path:
    """The workbook as Excel saves it macro-enabled: a vbaProject part and its content types."""
    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == CONTENT_TYPES:
                text = data.decode().replace(PLAIN_WORKBOOK, MACRO_WORKBOOK)
                text = text.replace(
                    "</Types>",
                    '<Default Extension="bin" '
                    'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
                data = text.encode()
            archive.writestr(info, data)
        # An OLE2 container, as Excel writes its VBA storage; readers must leave it alone.
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return target


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    return write_xlsx(folder / "contacts.xlsx", ROWS, HEADINGS, title_rows=["Contact log"])


def test_the_xlsx_gives_the_expected_rows(xlsx: Path) -> None:
    assert canonical_rows(xlsx) == (EXPECTED, [3, 4, 5, 6, 7])


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_libreoffice_formats_give_the_same_rows(xlsx: Path, target: str, tmp_path: Path) -> None:
    converted = convert(xlsx, target, tmp_path)
    assert converted.suffix == f".{target}"
    assert canonical_rows(converted) == canonical_rows(xlsx)


def test_a_macro_enabled_workbook_gives_the_same_rows(xlsx: Path, tmp_path: Path) -> None:
    xlsm = with_macro_part(xlsx, tmp_path / "contacts.xlsm")
    with zipfile.ZipFile(xlsm) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()
        assert MACRO_WORKBOOK in archive.read(CONTENT_TYPES).decode()
    assert canonical_rows(xlsm) == canonical_rows(xlsx)

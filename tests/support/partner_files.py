"""Building partner files inside tests (no binary fixtures in the repository)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

RECORDS_PROFILE = """
id = "{id}"
name = "Test helpline"
layout = "records"
date_order = "DMY"
on_invalid_rows = "{on_invalid}"
[columns]
contact_ref = "Ref"
contact_date = "Date of contact"
force_area = "Police force"
caller_type = "Caller"
[values.force_area]
"Lancs" = "Lancashire"
"""

COUNTS_PROFILE = """
id = "{id}"
name = "Test referral scheme"
layout = "counts"
[columns]
month = "Month"
force_area = "Force"
contacts = "Contacts"
"""

HEADINGS = ["Ref", "Date of contact", "Police force", "Caller"]


def write_profile(
    folder: Path, partner: str, template: str = RECORDS_PROFILE, on_invalid: str = "reject_file"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{partner}.toml"
    path.write_text(template.format(id=partner, on_invalid=on_invalid), encoding="utf-8")
    return path


def records(prefix: str, month: date, force: str, count: int, start: int = 1) -> list[list[object]]:
    return [
        [
            f"{prefix}{start + i:05d}",
            datetime(month.year, month.month, 1 + i % 28, 10, 0),
            force,
            "Child",
        ]
        for i in range(count)
    ]


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    headings: Sequence[str] = HEADINGS,
    title_rows: Sequence[str] = (),
    sheet: str = "Sheet1",
) -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for title in title_rows:
        worksheet.append([title])
    worksheet.append(list(headings))
    for row in rows:
        worksheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    headings: Sequence[str] = HEADINGS,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headings)
        for row in rows:
            writer.writerow(
                [v.strftime("%d/%m/%Y %H:%M") if isinstance(v, datetime) else v for v in row]
            )
    return path


CROSSTAB_PROFILE = """
id = "{id}"
name = "Test crosstab"
layout = "crosstab"
on_invalid_rows = "{on_invalid}"
[crosstab]
force_areas = "down"
months = "across"
"""
# The same shape with a channel under each month, and the partner's spelling of one channel.
CHANNELS_PROFILE = (
    CROSSTAB_PROFILE
    + """categories = "channel"
[values.channel]
"Chat" = "online chat"
"""
)
MONTHS_DOWN_PROFILE = """
id = "{id}"
name = "Test crosstab the other way round"
layout = "crosstab"
[crosstab]
force_areas = "across"
months = "down"
"""
SHEET_MONTHS_PROFILE = """
id = "{id}"
name = "Test monthly sheets"
layout = "crosstab"
sheets = "months"
[crosstab]
force_areas = "down"
months = "sheet name"
categories = "channel"
[values.channel]
"Chat" = "online chat"
"""


def write_workbook(
    path: Path,
    sheets: Mapping[str, Sequence[Sequence[object]]],
    merged: dict[str, Sequence[str]] | None = None,
    hidden: Sequence[str] = (),
) -> Path:
    """A workbook with one sheet per entry (rows written from A1), cell ranges merged per sheet
    as a spreadsheet program merges them (the value stays in the first cell only)."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cells in (merged or {}).get(name, ()):
            sheet.merge_cells(cells)
        if name in hidden:
            sheet.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def down_across(
    jul: object, aug: object, totals: bool = True, lancs_total: int = 27
) -> list[list[object]]:
    """Force areas down, two months across, with or without a Total column and Total row."""
    rows: list[list[object]] = [
        ["Referrals by force area"],
        [],
        ["Force area", jul, aug, *(["Total"] if totals else [])],
        ["Cumbria", 3, 0, *([3] if totals else [])],
        ["Lancashire", 12, 15, *([lancs_total] if totals else [])],
        ["Greater Manchester Police", 40, 38, *([78] if totals else [])],
    ]
    if totals:
        rows.append(["Total", 55, 53, 108])
    rows += [[], ["Source: the partner's case system"]]
    return rows


# Months merged over Phone | Chat | Total, a grand Total merged down.
TWO_ROW_HEADING: list[list[object]] = [
    ["Contacts by channel"],
    ["Police force", "Jul-17", None, None, "Aug-17", None, None, "Total"],
    [None, "Phone", "Chat", "Total", "Phone", "Chat", "Total", None],
    ["Lancashire", 5, 7, 12, 6, 9, 15, 27],
    ["Cumbria", 1, 2, 3, 0, 1, 1, 4],
    ["Total", 6, 9, 15, 6, 10, 16, 31],
]


def month_sheet(lancs: tuple[int, int], gm: tuple[int, int]) -> list[list[object]]:
    return [
        ["Force", "Phone", "Chat", "Total"],
        ["Lancashire", *lancs, sum(lancs)],
        ["GMP", *gm, sum(gm)],
    ]


MONTH_SHEETS = {"Jul 2017": month_sheet((4, 2), (9, 1)), "2017-08": month_sheet((5, 0), (7, 3))}

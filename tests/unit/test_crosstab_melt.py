"""Melting one crosstab sheet: pure functions over a cell grid, as calamine gives it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from flows.core.errors import FileRejected
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.intake.crosstab.headings import column_letter
from flows.intake.crosstab.melt import CrosstabReading, SheetGrid, melt_sheet
from flows.intake.profiles import CrosstabShape
from flows.intake.reading.sheets import choose_sheets, sheet_month

RESOLVER = ForceAreaResolver(load_force_areas())


def reading(label: str | None = None, **shape: str) -> CrosstabReading:
    settings = {"force_areas": "down", "months": "across"} | shape
    return CrosstabReading(
        shape=CrosstabShape.model_validate(settings),
        header_row="auto",
        label=label,
        dropped=frozenset({"notes"}),
        is_force_area=lambda value: RESOLVER.resolve(value) is not None,
        name_sheets=False,
    )


def melt(rows: list[list[object]], name: str | None = "Sheet1", **shape: str):  # type: ignore[no-untyped-def]
    return melt_sheet("f.xlsx", SheetGrid(name, rows), reading(**shape))


def rejection(rows: list[list[object]], **shape: str) -> str:
    with pytest.raises(FileRejected) as raised:
        melt(rows, **shape)
    return raised.value.message


def test_cells_melt_row_by_row_with_the_partners_row_numbers() -> None:
    sheet = melt(
        [
            ["Title"],
            ["", "Jul-17", datetime(2017, 8, 1), "Notes", "Total"],
            ["Lancashire", 1, 2, "checked", 3],
            ["", "", "", "", ""],  # a blank row inside the table is skipped
            ["Cumbria", 4, 5, "", 9],
            ["Total", 5, 7, "", 12],
            ["Source: a note under the table"],
        ]
    )
    assert sheet.cells.values.tolist() == [
        ["Jul-17", "Lancashire", None, 1],
        [datetime(2017, 8, 1), "Lancashire", None, 2],
        ["Jul-17", "Cumbria", None, 4],
        [datetime(2017, 8, 1), "Cumbria", None, 5],
    ]
    assert sheet.cell_rows.tolist() == [3, 3, 5, 5]
    assert sheet.months == {date(2017, 7, 1): 'sheet "Sheet1"', date(2017, 8, 1): 'sheet "Sheet1"'}
    assert sheet.header_row == 2
    assert sheet.totals["message"].tolist() == [
        "Total for Lancashire, row 3: 3 sent, cells add up to 3",
        "Total for Cumbria, row 5: 9 sent, cells add up to 9",
        "Grand total, cell E6: 12 sent, cells add up to 12",
        "Total for Jul-17, column B: 5 sent, cells add up to 5",
        "Total for Aug 2017, column C: 7 sent, cells add up to 7",
    ]
    assert sheet.total_rows.tolist() == [3, 5, 6, 6, 6]


def test_merged_months_repeat_over_their_channels_and_totals_cover_their_own_cells() -> None:
    rows: list[list[object]] = [
        ["Force", "Jul-17", "", "", "Aug-17", "", "Total"],
        ["", "Phone", "Chat", "Total", "Phone", "Chat", ""],
        ["Lancashire", 1, 2, 3, 4, 5, 16],
    ]
    grid = SheetGrid("Sheet1", rows, merged=[((0, 4), (0, 5)), ((0, 6), (1, 6))])
    sheet = melt_sheet("f.xlsx", grid, reading(categories="channel"))
    assert sheet.cells[["month", "category", "contacts"]].values.tolist() == [
        ["Jul-17", "Phone", 1],
        ["Jul-17", "Chat", 2],
        ["Aug-17", "Phone", 4],
        ["Aug-17", "Chat", 5],
    ]
    assert sheet.totals["message"].tolist() == [
        "Total for Lancashire, Jul-17, cell D3: 3 sent, cells add up to 3",
        "Total for Lancashire, cell G3: 16 sent, cells add up to 12",
    ]


def test_months_down_and_force_areas_across() -> None:
    sheet = melt(
        [["Month", "GMP", "Lancs"], ["2017-07", 1, 2], ["2017-08", 3, 4]],
        force_areas="across",
        months="down",
    )
    assert sheet.cells[["month", "force_area", "contacts"]].values.tolist() == [
        ["2017-07", "GMP", 1],
        ["2017-07", "Lancs", 2],
        ["2017-08", "GMP", 3],
        ["2017-08", "Lancs", 4],
    ]
    assert sorted(sheet.months) == [date(2017, 7, 1), date(2017, 8, 1)]


def test_month_from_the_sheet_name() -> None:
    sheet = melt([["Force", "Contacts"], ["Lancashire", 7]], name="Jul 2017", months="sheet name")
    assert sheet.cells.values.tolist() == [["Jul 2017", "Lancashire", None, 7]]
    assert sheet.months == {date(2017, 7, 1): 'sheet "Jul 2017"'}


def test_a_section_heading_over_no_figures_is_not_a_row() -> None:
    sheet = melt([["", "Jul-17", "Aug-17"], ["North West", "", ""], ["Lancashire", 1, 2]])
    assert sheet.cells["force_area"].tolist() == ["Lancashire", "Lancashire"]


@pytest.mark.parametrize(
    ("rows", "shape", "message"),
    [
        (
            [["", "Jul-17", "Aug-17"], ["Lancashire", 1, ""]],
            {},
            'f.xlsx: sheet "Sheet1" cell C2 (Lancashire, Aug-17) is blank; ask the partner to put '
            '0 where there were no contacts, or set blank_cells = "zero" in the profile\'s '
            "[crosstab].",
        ),
        (
            [["", "Jul-17", "Aug-17"], ["", 1, 2]],
            {},
            'f.xlsx: sheet "Sheet1" row 2 has figures but no force area in column A; add it, or '
            "delete the row.",
        ),
        (
            [["", "Jul-17", "", "Aug-17"], ["Lancashire", 1, 9, 2]],
            {},
            'f.xlsx: sheet "Sheet1" cell C2 has a figure under no heading; give its column a '
            "heading, or delete it.",
        ),
        (
            [["", "Jul-17", "July 2017"], ["Lancashire", 1, 2]],
            {},
            'f.xlsx: sheet "Sheet1" has the heading "July 2017" twice (cells B1 and C1); send each '
            "figure once.",
        ),
        (
            [["", "Jul-17", "Aug-17", "Total"], ["Lancashire", 1, 2, "three"]],
            {},
            'f.xlsx: sheet "Sheet1" cell D2 holds the Total "three", which is not a whole number; '
            "ask the partner to correct it.",
        ),
        (
            [["Contacts by month"], ["", "Jul-17"], ["Lancashire", 1]],
            {},
            'f.xlsx: sheet "Sheet1" has no row with two month headings in its first 50 rows; set '
            "the profile's header_row to the row of its headings.",
        ),
        (
            [["", "GMP", "Lancs", "Atlantis"], ["2017-07", 1, 2, 3]],
            {"force_areas": "across", "months": "down"},
            'f.xlsx: sheet "Sheet1" heading "Atlantis" (cell D1) is not a police force area of '
            "England and Wales; add the spelling under [values.force_area] in the profile, or "
            "list it under drop_columns if it is not data.",
        ),
        (
            [["", "Jul-17", "Aug-17"], ["", "Phone", "Chat"], ["Lancashire", 1, 2]],
            {"categories": "channel", "months": "across"},
            None,  # accepted: checked below that it is no rejection
        ),
        (
            [["Force", "", "Jul-17"], ["", "Phone", "Chat"], ["Lancashire", 1, 2]],
            {"categories": "channel", "label": "Force"},
            'f.xlsx: sheet "Sheet1" cell B2 ("Phone") has no month heading above it or to its '
            "left; fix the headings or the profile's [crosstab].",
        ),
    ],
)
def test_cells_a_crosstab_cannot_read_are_named(
    rows: list[list[object]], shape: dict[str, str], message: str | None
) -> None:
    if message is None:
        assert len(melt(rows, **shape).cells) == 2
    else:
        assert rejection(rows, **shape) == message


def test_sheet_names_read_as_months() -> None:
    assert sheet_month("Jul 2017") == date(2017, 7, 1)
    assert sheet_month(" 2017-08 ") == date(2017, 8, 1)
    assert sheet_month("July 2017") == date(2017, 7, 1)
    assert sheet_month("Summary") is None


def test_choosing_sheets() -> None:
    sheets = [("Summary", True), ("Jul 2017", True), ("Aug 2017", True), ("Workings", False)]
    months = choose_sheets("f.xlsx", sheets, None, "months")
    assert months.read == ["Jul 2017", "Aug 2017"]
    assert months.note() == (
        'Sheets not read: "Summary" (not named as a month), "Workings" (hidden).'
    )
    assert choose_sheets("f.xlsx", sheets, None, "* 2017").read == ["Jul 2017", "Aug 2017"]
    assert choose_sheets("f.xlsx", sheets, None, "all").read == ["Summary", "Jul 2017", "Aug 2017"]
    listed = choose_sheets("f.xlsx", sheets, None, ("workings",))
    assert listed.read == ["Workings"] and listed.explicit
    assert choose_sheets("f.xlsx", sheets, None, None).read == ["Summary"]
    with pytest.raises(FileRejected) as raised:
        choose_sheets("f.xlsx", sheets, None, ("Sep 2017",))
    assert raised.value.message == (
        'f.xlsx has no sheet "Sep 2017" (sheets found: "Summary", "Jul 2017", "Aug 2017", '
        '"Workings"); fix the profile\'s sheets or ask the partner to restore it.'
    )


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
        "XFD",
    ]

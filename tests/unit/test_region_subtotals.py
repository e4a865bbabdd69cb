"""Region subtotals in a crosstab: recognised, checked against their forces, never melted."""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.intake.crosstab.melt import SheetGrid
from flows.intake.crosstab.melted_file import melt_crosstab
from flows.intake.crosstab.regions import subtotal_of
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.sheets import SheetChoice


@pytest.mark.parametrize(
    ("label", "region"),
    [
        ("North West", "North West"),
        ("  north   west ", "North West"),
        ("North West region", "North West"),
        ("Total North West", "North West"),
        ("Yorkshire & the Humber", "Yorkshire and The Humber"),
        ("Wales", "Wales"),
        ("England", "England"),
        ("England & Wales", "England and Wales"),
    ],
)
def test_region_labels(label: str, region: str) -> None:
    found = subtotal_of(label)
    assert found is not None and found[0] == region


@pytest.mark.parametrize("label", ["Lancashire", "North Wales", "Total", "", 12, None, "West"])
def test_not_region_labels(label: object) -> None:
    assert subtotal_of(label) is None


def profile(force_areas: str, months: str) -> PartnerProfile:
    return PartnerProfile.model_validate(
        {
            "id": "t",
            "name": "t",
            "layout": "crosstab",
            "crosstab": {"force_areas": force_areas, "months": months},
        }
    )


def melted(rows: list[list[object]], force_areas: str = "down", months: str = "across"):  # type: ignore[no-untyped-def]
    return melt_crosstab(
        "f.xlsx", profile(force_areas, months), SheetChoice(["S"]), [SheetGrid("S", rows)]
    )


ACROSS: list[object] = ["Month", "Cumbria", "Lancashire", "North West", "Wales", "Gwent", "Total"]


def test_region_columns_are_checked_not_melted() -> None:
    table = melted(
        [ACROSS, [datetime(2017, 7, 1), 3, 12, 15, 5, 5, 20], ["Total", 3, 12, 15, 5, 5, 20]],
        force_areas="across",
        months="down",
    )
    assert sorted(table.frame["Force area"]) == ["Cumbria", "Gwent", "Lancashire"]
    subtotals = table.totals[table.totals["message"].str.startswith("Subtotal")]
    assert list(subtotals["message"]) == [
        "Subtotal for North West, Jul 2017, row 2 (cell D2): 15 sent, cells add up to 15",
        "Subtotal for North West, row 3 (cell D3): 15 sent, cells add up to 15",
        "Subtotal for Wales, Jul 2017, row 2 (cell E2): 5 sent, cells add up to 5",
        "Subtotal for Wales, row 3 (cell E3): 5 sent, cells add up to 5",
    ]


def test_a_wrong_region_row_is_a_failed_check_naming_its_row() -> None:
    table = melted(
        [
            ["Force area", datetime(2017, 7, 1), datetime(2017, 8, 1)],
            ["Cumbria", 3, 1],
            ["Lancashire", 12, 2],
            ["North West", 16, 3],
        ]
    )
    assert list(table.frame["Force area"]) == ["Cumbria"] * 2 + ["Lancashire"] * 2
    wrong = table.totals[table.totals["sent"] != table.totals["cells_add_up_to"]]
    assert list(wrong["message"]) == [
        "Subtotal for North West, Jul 2017, row 4 (cell B4): 16 sent, cells add up to 15"
    ]


def test_a_force_named_like_a_region_stays_a_force() -> None:
    """A profile spelling wins: a partner who writes "Wales" for one force can say so."""
    custom = PartnerProfile.model_validate(
        {
            "id": "t",
            "name": "t",
            "layout": "crosstab",
            "crosstab": {"force_areas": "down", "months": "across"},
            "values": {"force_area": {"Wales": "South Wales"}},
        }
    )
    rows: list[list[object]] = [["Force area", "Jul-17", "Aug-17"], ["Wales", 4, 5]]
    table = melt_crosstab("f.xlsx", custom, SheetChoice(["S"]), [SheetGrid("S", rows)])
    assert list(table.frame["Force area"]) == ["Wales", "Wales"]
    assert table.totals.empty

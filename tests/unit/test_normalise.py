"""Canonical areas and categories: a code per row, the vocabularies in order, counted by code."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.intake.normalise import normalise
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import CellTable
from flows.intake.reading.column_building import cell_column
from flows.ledger.loading import contact_counts, staging_frame

PROFILE = PartnerProfile(
    id="codes",
    name="Codes",
    layout="records",
    columns={
        "contact_ref": "Ref",
        "contact_date": "Date",
        "force_area": "Force",
        "caller_type": "Caller",
        "channel": "Method",
    },
)
ROWS: list[list[object]] = [
    ["R1", date(2018, 1, 3), "Kent", "Child", "phone"],
    ["R2", date(2018, 1, 9), "Nowhere Constabulary", None, "carrier pigeon"],
    ["R3", date(2018, 2, 1), None, "parent or carer", "Phone"],
    ["R4", date(2018, 1, 20), "kent", "child", "phone"],
]


def table(rows: list[list[object]]) -> CellTable:
    headings = list(PROFILE.columns.values())
    columns = {}
    for position, heading in enumerate(headings):
        cells = np.empty(len(rows), dtype=object)
        cells[:] = [row[position] for row in rows]
        columns[heading] = cell_column(cells)
    return CellTable(columns, np.arange(2, len(rows) + 2), "Contacts", 1, headings)


def test_areas_and_categories_are_categoricals_of_the_canonical_terms() -> None:
    frame = normalise(table(ROWS), PROFILE, ForceAreaResolver(load_force_areas())).frame
    assert isinstance(frame["force_code"].dtype, pd.CategoricalDtype)
    assert frame["force_code"].tolist()[::3] == ["E23000032", "E23000032"]  # Kent, kent
    assert frame["force_code"].iloc[1] == "Nowhere Constabulary"  # quoted by validation
    assert pd.isna(frame["force_code"].iloc[2])  # blank: the not-null rule names the row
    assert list(frame["caller_type"].cat.categories) == list(CALLER_TYPES)
    assert frame["caller_type"].tolist() == ["child", "unknown", "parent or carer", "child"]
    assert list(frame["channel"].cat.categories) == list(CHANNELS)
    assert frame["channel"].tolist() == ["phone", "unknown", "phone", "phone"]


def test_counts_are_summed_for_the_combinations_present_only() -> None:
    normalised = normalise(table(ROWS), PROFILE, ForceAreaResolver(load_force_areas()))
    every = pd.Series(True, index=normalised.frame.index)
    counts = contact_counts(staging_frame(normalised, every))
    assert counts["month"].dt.strftime("%Y-%m").tolist() == ["2018-01", "2018-01", "2018-02"]
    assert counts["force_code"].tolist()[:2] == ["E23000032", "Nowhere Constabulary"]
    assert pd.isna(counts["force_code"].iloc[2])
    assert counts["caller_type"].tolist() == ["child", "unknown", "parent or carer"]
    assert counts["channel"].tolist() == ["phone", "unknown", "phone"]
    assert counts["contacts"].tolist() == [2, 1, 1]  # 3 rows, not every category crossed

"""A crosstab partner file melted: each chosen sheet into the counts shape, months sent twice
refused, the partner's Totals set aside for validation, and the text checked on the way in.

The reading child opens the file and sends back each chosen sheet's grid
(flows.intake.reading.grid_reading); everything here works on those grids, through
flows.intake.crosstab.melt's pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.core.safe_text import clean_text
from flows.intake.crosstab.melt import CrosstabReading, MeltedSheet, SheetGrid, as_grid, melt_sheet
from flows.intake.personal_data import check_values
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.column_building import blank_cells
from flows.intake.reading.header_tables import RawTable, heading_key
from flows.intake.reading.sheets import SheetChoice


@dataclass(frozen=True)
class CrosstabTable(RawTable):
    """The melted figures as a counts table, plus what only a crosstab has."""

    totals: pd.DataFrame = field(default_factory=pd.DataFrame)  # sent, cells_add_up_to, message
    total_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    notes: tuple[str, ...] = ()  # for the feedback report, e.g. the sheets not read


def crosstab_reading(profile: PartnerProfile, name_sheets: bool) -> CrosstabReading:
    assert profile.crosstab is not None  # the profile's validator guarantees it
    areas = load_force_areas()
    resolver = ForceAreaResolver(areas, profile.values.force_area)
    region_by_code = {area.code: area.region for area in areas}

    def region_of(label: object) -> str | None:
        code = resolver.resolve(label)
        return None if code is None else region_by_code[code]

    return CrosstabReading(
        shape=profile.crosstab,
        header_row=profile.header_row,
        label=profile.columns.get(profile.crosstab.down),
        dropped=frozenset(heading_key(h) for h in profile.drop_columns),
        is_force_area=lambda value: resolver.resolve(value) is not None,
        name_sheets=name_sheets,
        region_of=region_of,
    )


def crosstab_options(profile: PartnerProfile) -> dict[str, object]:
    """What the reading child needs from the profile beyond the common reading keys."""
    assert profile.crosstab is not None  # the profile's validator guarantees it
    return {
        "sheets": profile.sheets,
        "months_from_sheet_names": profile.crosstab.months == "sheet name",
    }


def melt_crosstab(
    file_name: str, profile: PartnerProfile, choice: SheetChoice, grids: list[SheetGrid]
) -> CrosstabTable:
    """Each sheet melted, empty ones set aside (unless named one by one), each month once."""
    reading = crosstab_reading(profile, name_sheets=len(grids) > 1)
    ignored, melted = list(choice.ignored), []
    for grid in grids:
        cells = as_grid(grid.rows)
        if not choice.explicit and grid.name and not _filled(cells):
            ignored.append((grid.name, "empty"))
            continue
        melted.append(melt_sheet(file_name, replace(grid, rows=cells), reading))
    if not melted:
        raise FileRejected(f"{file_name}: every sheet it reads is empty; ask for the data.")
    _each_month_once(file_name, melted)
    note = SheetChoice([], ignored).note()
    first = next(grid.name for grid in grids if grid.name not in {n for n, _ in ignored})
    return _as_table(file_name, profile, melted, first, (note,) if note else ())


def _filled(cells: np.ndarray) -> bool:
    return bool(cells.size) and not bool(blank_cells(cells).all())


def _each_month_once(file_name: str, melted: list[MeltedSheet]) -> None:
    seen: dict[object, str] = {}
    for sheet in melted:
        for month, where in sheet.months.items():
            earlier = seen.setdefault(month, where)
            if earlier != where:
                raise FileRejected(
                    f"{file_name}: {earlier} and {where} both hold {month:%B %Y}; send each "
                    "month once (remove one of them, or correct its month)."
                )


def _as_table(
    file_name: str,
    profile: PartnerProfile,
    melted: list[MeltedSheet],
    sheet: str | None,
    notes: tuple[str, ...],
) -> CrosstabTable:
    """One counts table in the columns profile.table_columns names, text made safe."""
    names = profile.table_columns
    assert profile.crosstab is not None
    category = profile.crosstab.categories
    frame = pd.concat([sheet.cells for sheet in melted], ignore_index=True)
    columns = {"month": names["month"], "force_area": names["force_area"]}
    columns |= {"contacts": names["contacts"]} | ({"category": names[category]} if category else {})
    frame = frame[list(columns)].rename(columns=columns)
    for column in frame.columns:
        frame[column] = frame[column].map(lambda v: clean_text(v) if isinstance(v, str) else v)
    rows = np.concatenate([sheet.cell_rows for sheet in melted]).astype(np.int64)
    text_columns = [columns["force_area"], *([columns["category"]] if category else [])]
    check_values(file_name, {c: frame[c] for c in text_columns}, rows)
    totals = pd.concat([sheet.totals for sheet in melted], ignore_index=True)
    totals["message"] = totals["message"].map(clean_text)
    headings = [clean_text(h) for sheet in melted for h in sheet.headings]
    return CrosstabTable(
        frame,
        rows,
        sheet,
        melted[0].header_row,
        headings,
        totals=totals,
        total_rows=np.concatenate([sheet.total_rows for sheet in melted]).astype(np.int64),
        notes=notes,
    )

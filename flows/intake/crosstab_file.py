"""Reading a crosstab partner file: each chosen sheet melted into the counts shape, months sent
twice refused, the partner's Totals set aside for validation, and the text checked on the way in.

The file is opened in flows.intake.readers (spreadsheets) or here (a CSV is one small grid);
everything after that is flows.intake.crosstab's pure functions over each sheet's grid."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.column_building import blank_cells
from flows.intake.crosstab import CrosstabReading, MeltedSheet, SheetGrid, as_grid, melt_sheet
from flows.intake.csv_tables import BOMS, csv_error, sniff_delimiter
from flows.intake.guards import check_file_before_parsing
from flows.intake.header_tables import RawTable, heading_key
from flows.intake.personal_data import check_values
from flows.intake.profiles import PartnerProfile
from flows.intake.readers import read_sheet_grids
from flows.intake.sheets import SheetChoice, choose_sheets

# Force areas down a sheet are a few dozen rows and months down some hundreds: a "crosstab" of
# more rows is a long table under the wrong profile, and is refused before any row is melted.
MAX_CROSSTAB_ROWS = 10_000


@dataclass(frozen=True)
class CrosstabTable(RawTable):
    """The melted figures as a counts table, plus what only a crosstab has."""

    totals: pd.DataFrame = field(default_factory=pd.DataFrame)  # sent, cells_add_up_to, message
    total_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    notes: tuple[str, ...] = ()  # for the feedback report, e.g. the sheets not read


def crosstab_reading(profile: PartnerProfile, name_sheets: bool) -> CrosstabReading:
    assert profile.crosstab is not None  # the profile's validator guarantees it
    resolver = ForceAreaResolver(load_force_areas(), profile.values.force_area)
    return CrosstabReading(
        shape=profile.crosstab,
        header_row=profile.header_row,
        label=profile.columns.get(profile.crosstab.down),
        dropped=frozenset(heading_key(h) for h in profile.drop_columns),
        is_force_area=lambda value: resolver.resolve(value) is not None,
        name_sheets=name_sheets,
    )


def read_crosstab_file(path: Path, profile: PartnerProfile, settings: Settings) -> CrosstabTable:
    """The crosstab's figures as counts rows; any problem is one FileRejected sentence.

    Two halves: crosstab_grids opens the file (what a contained reader runs), melt_crosstab
    works on the grids it returns and needs nothing else from the file."""
    choice, grids = crosstab_grids(path, profile, settings.max_uncompressed_bytes)
    return melt_crosstab(path.name, profile, choice, grids)


def crosstab_grids(
    path: Path, profile: PartnerProfile, max_uncompressed_bytes: int
) -> tuple[SheetChoice, list[SheetGrid]]:
    """The guards, the sheets the profile chooses, and each one's cells and merged ranges."""
    check_file_before_parsing(path, max_uncompressed_bytes=max_uncompressed_bytes)
    assert profile.crosstab is not None  # the profile's validator guarantees it
    if path.suffix.lower() == ".csv":
        if profile.crosstab.months == "sheet name":
            raise FileRejected(
                f"{path.name} is a CSV file, which has no sheet names to take months from; ask "
                "the partner for the workbook, or change the profile's [crosstab] months."
            )
        choice, grids = SheetChoice([]), [SheetGrid(None, _csv_rows(path, profile.encoding))]
    else:
        chosen: list[SheetChoice] = []

        def choose(sheets: list[tuple[str, bool]]) -> list[str]:
            chosen.append(choose_sheets(path.name, sheets, profile.sheet, profile.sheets))
            return chosen[0].read

        named = read_sheet_grids(path, choose, max_uncompressed_bytes=max_uncompressed_bytes)
        choice = chosen[0]
        grids = [SheetGrid(name, rows, merged=merged) for name, rows, merged in named]
    for grid in grids:
        if len(grid.rows) > MAX_CROSSTAB_ROWS:
            where = f'sheet "{grid.name}"' if grid.name else "it"
            raise FileRejected(
                f"{path.name}: {where} has {len(grid.rows):,} rows, more than a crosstab of "
                f"{MAX_CROSSTAB_ROWS:,} rows can be; check the profile's layout."
            )
    return choice, grids


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


def _csv_rows(path: Path, encoding: str) -> list[list[str]]:
    """A CSV crosstab's cells, all text; at most MAX_CROSSTAB_ROWS + 1 rows are read."""
    with path.open("rb") as handle:  # a byte-order mark outranks the profile's encoding
        start = handle.read(3)
    encoding = next((enc for bom, enc in BOMS if start.startswith(bom)), encoding)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            lines = list(itertools.islice(handle, MAX_CROSSTAB_ROWS + 1))
        return [list(row) for row in csv.reader(lines, delimiter=sniff_delimiter(lines[:50]))]
    except (UnicodeError, LookupError, csv.Error) as error:
        raise csv_error(path, encoding, error) from None

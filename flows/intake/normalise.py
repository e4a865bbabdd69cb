"""From a partner's table to the canonical contact frame both layouts share.

Every step works on whole columns: dates and counts in flows.intake.cell_parsing, and force
areas, caller types and channels with one lookup per distinct spelling (Arrow's dictionary
encoding finds them), so a million rows cost a few array passes, not a million Python calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.core.canonical import CALLER_TYPES, CHANNELS, UNKNOWN, NormalisedFile
from flows.core.force_areas import ForceAreaResolver, spelling_key
from flows.intake.cell_parsing import cells_of, count_cells, date_cells, month_cells
from flows.intake.kept_cells import kept_cells
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import DATE, NUMBER, OTHER, TEXT, CellColumn, CellTable
from flows.intake.reading.header_tables import RawTable

_LARGEST_EXACT = 2**53


def cell_table(raw: RawTable) -> CellTable:
    """A table of Python values (a small one: a melted crosstab) as compact columns."""
    columns = {str(heading): cells_of(raw.frame[heading]) for heading in raw.frame.columns}
    return CellTable(columns, raw.row_numbers, raw.sheet, raw.header_row, list(raw.headings))


def normalise(
    table: CellTable | RawTable, profile: PartnerProfile, resolver: ForceAreaResolver
) -> NormalisedFile:
    if profile.layout == "crosstab":  # melted into counts columns as it was read
        return replace(normalise(table, profile.melted_as_counts(), resolver), layout="crosstab")
    if isinstance(table, RawTable):
        table = cell_table(table)
    cells = {role: table.columns[heading] for role, heading in profile.columns.items()}
    canonical: dict[str, object] = {}
    if profile.layout == "records":
        canonical["contact_ref"] = reference_text(cells["contact_ref"])
        days = date_cells(cells["contact_date"], profile.date_order)
        canonical["contact_date"] = days.astype("datetime64[ns]")
        canonical["month"] = days.astype("datetime64[M]").astype("datetime64[ns]")
    else:
        canonical["month"] = month_cells(cells["month"]).astype("datetime64[ns]")
        canonical["contacts"], _ = count_cells(cells["contacts"])
    canonical["force_code"] = resolve_force_areas(cells["force_area"], resolver)
    canonical["caller_type"] = categorise(
        cells.get("caller_type"), CALLER_TYPES, profile.values.caller_type
    )
    canonical["channel"] = categorise(cells.get("channel"), CHANNELS, profile.values.channel)
    frame = pd.DataFrame(canonical, index=pd.RangeIndex(len(table)))
    kept = {role: kept_cells(column) for role, column in cells.items()}
    return NormalisedFile(profile.layout, frame, table.row_numbers, kept, dict(profile.columns))


def display_text(column: CellColumn) -> pa.Array:
    """Every non-blank cell as text, as the partner would read it: numbers without a trailing
    ".0" when whole, dates as ISO text; null where blank."""
    text = column.text(TEXT, OTHER)
    kinds = column.kinds
    if column.numbers is not None and (kinds == NUMBER).any():
        numbers = column.numbers
        whole = (kinds == NUMBER) & np.isfinite(numbers) & (np.abs(numbers) <= _LARGEST_EXACT)
        whole &= numbers == np.floor(np.where(whole, numbers, 0))
        shown = np.full(len(column), None, dtype=object)
        shown[whole] = numbers[whole].astype(np.int64).astype(str)
        odd = (kinds == NUMBER) & ~whole
        shown[odd] = [str(float(n)) for n in numbers[odd]]  # fractions: rare in these columns
        text = pc.if_else(pa.array(kinds == NUMBER), pa.array(shown, pa.large_string()), text)
    if column.dates is not None and (kinds == DATE).any():
        dates = column.dates
        midnight = dates.astype("datetime64[D]") == dates
        shown = np.where(
            midnight,
            np.datetime_as_string(dates, unit="D"),
            np.char.replace(np.datetime_as_string(dates, unit="s"), "T", " "),
        )
        text = pc.if_else(pa.array(kinds == DATE), pa.array(shown, pa.large_string()), text)
    return text


def reference_text(column: CellColumn) -> pd.Series:
    """References as trimmed text in Unicode's composed form (NFC: "é" typed as e and an accent
    is the same reference as "é"); a reference typed as a number loses the spreadsheet's '.0'."""
    stripped = pc.utf8_trim_whitespace(display_text(column))
    if not pc.all(pc.string_is_ascii(stripped)).as_py():  # the usual case needs no pass
        stripped = pc.utf8_normalize(stripped, form="NFC")
    empty = pc.equal(pc.utf8_length(stripped), pa.scalar(0, pa.int64()))
    return text_series(pc.if_else(empty, pa.scalar(None, stripped.type), stripped))


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' own text dtype ("str")


def text_series(text: pa.Array) -> pd.Series:
    """An Arrow text array as a pandas "str" Series, wrapping its buffers (no conversion)."""
    return pd.Series(pd.arrays.ArrowStringArray(text, dtype=_TEXT))  # type: ignore[call-arg]


def _by_distinct(
    text: pa.Array, meaning: Callable[[str], str | None], categories: Sequence[str] = ()
) -> pd.Series:
    """`meaning` of each distinct text, spread over the column as a categorical: one call per
    distinct value, and a small code per row rather than a string (at 1M rows, about 18 MB
    less per column, and the counts group by codes). `categories` come first, in their order;
    blank cells and texts meaning None are missing."""
    encoded = pc.dictionary_encode(text)
    meanings = [meaning(value) for value in encoded.dictionary.to_pylist()]
    ordered = list(dict.fromkeys([*categories, *(m for m in meanings if m is not None)]))
    code_of: dict[str | None, int] = {category: code for code, category in enumerate(ordered)}
    lookup = np.array([code_of.get(m, -1) for m in meanings] + [-1], np.int32)  # -1: blank
    codes = lookup[encoded.indices.fill_null(len(meanings)).to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(ordered, dtype=_TEXT)))


def resolve_force_areas(column: CellColumn, resolver: ForceAreaResolver) -> pd.Series:
    """ONS codes; an unresolvable spelling is kept as written so validation can quote it."""

    def code(spelling: str) -> str | None:
        return resolver.resolve(spelling) or spelling.strip() or None

    return _by_distinct(display_text(column), code)


def categorise(
    column: CellColumn | None, vocabulary: tuple[str, ...], partner_map: Mapping[str, str]
) -> pd.Series | str:
    """Map to the fixed vocabulary; anything unmapped or blank becomes 'unknown', never dropped."""
    if column is None:
        return UNKNOWN
    lookup = {spelling_key(term): term for term in vocabulary}
    for spelling, term in partner_map.items():
        if spelling_key(term) in lookup:
            lookup[spelling_key(spelling)] = lookup[spelling_key(term)]
    terms = _by_distinct(
        display_text(column), lambda v: lookup.get(spelling_key(v), UNKNOWN), vocabulary
    )
    return terms.fillna(UNKNOWN)

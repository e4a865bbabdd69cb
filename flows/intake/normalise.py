"""From a partner's raw table to the canonical contact frame both layouts share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from flows.core.canonical import CALLER_TYPES, CHANNELS, UNKNOWN, NormalisedFile
from flows.core.force_areas import ForceAreaResolver, spelling_key
from flows.intake.cell_parsing import parse_counts, parse_dates, parse_months
from flows.intake.header_tables import RawTable
from flows.intake.profiles import PartnerProfile


def normalise(
    raw: RawTable, profile: PartnerProfile, resolver: ForceAreaResolver
) -> NormalisedFile:
    if profile.layout == "crosstab":  # melted into counts columns as it was read
        return replace(normalise(raw, profile.melted_as_counts(), resolver), layout="crosstab")
    frame = raw.frame.reset_index(drop=True)
    headings = dict(profile.columns)
    raw_values = {role: frame[heading] for role, heading in profile.columns.items()}
    canonical = pd.DataFrame(index=frame.index)
    if profile.layout == "records":
        canonical["contact_ref"] = as_reference_text(frame[profile.columns["contact_ref"]])
        dates, _ = parse_dates(
            frame[profile.columns["contact_date"]], date_order=profile.date_order
        )
        canonical["contact_date"] = dates
        canonical["month"] = dates.dt.to_period("M").dt.to_timestamp()
    else:
        months, _ = parse_months(frame[profile.columns["month"]])
        canonical["month"] = months
        counts, _ = parse_counts(frame[profile.columns["contacts"]])
        canonical["contacts"] = counts
    canonical["force_code"] = resolve_force_areas(frame[profile.columns["force_area"]], resolver)
    canonical["caller_type"] = categorise(
        frame.get(profile.columns.get("caller_type", "")), CALLER_TYPES, profile.values.caller_type
    )
    canonical["channel"] = categorise(
        frame.get(profile.columns.get("channel", "")), CHANNELS, profile.values.channel
    )
    return NormalisedFile(profile.layout, canonical, raw.row_numbers, raw_values, headings)


def as_reference_text(values: pd.Series) -> pd.Series:
    """References as trimmed text; a reference typed as a number loses the spreadsheet's '.0'."""

    def to_text(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    kinds = values.map(type)
    if bool(kinds.map(lambda kind: kind is str).all()):  # the usual case: one vectorised strip
        stripped = values.str.strip()
        return stripped.where(stripped != "", None).astype("object")
    return values.map(to_text).astype("object")


def resolve_force_areas(values: pd.Series, resolver: ForceAreaResolver) -> pd.Series:
    """ONS codes; an unresolvable spelling is kept as written so validation can quote it."""
    codes = resolver.resolve_series(values)
    unresolved = codes.isna() & values.notna()
    if not unresolved.any():
        return codes
    text = values[unresolved].map(lambda v: str(v).strip() or None)
    return codes.where(~unresolved, text).astype("object")


def categorise(
    values: pd.Series | None, vocabulary: tuple[str, ...], partner_map: Mapping[str, str]
) -> pd.Series | str:
    """Map to the fixed vocabulary; anything unmapped or blank becomes 'unknown', never dropped."""
    if values is None:
        return UNKNOWN
    lookup = {spelling_key(term): term for term in vocabulary}
    for spelling, term in partner_map.items():
        if spelling_key(term) in lookup:
            lookup[spelling_key(spelling)] = lookup[spelling_key(term)]
    distinct = values.dropna().unique()
    mapping = {value: lookup.get(spelling_key(str(value)), UNKNOWN) for value in distinct}
    return values.map(mapping).astype("object").fillna(UNKNOWN)

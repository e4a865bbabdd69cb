"""The 43 police force areas and resolving partners' spellings of them to ONS codes."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from flows.core.resources import reference_dir

if TYPE_CHECKING:  # only for types: a report run need not import pandas for a scope's names
    import pandas as pd

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
# Partners often append the organisation type; the area is the same without it.
_ORGANISATION_SUFFIXES = ("policeservice", "constabulary", "police")


@dataclass(frozen=True)
class ForceArea:
    code: str
    name: str
    region: str
    aliases: tuple[str, ...]


def spelling_key(value: str) -> str:
    """Case- and punctuation-insensitive key: 'Devon & Cornwall' -> 'devonandcornwall'."""
    return _NOT_ALPHANUMERIC.sub("", value.lower().replace("&", "and"))


@cache
def load_force_areas() -> tuple[ForceArea, ...]:
    text = (reference_dir() / "force_areas.csv").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(
        ForceArea(
            code=row["code"],
            name=row["name"],
            region=row["region"],
            aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
        )
        for row in csv.DictReader(io.StringIO(body))
    )


# ONS region order (E12000001 to E12000009), then Wales, as published tables list them.
REGION_ORDER = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
)


@cache
def region_names() -> tuple[str, ...]:
    regions = {area.region for area in load_force_areas()}
    if regions != set(REGION_ORDER):
        raise ValueError(f"force_areas.csv regions differ from REGION_ORDER: {sorted(regions)}")
    return REGION_ORDER


class ForceAreaResolver:
    """Maps any known spelling (code, official name, alias, profile mapping) to one ONS code."""

    def __init__(self, areas: Iterable[ForceArea], profile_map: Mapping[str, str] | None = None):
        self._by_key: dict[str, str] = {}
        for area in areas:
            for spelling in (area.code, area.name, *area.aliases):
                self._by_key.setdefault(spelling_key(spelling), area.code)
        for partner_spelling, canonical in (profile_map or {}).items():
            code = self.resolve(canonical)
            if code is not None:
                self._by_key[spelling_key(partner_spelling)] = code

    def resolve(self, value: object) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        key = spelling_key(str(value))
        if not key:
            return None
        code = self._by_key.get(key)
        if code is None:
            for suffix in _ORGANISATION_SUFFIXES:
                if key.endswith(suffix) and len(key) > len(suffix):
                    code = self._by_key.get(key[: -len(suffix)])
                    if code is not None:
                        break
        return code

    def resolve_series(self, values: pd.Series) -> pd.Series:
        """Resolve each distinct value once: partner files repeat a few dozen spellings."""
        distinct = values.dropna().unique()
        mapping = {value: self.resolve(value) for value in distinct}
        codes = values.map(mapping).astype("object")
        return codes.where(codes.notna(), None)

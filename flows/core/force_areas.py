"""The 43 police force areas and resolving partners' spellings of them to ONS codes."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from flows.core.resources import reference_dir

if TYPE_CHECKING:  # only for types: a report run need not import pandas for a scope's names
    import pandas as pd

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
# Partners often append the organisation type; the area is the same without it.
_ORGANISATION_SUFFIXES = ("police service", "constabulary", "police")
_LOOSE_SUFFIXES = ("policeservice", "constabulary", "police")


def _look_up(table: dict[str, str], key: str, suffixes: tuple[str, ...]) -> str | None:
    """The code for the key, or for the key less an organisation suffix ("… Constabulary")."""
    code = table.get(key)
    for suffix in suffixes:
        if code is not None:
            break
        if key.endswith(suffix) and len(key) > len(suffix):
            code = table.get(key.removesuffix(suffix))
    return code


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


def matching_key(value: str) -> str:
    """The key force names are matched by: case and white space folded, "&" read as "and",
    and punctuation between words ignored ("Devon & Cornwall", "London, City of",
    "Dyfed-Powys"); every other character kept as it is, so an invisible character, a
    punctuation mark inside a word or a look-alike letter makes a different key."""
    text = value.casefold().replace("&", " and ")
    spaced = "".join(" " if _is_separator(c) else c for c in text)
    return " ".join(spaced.split())


def _is_separator(character: str) -> bool:
    return character.isspace() or unicodedata.category(character).startswith("P")


def _loose_key(value: str) -> str:
    """What a force name looks like to a reader: compatibility forms folded (full-width
    letters), invisible format characters dropped, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKC", value)
    return spelling_key("".join(c for c in text if unicodedata.category(c) != "Cf"))


@dataclass(frozen=True)
class NearMiss:
    """A spelling that only looks like a force area's name: which one, and why it is not it."""

    name: str
    why: str


class ForceAreaResolver:
    """Maps a known spelling (code, official name, alias, profile mapping) to one ONS code.

    Spellings match after case and white-space folding (matching_key); anything looser (an
    invisible character, punctuation inside a word, a Unicode look-alike) does not resolve,
    and near_miss says which force area it resembles and why it is not taken for it.
    """

    def __init__(self, areas: Iterable[ForceArea], profile_map: Mapping[str, str] | None = None):
        self._by_key: dict[str, str] = {}
        self._by_loose_key: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for area in areas:
            self._names[area.code] = area.name
            for spelling in (area.code, area.name, *area.aliases):
                self._by_key.setdefault(matching_key(spelling), area.code)
                self._by_loose_key.setdefault(_loose_key(spelling), area.code)
        for partner_spelling, canonical in (profile_map or {}).items():
            code = self.resolve(canonical)
            if code is not None:
                self._by_key[matching_key(partner_spelling)] = code
                self._by_loose_key.setdefault(_loose_key(partner_spelling), code)

    def resolve(self, value: object) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        key = matching_key(str(value))
        if not key:
            return None
        return _look_up(self._by_key, key, tuple(" " + s for s in _ORGANISATION_SUFFIXES))

    def near_miss(self, value: str) -> NearMiss | None:
        """The force area an unresolved spelling only looks like, and why it is not taken."""
        code = _look_up(self._by_loose_key, _loose_key(value), _LOOSE_SUFFIXES)
        if code is None:
            return None
        if any(unicodedata.category(c) == "Cf" for c in value):
            why = "an invisible character"
        elif unicodedata.normalize("NFKC", value) != value:
            why = "look-alike Unicode characters"
        else:
            why = "punctuation or spacing inside a word"
        return NearMiss(self._names[code], why)

    def resolve_series(self, values: pd.Series) -> pd.Series:
        """Resolve each distinct value once: partner files repeat a few dozen spellings."""
        distinct = values.dropna().unique()
        mapping = {value: self.resolve(value) for value in distinct}
        codes = values.map(mapping).astype("object")
        return codes.where(codes.notna(), None)

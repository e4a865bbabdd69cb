"""Region subtotals in a crosstab: a row labelled with an ONS region ("North West", "Wales") or
a country ("England", "England and Wales") adds up the force areas in it.

Partners really send this layout: each region's row (or column) after its forces. Such a row is
checked against its forces like a Total and never loaded (it would count them twice)."""

from __future__ import annotations

import re
from functools import cache

from flows.core.force_areas import REGION_ORDER, spelling_key

COUNTRIES = {
    "England": frozenset(REGION_ORDER) - {"Wales"},
    "England and Wales": frozenset(REGION_ORDER),
}
# "North West region", "Total North West", "North West subtotal": the region all the same.
_TOTAL_WORDS = re.compile(r"^(?:sub-?\s*)?totals?\s+|\s+(?:region|(?:sub-?\s*)?totals?)$", re.I)


@cache
def _subtotal_keys() -> dict[str, tuple[str, frozenset[str]]]:
    keys = {spelling_key(region): (region, frozenset({region})) for region in REGION_ORDER}
    keys |= {spelling_key(name): (name, regions) for name, regions in COUNTRIES.items()}
    return keys


def subtotal_of(value: object) -> tuple[str, frozenset[str]] | None:
    """The region (or country) a label names, and the ONS regions it adds up; None if none."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    for _ in range(2):  # "Total North West region"
        text = _TOTAL_WORDS.sub("", text.strip())
    return _subtotal_keys().get(spelling_key(text))

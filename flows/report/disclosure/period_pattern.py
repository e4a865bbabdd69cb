"""One suppression pattern per period, for every edition of every release that publishes it.

The 2018-H1 release publishes 2017-H2 as its previous period, and the 2017-H2 release published
it as its current period: both must hide the same cells, or the two releases together could pin
a count each protects on its own. So a pattern belongs to a period (and the figures it was
computed on), not to a release, and is stored once computed (report.disclosure.published_versions).

When a period's figures are revised after a pattern was published, the new pattern keeps every
cell an earlier pattern hid (while it is not zero) and never hides a cell an earlier pattern
published with the same value: hiding that would protect nothing, since readers have it already.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.core.periods import Period
from flows.report.disclosure.cell_suppression import protect
from flows.report.disclosure.lp_audit import DisclosureAuditFailed, audit_suppression
from flows.report.disclosure.relations import Relation

# Bump when the suppression method changes, so stored patterns are recomputed (and, through
# the rules above, never made less protective than what was published before).
METHOD_VERSION = 2


@dataclass(frozen=True)
class StoredPattern:
    """A pattern computed earlier for a period, with the figures it was computed on."""

    fingerprint: str
    cells: Mapping[str, int]
    hidden: frozenset[str]


@dataclass(frozen=True)
class SuppressionPattern:
    """The release's [c] cells, by linked-table key, for each of its two periods."""

    previous: frozenset[str]
    current: frozenset[str]

    def hides_change(self, key: str) -> bool:
        return key in self.previous or key in self.current

    def column(self, name: str) -> frozenset[str]:
        return self.previous if name == "previous" else self.current

    @property
    def size(self) -> int:
        return len(self.previous) + len(self.current)


def pattern_fingerprint(period: Period, cells: Mapping[str, int], threshold: int) -> str:
    """What a period's pattern depends on: the period, its figures, T and the method."""
    payload = json.dumps(
        [str(period), threshold, METHOD_VERSION, sorted(cells.items())], separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def carried_over(
    cells: Mapping[str, int], earlier: Sequence[StoredPattern]
) -> tuple[frozenset[str], frozenset[str]]:
    """What earlier patterns of the period impose: (cells to keep hidden, cells to keep shown)."""
    shown = frozenset(
        key
        for pattern in earlier
        for key, value in pattern.cells.items()
        if key in cells and key not in pattern.hidden and cells[key] == value
    )
    hidden = frozenset(
        key
        for pattern in earlier
        for key in pattern.hidden
        if key in cells and cells[key] > 0 and key not in shown
    )
    return hidden, shown


def period_pattern(
    period: Period,
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    earlier: Sequence[StoredPattern] = (),
) -> frozenset[str]:
    """Protect the period's linked table and audit the result in full before it is used."""
    forced, fixed = carried_over(cells, earlier)
    hidden = protect(cells, relations, threshold, forced=forced, fixed=fixed)
    result = audit_suppression(cells, relations, hidden, threshold)
    if not result.passed:
        worst = result.failures[0]
        raise DisclosureAuditFailed(
            f"Disclosure audit failed for {period}: suppressed cell {worst.cell} could be worked "
            f"out to within {worst.low:g}..{worst.high:g}; no workbook was written."
        )
    return hidden

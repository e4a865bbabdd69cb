"""Every published version of a period, protected and audited together.

A period is published more than once: first as the current period of its own release, again as
the previous period of the next one, and again each time a data manager issues a revised edition.
A reader who keeps every workbook holds every version, and each revised Cover names the force
areas whose figures changed. So the reader's system of equations has one unknown per suppressed
cell per version, every version's totals, and one more equation per cell of a force area the
Covers do not name as revised: that cell is the same in both versions. A change in a published
total then gives away the late count of the revised force area exactly, unless the revised
version hides enough around it.

This module builds that system as one linked table: each version's cells keyed
"v<version>#<key>", each version's relations, and an equality relation (a relation with one
member) between consecutive versions for every cell of an unrevised force area. The protection
(flows.report.disclosure.cell_suppression) and the linear-programming audit
(flows.report.disclosure.lp_audit) run on it unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from flows.core.periods import Period
from flows.report.disclosure.cell_suppression import protect
from flows.report.disclosure.linked_table import ALL, TOTAL, Area, cell_key, linked_relations
from flows.report.disclosure.lp_audit import DisclosureAuditFailed, UnprotectableCell, find_failures
from flows.report.disclosure.relations import Relation


@dataclass(frozen=True)
class VersionFigures:
    """One published version of a period: its figures and its [c] cells."""

    cells: Mapping[str, int]
    hidden: frozenset[str]


def versioned(number: int, key: str) -> str:
    return f"v{number}#{key}"


def unversioned(key: str) -> tuple[int, str]:
    number, _, cell = key.partition("#")
    return int(number[1:]), cell


def revised_forces(older: Mapping[str, int], newer: Mapping[str, int]) -> frozenset[str]:
    """The force areas ("force:<code>") with any cell that differs: what a revised Cover names."""
    return frozenset(
        key.partition("|")[0]
        for key in newer.keys() | older.keys()
        if key.startswith("force:") and older.get(key) != newer.get(key)
    )


def headline_cells(areas: Sequence[Area]) -> frozenset[str]:
    """England and Wales and every region's total: published in every version, never [c]."""
    regions = {area.region for area in areas}
    return frozenset({cell_key(ALL, TOTAL), *(cell_key(f"region:{r}", TOTAL) for r in regions)})


def history_table(
    period: Period, areas: Sequence[Area], versions: Sequence[Mapping[str, int]]
) -> tuple[dict[str, int], list[Relation]]:
    """Every version's cells and relations, linked wherever the Covers say nothing changed."""
    cells: dict[str, int] = {}
    relations: list[Relation] = []
    base = linked_relations(period, areas)
    for number, figures in enumerate(versions, start=1):
        cells.update({versioned(number, key): value for key, value in figures.items()})
        relations.extend(
            Relation(
                versioned(number, relation.total),
                tuple(versioned(number, member) for member in relation.members),
            )
            for relation in base
        )
        if number == 1:
            continue
        older = versions[number - 2]
        changed = revised_forces(older, figures)
        relations.extend(
            Relation(versioned(number, key), (versioned(number - 1, key),))
            for key in sorted(figures)
            if key.startswith("force:") and key.partition("|")[0] not in changed
        )
    return cells, relations


def _failure_message(period: Period, cell: str, low: float, high: float, what: str) -> str:
    number, key = unversioned(cell)
    return (
        f"Disclosure audit failed for {period}: {key} in version {number} of its figures could "
        f"be worked out to within {low:g}..{high:g} from {what}; no workbook was written."
    )


def audit_history(
    period: Period, areas: Sequence[Area], versions: Sequence[VersionFigures], threshold: int
) -> None:
    """Raise DisclosureAuditFailed, naming the cell, if any [c] of any version is too narrow."""
    cells, relations = history_table(period, areas, [version.cells for version in versions])
    hidden = [versioned(n, key) for n, v in enumerate(versions, start=1) for key in v.hidden]
    failures = find_failures(cells, relations, hidden, threshold)
    if failures:
        worst = failures[0]
        raise DisclosureAuditFailed(
            _failure_message(
                period, worst.cell, worst.low, worst.high, f"all {len(versions)} versions together"
            )
        )


def _determined(
    relations: Sequence[Relation], fixed: frozenset[str], forced: frozenset[str]
) -> frozenset[str]:
    """Fixed cells (zeros included: always shown), with every cell they determine.

    A cell is determined when the equations, with the fixed cells known, give its value whatever
    the other unknowns are: its unit vector lies in the row space of the system over the
    unknowns, that is, every vector of the system's null space is zero there. Hiding such a cell
    would protect nothing and only mislead the search, so it is shown (unless an earlier version
    forces it hidden: then the audit reports it).
    """
    from scipy.linalg import null_space  # deferred: only revisions need it

    unknown = sorted({key for r in relations for key in r.cells} - fixed)
    if not unknown:
        return fixed
    column = {key: i for i, key in enumerate(unknown)}
    rows = [r for r in relations if any(key in column for key in r.cells)]
    matrix = np.zeros((max(len(rows), 1), len(unknown)))
    for row, relation in enumerate(rows):
        for key, sign in ((relation.total, 1.0), *((m, -1.0) for m in relation.members)):
            if key in column:
                matrix[row, column[key]] = sign
    free = np.abs(null_space(matrix)).max(axis=1, initial=0.0) > 1e-9
    derived = {key for key, i in column.items() if not free[i] and key not in forced}
    return fixed | frozenset(derived)


def _protect_new_version(
    period: Period,
    table: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    forced: frozenset[str],
    fixed: frozenset[str] | set[str],
) -> frozenset[str]:
    """protect() on the history table. A complement the search picks can turn out pinned by the
    earlier versions (an equation across versions, not one relation, gives it away): such a
    cell protects nothing, so it is shown and the search runs again, a bounded number of times.
    """
    shown = set(fixed)
    for _ in range(len(table) + 1):
        # With no earlier version nothing links the cells beyond the period's own relations,
        # which the search already reads; the null space is worth its cost only for revisions.
        known = (
            _determined(relations, frozenset(shown), forced)
            if any(key.startswith("v2#") for key in table)
            else frozenset(shown)
        )
        try:
            return protect(table, relations, threshold, forced=forced, fixed=known)
        except UnprotectableCell as failed:
            if failed.cell in forced or failed.cell in known or table[failed.cell] < threshold:
                raise DisclosureAuditFailed(
                    f"{period}: the figures cannot be published safely with England and Wales "
                    f"and every region's total shown ({failed.message}) Leave the period as "
                    "published until more data arrive, or withdraw the late file."
                ) from None
            shown.add(failed.cell)
    raise AssertionError("no pattern found")  # pragma: no cover


def revision_pattern(
    period: Period,
    areas: Sequence[Area],
    cells: Mapping[str, int],
    earlier: Sequence[VersionFigures],
    threshold: int,
) -> frozenset[str]:
    """The [c] cells of a new version, protected jointly with every earlier one.

    Earlier versions are history: their [c] cells stay hidden and the rest stay shown. In the
    new version England and Wales and each region's total are shown (unless the version before
    hid one); a cell an earlier version hid stays hidden while it is not zero; a cell of an
    unrevised force area that the last version showed stays shown (readers have it). Only the
    new version's other cells can become complements.

    A first publication may have a region whose total is too small to publish beside the
    small counts inside it (see _first_version); that total then stays [c] in later versions
    too. A revision never hides a headline the version before showed: it is refused instead.
    """
    if not earlier:
        return _first_version(period, areas, cells, threshold)
    return _new_version(period, areas, cells, earlier, threshold)


def _first_version(
    period: Period, areas: Sequence[Area], cells: Mapping[str, int], threshold: int
) -> frozenset[str]:
    """The first pattern of a period, every headline shown where any safe pattern allows.

    Where none does (a sparse region of two force areas whose total would give away the small
    counts inside it), region totals are let go smallest first, one more at each try, so only
    the regions that need it lose their headline; England and Wales's total is never let go.
    """
    regions = sorted(
        headline_cells(areas) - {cell_key(ALL, TOTAL)}, key=lambda key: (cells.get(key, 0), key)
    )
    for count in range(len(regions) + 1):
        try:
            let_go = frozenset(regions[:count])
            return _new_version(period, areas, cells, (), threshold, let_go=let_go)
        except DisclosureAuditFailed:
            continue
    return protect(cells, linked_relations(period, areas), threshold)


def _new_version(
    period: Period,
    areas: Sequence[Area],
    cells: Mapping[str, int],
    earlier: Sequence[VersionFigures],
    threshold: int,
    let_go: frozenset[str] = frozenset(),
) -> frozenset[str]:
    number = len(earlier) + 1
    table, relations = history_table(period, areas, [*(v.cells for v in earlier), cells])
    forced = {versioned(n, key) for n, v in enumerate(earlier, start=1) for key in v.hidden}
    fixed = {versioned(n, k) for n, v in enumerate(earlier, start=1) for k in v.cells} - forced
    headline = headline_cells(areas) - (earlier[-1].hidden if earlier else frozenset()) - let_go
    fixed |= {versioned(number, key) for key in headline}
    if earlier:
        last = earlier[-1]
        changed = revised_forces(last.cells, cells)
        forced |= {versioned(number, key) for key in last.hidden if cells.get(key, 0) > 0}
        fixed |= {
            versioned(number, key)
            for key in cells
            if key not in last.hidden
            and key.startswith("force:")
            and key.partition("|")[0] not in changed
        }
    zeros = frozenset(key for key, value in table.items() if value == 0)
    hidden = _protect_new_version(
        period, table, relations, threshold, frozenset(forced), fixed | zeros
    )
    headline_hidden = sorted(key for key in hidden if key in fixed)
    if headline_hidden:
        raise DisclosureAuditFailed(
            f"{period}: {unversioned(headline_hidden[0])[1]} would have to be [c]; no workbook "
            "was written."
        )
    return frozenset(unversioned(key)[1] for key in hidden if unversioned(key)[0] == number)

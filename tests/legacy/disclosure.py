"""Statistical disclosure control: primary and secondary cell suppression over total relations.

Cells are published counts keyed by a string ("force:E23000002", "region:North West", "all").
A relation says that one published cell is the sum of others; a region total is a member of
the All areas relation as well as the total of its own, so relations overlap and form a
hierarchy. Each period column is protected on its own; the caller unions the two patterns for
the change columns.

- Primary: counts from 1 to T - 1 are suppressed.
- Secondary: in every relation holding a suppressed cell, complementary cells are suppressed
  until its k suppressed cells number at least two and sum to at least T + k - 1, repeated
  over all relations until nothing changes.
- Then the audit (report.disclosure.lp_audit) bounds every suppressed cell by linear programming.
  The relation-by-relation rule can still leave a cell pinned down across a hierarchy, so while
  the audit fails, the next cell is suppressed around the narrowest failing one and the rule
  and the audit run again. Suppressing everything connected always passes, so this ends with a
  pattern that passes the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flows.report.disclosure.relations import Relation, check_relations
from tests.legacy.disclosure_audit import FeasibleRange, find_failures


def primary_suppression(cells: Mapping[str, int], threshold: int) -> frozenset[str]:
    """Counts from 1 to threshold - 1.

    A zero is published: it says nobody in that area contacted the helpline, which identifies
    no one, and hiding it would only make readers wonder what the [c] stands for.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    negative = sorted(key for key, value in cells.items() if value < 0)
    if negative:
        raise ValueError(f"counts cannot be negative: {negative}")
    return frozenset(key for key, value in cells.items() if 0 < value < threshold)


def _preference(cells: Mapping[str, int], key: str) -> tuple[bool, int, str]:
    # Smallest first, so as little as possible is hidden, and ties go to the key so the pattern
    # never depends on dict or relation order. A zero comes last whatever its size: it has
    # nobody in it to protect, so hiding it costs readers a true figure for almost no cover
    # (any real count does at least as much), and under the rule it raises k without raising
    # the suppressed sum, moving the relation further from meeting it. A zero is taken only
    # when nothing else in the relation is left.
    value = cells[key]
    return (value == 0, value, key)


def _smallest(cells: Mapping[str, int], candidates: Iterable[str]) -> str:
    return min(candidates, key=lambda key: _preference(cells, key))


def _rule_met(values: Sequence[int], threshold: int) -> bool:
    k = len(values)
    return k >= 2 and sum(values) >= threshold + k - 1


def _ordered(relations: Sequence[Relation]) -> list[Relation]:
    return sorted(relations, key=lambda r: (r.total, tuple(sorted(r.members))))


def _apply_rule(
    cells: Mapping[str, int], relations: Sequence[Relation], threshold: int, hidden: set[str]
) -> None:
    """Suppress complements relation by relation until every relation meets the rule.

    Each pass that changes anything suppresses at least one more cell, so there can be at most
    len(cells) such passes; the bound is a guarantee, not a guess. A relation that cannot meet
    the rule even fully suppressed is left fully suppressed, and the audit decides.
    """
    ordered = _ordered(relations)
    for _ in range(len(cells) + 1):
        changed = False
        for relation in ordered:
            suppressed = [key for key in relation.cells if key in hidden]
            if not suppressed:
                continue
            while not _rule_met([cells[key] for key in suppressed], threshold):
                candidates = [key for key in relation.cells if key not in hidden]
                if not candidates:
                    break
                choice = _smallest(cells, candidates)
                hidden.add(choice)
                suppressed.append(choice)
                changed = True
        if not changed:
            return
    raise AssertionError("suppression rule did not reach a fixed point")  # pragma: no cover


def _next_around(
    cells: Mapping[str, int], relations: Sequence[Relation], hidden: set[str], cell: str
) -> str | None:
    """The smallest unsuppressed cell in the nearest relations to `cell` that still have one.

    First the relations the cell is in; if those are fully suppressed, the relations that
    share a cell with them, and so on outwards. None when everything connected is suppressed.
    """
    reached = {cell}
    remaining = list(_ordered(relations))
    while remaining:
        ring = [r for r in remaining if reached.intersection(r.cells)]
        if not ring:
            return None
        candidates = {key for r in ring for key in r.cells if key not in hidden}
        if candidates:
            return _smallest(cells, candidates)
        reached.update(key for r in ring for key in r.cells)
        remaining = [r for r in remaining if r not in ring]
    return None


def _widen(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    hidden: set[str],
    failures: Sequence[FeasibleRange],
) -> bool:
    """Suppress one more cell, the smallest next to any failing cell; False if none can be.

    Taking the smallest over all failures, rather than fixing the first failure, hides the
    least: a narrow pair is usually opened up as well by a small force next to one side as by
    a large region total next to the other.
    """
    choices = {_next_around(cells, relations, hidden, failure.cell) for failure in failures}
    choices.discard(None)
    if not choices:
        return False
    hidden.add(_smallest(cells, (choice for choice in choices if choice is not None)))
    return True


def secondary_suppression(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    primary: frozenset[str],
) -> frozenset[str]:
    """Every suppressed cell (primary included) once the rule and the audit are both satisfied.

    `primary` may hold cells above the threshold (a caller forcing a total hidden because it
    is hidden elsewhere); they are protected like any other suppressed cell.
    """
    unknown = sorted(primary - cells.keys())
    if unknown:
        raise ValueError(f"suppressed cells not in the table: {unknown}")
    check_relations(cells, relations)
    hidden = set(primary)
    # Every round suppresses at least one more cell or stops, so len(cells) + 1 rounds suffice.
    for _ in range(len(cells) + 1):
        _apply_rule(cells, relations, threshold, hidden)
        if not hidden:
            break
        failures = find_failures(cells, relations, frozenset(hidden), threshold)
        if not failures or not _widen(cells, relations, hidden, failures):
            # A failure that survives with everything around it suppressed is left for the
            # caller's own audit to report; it cannot be fixed by suppressing more.
            break
    return frozenset(hidden)


def suppress(
    cells: Mapping[str, int], relations: Sequence[Relation], threshold: int
) -> frozenset[str]:
    """Primary then secondary suppression: every cell to publish as [c]."""
    return secondary_suppression(cells, relations, threshold, primary_suppression(cells, threshold))

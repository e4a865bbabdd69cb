"""Statistical disclosure control: primary and secondary cell suppression over total relations.

Cells are published counts keyed by a string; a relation says that one published cell is the
sum of others. Relations overlap (a region total is a member of All areas and the total of its
own forces; a force's total is split by caller type, by channel and by month), so the whole
release of a period is one linked table (see report.disclosure.linked_table), protected at once.

- Primary: counts from 1 to T - 1 are suppressed. Zeros are published and never suppressed.
- Secondary: in every relation holding a suppressed cell, complementary cells are suppressed
  until its k suppressed cells number at least two and sum to at least T + k - 1, repeated
  over all relations until nothing changes. A complement is the cell that costs fewest hidden
  contacts: its own count plus, in each other relation it would open, the smallest cell that
  relation would then need (a one-step look-ahead).
- Then the audit (report.disclosure.lp_audit) bounds every suppressed cell by linear
  programming, component by component. The relation-by-relation rule can still leave a cell
  pinned down across the hierarchy, so while a component fails, the smallest cell next to a
  failing cell is suppressed too and the rule and the audit run again.
- Finally secondary cells are given back, largest first, wherever the rule and the audit still
  hold without them, so as little as possible stays hidden.

This follows what sdcTable's SIMPLEHEURISTIC and tau-ARGUS's linked-table ("global protection")
methods do: one constraint system for every table the release publishes, suppress, attack by
linear programming, repeat; at about a thousand cells per period it needs no decomposition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.report.disclosure.lp_audit import (
    RelationIndex,
    UnprotectableCell,
    component_failures,
)
from flows.report.disclosure.relations import Relation

# After this many widening rounds of one cell per failing component, every failing cell gets a
# neighbour each round: slower patterns converge in a few rounds instead of dozens, and the
# clean-up afterwards gives back what turns out not to be needed.
_SINGLE_STEP_ROUNDS = 3


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


def _rule_met(values: Sequence[int], threshold: int) -> bool:
    k = len(values)
    return k >= 2 and sum(values) >= threshold + k - 1


class _Protection:
    """One table's suppression search: which cells may be hidden, and the rule around them."""

    def __init__(self, index: RelationIndex, threshold: int, fixed: frozenset[str]) -> None:
        self.index = index
        self.cells = index.cells
        self.threshold = threshold
        self.fixed = fixed

    def hideable(self, key: str) -> bool:
        return self.cells[key] > 0 and key not in self.fixed

    def smallest(self, candidates: set[str] | list[str]) -> str:
        # Ties go to the key, so the pattern never depends on dict or relation order.
        return min(candidates, key=lambda key: (self.cells[key], key))

    def _cost(self, hidden: set[str], candidate: str, here: int) -> tuple[int, int, str]:
        """Contacts hidden by taking candidate, with the cheapest knock-on it would cause."""
        value = self.cells[candidate]
        knock_on = 0
        for number in self.index.holding[candidate]:
            if number == here:
                continue
            relation = self.index.relations[number]
            suppressed = [self.cells[key] for key in relation.cells if key in hidden]
            if suppressed and _rule_met([*suppressed, value], self.threshold):
                continue
            others = [
                self.cells[key]
                for key in relation.cells
                if key != candidate and key not in hidden and self.hideable(key)
            ]
            knock_on += min(others, default=0)
        return (value + knock_on, value, candidate)

    def apply_rule(self, hidden: set[str]) -> None:
        """Suppress complements relation by relation until every relation meets the rule.

        Each pass that changes anything suppresses at least one more cell, so there can be at
        most len(cells) such passes. A relation that cannot meet the rule with every non-zero
        cell hidden is left as it is, for the audit to decide.
        """
        for _ in range(len(self.cells) + 1):
            changed = False
            for number, relation in enumerate(self.index.relations):
                suppressed = [key for key in relation.cells if key in hidden]
                if not suppressed:
                    continue
                while not _rule_met([self.cells[key] for key in suppressed], self.threshold):
                    candidates = [
                        key for key in relation.cells if key not in hidden and self.hideable(key)
                    ]
                    if not candidates:
                        break
                    choice = min(candidates, key=lambda key: self._cost(hidden, key, number))
                    hidden.add(choice)
                    suppressed.append(choice)
                    changed = True
            if not changed:
                return
        raise AssertionError("suppression rule did not reach a fixed point")  # pragma: no cover

    def next_around(self, hidden: set[str], cell: str) -> str | None:
        """The smallest hideable cell in the nearest relations to `cell` that still have one."""
        reached, used = {cell}, set[int]()
        while True:
            ring = {n for key in reached for n in self.index.holding[key]} - used
            if not ring:
                return None
            members = {key for n in ring for key in self.index.relations[n].cells}
            candidates = {key for key in members if key not in hidden and self.hideable(key)}
            if candidates:
                return self.smallest(candidates)
            used |= ring
            reached |= members

    def rule_holds_around(self, hidden: set[str], cell: str) -> bool:
        for number in self.index.holding[cell]:
            relation = self.index.relations[number]
            suppressed = [self.cells[key] for key in relation.cells if key in hidden]
            if not suppressed or _rule_met(suppressed, self.threshold):
                continue
            if any(key not in hidden and self.hideable(key) for key in relation.cells):
                return False
        return True

    def audit_passes_around(self, hidden: set[str], touched: set[str]) -> bool:
        for cells, numbers in self.index.components(hidden):
            if touched.intersection(cells) and component_failures(
                self.index, cells, numbers, self.threshold
            ):
                return False
        return True


def _widen(
    protection: _Protection, hidden: set[str], passed: set[frozenset[str]], rnd: int
) -> bool:
    """Suppress around the failing cells of every component that fails the audit.

    Components only grow, so one that passed and has not changed need not be audited again.
    False when every component passes.
    """
    added = False
    for cells, numbers in protection.index.components(hidden):
        key = frozenset(cells)
        if key in passed:
            continue
        failures = component_failures(protection.index, cells, numbers, protection.threshold)
        if not failures:
            passed.add(key)
            continue
        choices = {protection.next_around(hidden, failure.cell) for failure in failures}
        found = sorted(choice for choice in choices if choice is not None)
        if not found:
            worst = failures[0]
            raise UnprotectableCell(
                f"Disclosure control cannot protect {worst.cell}: it could be worked out to "
                f"within {worst.low:g}..{worst.high:g} with every figure around it suppressed "
                "except zeros and figures already published; no workbook was written.",
                worst.cell,
            )
        if rnd > _SINGLE_STEP_ROUNDS:
            hidden.update(found)
        else:
            hidden.add(protection.smallest(found))
        added = True
    return added


def _give_back(protection: _Protection, hidden: set[str], kept: frozenset[str]) -> None:
    """Unsuppress secondary cells, largest first, wherever the rule and the audit still hold."""
    cells = protection.cells
    for key in sorted(hidden - kept, key=lambda k: (-cells[k], k)):
        hidden.discard(key)
        touched = {
            other
            for number in protection.index.holding[key]
            for other in protection.index.relations[number].cells
            if other in hidden
        }
        if not (
            protection.rule_holds_around(hidden, key)
            and protection.audit_passes_around(hidden, touched)
        ):
            hidden.add(key)


def protect(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    threshold: int,
    *,
    forced: frozenset[str] = frozenset(),
    fixed: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """Every cell to publish as [c]: primary, forced, and the secondary cells protecting them.

    `forced` cells are suppressed whatever their size (cells an earlier pattern of the same
    period hid); `fixed` cells are never chosen as complements (figures already published).
    The result passes the audit, or DisclosureAuditFailed is raised.
    """
    unknown = sorted((forced | fixed) - cells.keys())
    if unknown:
        raise ValueError(f"cells not in the table: {unknown}")
    index = RelationIndex(cells, relations)
    protection = _Protection(index, threshold, fixed)
    kept = primary_suppression(cells, threshold) | frozenset(k for k in forced if cells[k] > 0)
    hidden = set(kept)
    passed: set[frozenset[str]] = set()
    # Every round suppresses at least one more cell or stops, so len(cells) + 1 rounds suffice.
    for rnd in range(1, len(cells) + 2):
        protection.apply_rule(hidden)
        if not _widen(protection, hidden, passed, rnd):
            break
    _give_back(protection, hidden, kept)
    return frozenset(hidden)


def suppress(
    cells: Mapping[str, int], relations: Sequence[Relation], threshold: int
) -> frozenset[str]:
    """Primary then secondary suppression: every cell to publish as [c]."""
    return protect(cells, relations, threshold)

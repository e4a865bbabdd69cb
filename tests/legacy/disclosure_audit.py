"""The disclosure audit: how closely could a suppressed cell be worked out from the figures?

A reader who sees every published figure and knows every total relation can treat the
suppressed cells as unknowns in a system of linear equations. For each unknown, the smallest
and largest value it can take (non-negative, otherwise unconstrained) is the reader's best
bracket for it; if that bracket is narrower than T - 1 the cell is not protected, whatever the
suppression rule said. This is the standard linear-programming audit of a suppression pattern:
two linear programmes per suppressed cell, solved with HiGHS.

The audit treats the unknowns as continuous. That is slightly generous to the reader (real
counts are integers) but it is the usual convention, and an integer bracket is never wider than
the continuous one, so a pass here is a pass for integers too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from flows.report.disclosure.relations import Relation, check_relations

# HiGHS works to a feasibility tolerance of about 1e-7; the counts are integers, so anything
# within this of a whole number is that number, and a width within it of T - 1 is T - 1.
_TOLERANCE = 1e-6

# linprog status codes we act on (the rest mean the solver itself gave up).
_OPTIMAL = 0
_INFEASIBLE = 2
_UNBOUNDED = 3

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FeasibleRange:
    """The smallest and largest value a suppressed cell could take; high may be infinity."""

    cell: str
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class AuditResult:
    """Every suppressed cell's range (sorted by cell key) and those narrower than T - 1."""

    ranges: tuple[FeasibleRange, ...]
    failures: tuple[FeasibleRange, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def _ordered(relations: Sequence[Relation]) -> list[Relation]:
    # Row order changes nothing mathematically, but a fixed order keeps the solver's floating
    # point path, and so every reported bound, identical whatever order the caller used.
    return sorted(relations, key=lambda r: (r.total, tuple(sorted(r.members))))


def _equalities(
    cells: Mapping[str, int], relations: Sequence[Relation], hidden: Sequence[str]
) -> tuple[FloatArray, FloatArray]:
    """A x = b over the suppressed cells x: for each relation, total - sum(members) = 0.

    Published cells move to the right-hand side. Relations with no suppressed cell are left
    out: they constrain nothing the reader does not already see.
    """
    column = {key: i for i, key in enumerate(hidden)}
    rows: list[FloatArray] = []
    rhs: list[float] = []
    for relation in _ordered(relations):
        terms = [(relation.total, 1.0), *((member, -1.0) for member in relation.members)]
        if not any(key in column for key, _ in terms):
            continue
        row = np.zeros(len(hidden))
        published = 0.0
        for key, sign in terms:
            if key in column:
                row[column[key]] += sign
            else:
                published -= sign * cells[key]
        rows.append(row)
        rhs.append(published)
    a_eq = np.vstack(rows) if rows else np.zeros((0, len(hidden)))
    return a_eq, np.asarray(rhs, dtype=np.float64)


def _snap(value: float) -> float:
    """Round solver noise (2.9999999997) back to the whole number it stands for."""
    if not math.isfinite(value):
        return value
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < _TOLERANCE else value


class _Bracket:
    """Linear programmes over one suppression pattern, remembering every solution found.

    Each solution is a point the reader cannot rule out, and so is the true table. The lowest
    and highest value seen for a cell across those points is an inner bracket of its range:
    its true range is at least that wide. Two uses: a cell seen at zero has low = 0 exactly
    (x >= 0), so its minimisation is skipped; and a cell already seen spread over T - 1 or
    more passes without solving anything. Together they save most of the linear programmes.
    """

    def __init__(self, a_eq: FloatArray, b_eq: FloatArray, truth: FloatArray) -> None:
        self._a_eq = a_eq if b_eq.size else None
        self._b_eq = b_eq if b_eq.size else None
        self.seen_low = truth.copy()
        self.seen_high = truth.copy()

    def seen_width(self, i: int) -> float:
        return float(self.seen_high[i] - self.seen_low[i])

    def high(self, i: int, cell: str) -> float:
        return -self._optimum(i, -1.0, cell)

    def low(self, i: int, cell: str) -> float:
        if self.seen_low[i] <= _TOLERANCE:
            return 0.0
        return self._optimum(i, 1.0, cell)

    def _optimum(self, i: int, sense: float, cell: str) -> float:
        """min sense * x_i subject to A x = b, x >= 0; -inf when the reader has no bound."""
        from scipy.optimize import linprog  # deferred: scipy is slow to import, rarely needed

        objective = np.zeros(self.seen_low.size)
        objective[i] = sense
        result: Any = linprog(
            objective, A_eq=self._a_eq, b_eq=self._b_eq, bounds=(0, None), method="highs"
        )
        if result.status == _OPTIMAL:
            np.minimum(self.seen_low, result.x, out=self.seen_low)
            np.maximum(self.seen_high, result.x, out=self.seen_high)
            return float(result.fun)
        if result.status == _UNBOUNDED:
            # Only a maximisation can be unbounded (x >= 0 bounds every minimum). It happens
            # when the top total is itself suppressed: nothing published caps the cell, the
            # widest range there is, so it passes.
            return -math.inf
        if result.status == _INFEASIBLE:
            raise ValueError(f"the published figures around {cell} contradict each other")
        raise RuntimeError(f"disclosure audit could not bound {cell}: {result.message}")


def _prepare(
    cells: Mapping[str, int], relations: Sequence[Relation], suppressed: frozenset[str]
) -> tuple[list[str], _Bracket]:
    unknown = sorted(key for key in suppressed if key not in cells)
    if unknown:
        raise ValueError(f"suppressed cells not in the table: {unknown}")
    check_relations(cells, relations)
    hidden = sorted(suppressed)
    a_eq, b_eq = _equalities(cells, relations, hidden)
    truth = np.array([float(cells[key]) for key in hidden])
    return hidden, _Bracket(a_eq, b_eq, truth)


def _range(bracket: _Bracket, i: int, cell: str) -> FeasibleRange:
    high = bracket.high(i, cell)  # first: its solution often shows the cell at zero
    return FeasibleRange(cell, max(0.0, _snap(bracket.low(i, cell))), _snap(high))


def audit_suppression(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    suppressed: frozenset[str],
    threshold: int,
) -> AuditResult:
    """The exact feasible range of every suppressed cell, failing those narrower than T - 1.

    The equality system is built once; each cell then costs a maximisation and, unless some
    solution already showed the cell at zero, a minimisation (well under a millisecond each).
    """
    hidden, bracket = _prepare(cells, relations, suppressed)
    ranges = tuple(_range(bracket, i, key) for i, key in enumerate(hidden))
    needed = threshold - 1
    failures = tuple(r for r in ranges if r.width < needed - _TOLERANCE)
    return AuditResult(ranges, failures)


def find_failures(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    suppressed: frozenset[str],
    threshold: int,
) -> tuple[FeasibleRange, ...]:
    """The failures of audit_suppression (same ranges, same order), computed more cheaply.

    Cells the solutions found so far already show spread over T - 1 or more are passed
    without solving for their exact range. Meant for searching for a pattern, where the audit
    runs many times; the pattern found should still be audited in full before it is used.
    """
    hidden, bracket = _prepare(cells, relations, suppressed)
    needed = threshold - 1 - _TOLERANCE
    failures: list[FeasibleRange] = []
    for i, key in enumerate(hidden):
        if bracket.seen_width(i) >= needed:
            continue
        high = bracket.high(i, key)
        if bracket.seen_width(i) >= needed:
            continue
        candidate = FeasibleRange(key, max(0.0, _snap(bracket.low(i, key))), _snap(high))
        if candidate.width < needed:
            failures.append(candidate)
    return tuple(failures)

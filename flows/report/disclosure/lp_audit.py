"""The disclosure audit: how closely could a suppressed cell be worked out from the figures?

A reader who sees every published figure and knows every total relation can treat the
suppressed cells as unknowns in a system of linear equations. For each unknown, the smallest
and largest value it can take is the reader's best bracket for it; if that bracket is narrower
than T - 1 the cell is not protected, whatever the suppression rule said. This is the standard
linear-programming audit of a suppression pattern: two linear programmes per suppressed cell,
solved with HiGHS (highspy).

Every suppressed cell is at least 1: zeros are always published (a zero identifies nobody), so
a reader who sees [c] knows it stands for a count of one or more. The audit gives the reader
that knowledge, which makes it stricter than the textbook x >= 0: a pair hidden in a total of
5 ranges over 1..4, not 0..5.

Suppressed cells only meet through relations that hold more than one of them, so the system
splits into independent components (a Wales problem and a London problem never share an
equation); each is solved on its own, with sparse matrices.

The unknowns are continuous. That is slightly generous to the reader (real counts are
integers), the usual convention, and an integer bracket is never wider than the continuous one,
so a pass here is a pass for integers too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flows.core.errors import HelplineError
from flows.report.disclosure.relations import Relation, check_relations

# HiGHS works to a feasibility tolerance of about 1e-7; the counts are integers, so anything
# within this of a whole number is that number, and a width within it of T - 1 is T - 1.
_TOLERANCE = 1e-6
SMALLEST_SUPPRESSED = 1.0  # what every reader knows a [c] stands for at least

FloatArray = npt.NDArray[np.float64]


class DisclosureAuditFailed(HelplineError):
    """A suppressed figure could be worked out too closely from what the release publishes."""


class UnprotectableCell(DisclosureAuditFailed):
    """The search found no cell left to suppress around `cell`, which stays pinned."""

    def __init__(self, message: str, cell: str) -> None:
        super().__init__(message)
        self.cell = cell


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


class RelationIndex:
    """The relations of one table in a fixed order, and which relations hold each cell."""

    def __init__(self, cells: Mapping[str, int], relations: Sequence[Relation]) -> None:
        check_relations(cells, relations)
        self.cells = cells
        # A fixed order keeps the solver's floating point path, and so every reported bound,
        # identical whatever order the caller used.
        self.relations = sorted(relations, key=lambda r: (r.total, tuple(sorted(r.members))))
        self.holding: dict[str, list[int]] = {key: [] for key in cells}
        for number, relation in enumerate(self.relations):
            for key in relation.cells:
                self.holding[key].append(number)

    def components(self, hidden: Iterable[str]) -> list[tuple[list[str], list[int]]]:
        """Suppressed cells linked through shared relations, with the relations holding them."""
        parent = {key: key for key in hidden}

        def root(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        by_relation: dict[int, list[str]] = {}
        for key in sorted(parent):
            for number in self.holding[key]:
                by_relation.setdefault(number, []).append(key)
        for members in by_relation.values():
            first = root(members[0])
            for key in members[1:]:
                parent[root(key)] = first
        groups: dict[str, tuple[list[str], list[int]]] = {}
        for key in sorted(parent):
            groups.setdefault(root(key), ([], []))[0].append(key)
        for number in sorted(by_relation):
            groups[root(by_relation[number][0])][1].append(number)
        return list(groups.values())


def _snap(value: float) -> float:
    """Round solver noise (2.9999999997) back to the whole number it stands for."""
    if not math.isfinite(value):
        return value
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < _TOLERANCE else value


class _Component:
    """Linear programmes over one component, remembering every solution found.

    The equations are passed to HiGHS once; each bound then only changes the objective, so
    the solver starts from the last basis. Each solution is a point the reader cannot rule
    out, and so is the true table: the lowest and highest value seen for a cell across those
    points is an inner bracket of its range. A cell already seen at the lower bound skips its
    minimisation, and a cell already seen spread over T - 1 or more passes without solving.
    """

    def __init__(self, index: RelationIndex, hidden: list[str], numbers: list[int]) -> None:
        import highspy  # deferred: only builds with suppressed cells need a solver
        from scipy.sparse import csc_matrix

        column = {key: i for i, key in enumerate(hidden)}
        rows: list[int] = []
        columns: list[int] = []
        signs: list[float] = []
        rhs: list[float] = []
        for row, number in enumerate(numbers):
            relation = index.relations[number]
            published = 0.0
            for key, sign in ((relation.total, 1.0), *((m, -1.0) for m in relation.members)):
                if key in column:
                    rows.append(row)
                    columns.append(column[key])
                    signs.append(sign)
                else:
                    published -= sign * index.cells[key]
            rhs.append(published)
        matrix = csc_matrix((signs, (rows, columns)), shape=(len(numbers), len(hidden)))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(hidden), len(numbers)
        lp.col_cost_ = np.zeros(len(hidden))
        lp.col_lower_ = np.full(len(hidden), SMALLEST_SUPPRESSED)
        lp.col_upper_ = np.full(len(hidden), highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.asarray(rhs, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self._solver = highspy.Highs()  # type: ignore[no-untyped-call]
        self._solver.setOptionValue("output_flag", False)
        self._solver.passModel(lp)
        self._status = highspy.HighsModelStatus
        self._costed: int | None = None
        self.hidden = hidden
        truth = np.array([float(index.cells[key]) for key in hidden])
        self.seen_low = truth.copy()
        self.seen_high = truth.copy()

    def seen_width(self, i: int) -> float:
        return float(self.seen_high[i] - self.seen_low[i])

    def high(self, i: int) -> float:
        return -self._optimum(i, -1.0)

    def low(self, i: int) -> float:
        if self.seen_low[i] <= SMALLEST_SUPPRESSED + _TOLERANCE:
            return SMALLEST_SUPPRESSED
        return self._optimum(i, 1.0)

    def bracket(self, i: int) -> FeasibleRange:
        high = self.high(i)  # first: its solution often shows the cell at its lower bound
        low = max(SMALLEST_SUPPRESSED, _snap(self.low(i)))
        return FeasibleRange(self.hidden[i], low, _snap(high))

    def _solve(self) -> object:
        """Run HiGHS; when a warm start ends without a verdict (kUnknown, seen on degenerate
        systems), solve again from scratch, then once more without presolve."""
        self._solver.run()
        status = self._solver.getModelStatus()
        for option, value in (("solver", "simplex"), ("presolve", "off")):
            if status != self._status.kUnknown:
                break
            self._solver.clearSolver()
            self._solver.setOptionValue(option, value)
            self._solver.run()
            status = self._solver.getModelStatus()
        return status

    def _optimum(self, i: int, sense: float) -> float:
        """min sense * x_i subject to A x = b, x >= 1; -inf when the reader has no bound."""
        if self._costed is not None and self._costed != i:
            self._solver.changeColCost(self._costed, 0.0)
        self._solver.changeColCost(i, sense)
        self._costed = i
        status = self._solve()
        if status == self._status.kOptimal:
            values = np.asarray(self._solver.getSolution().col_value)
            np.minimum(self.seen_low, values, out=self.seen_low)
            np.maximum(self.seen_high, values, out=self.seen_high)
            return float(self._solver.getInfo().objective_function_value)
        if status in (self._status.kUnbounded, self._status.kUnboundedOrInfeasible):
            # The true table satisfies every equation, so the problem is feasible: unbounded.
            # Only a maximisation can be (x >= 1 bounds every minimum); it happens when a top
            # total is itself suppressed, the widest range there is, so it passes.
            return -math.inf
        if status == self._status.kInfeasible:
            raise ValueError(f"the published figures around {self.hidden[i]} contradict each other")
        raise RuntimeError(f"disclosure audit could not bound {self.hidden[i]}: {status}")


def _checked(index: RelationIndex, suppressed: Iterable[str]) -> list[str]:
    hidden = sorted(suppressed)
    unknown = [key for key in hidden if key not in index.cells]
    if unknown:
        raise ValueError(f"suppressed cells not in the table: {unknown}")
    zeros = [key for key in hidden if index.cells[key] == 0]
    if zeros:
        raise ValueError(f"zeros are published, never suppressed: {zeros}")
    return hidden


def audit_suppression(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    suppressed: Iterable[str],
    threshold: int,
) -> AuditResult:
    """The exact feasible range of every suppressed cell, failing those narrower than T - 1."""
    index = RelationIndex(cells, relations)
    ranges: list[FeasibleRange] = []
    for hidden, numbers in index.components(_checked(index, suppressed)):
        component = _Component(index, hidden, numbers)
        ranges.extend(component.bracket(i) for i in range(len(hidden)))
    ranges.sort(key=lambda r: r.cell)
    needed = threshold - 1 - _TOLERANCE
    return AuditResult(tuple(ranges), tuple(r for r in ranges if r.width < needed))


def component_failures(
    index: RelationIndex, hidden: list[str], numbers: list[int], threshold: int
) -> list[FeasibleRange]:
    """The failures among one component's cells, skipping cells already seen wide enough."""
    component = _Component(index, hidden, numbers)
    needed = threshold - 1 - _TOLERANCE
    failures: list[FeasibleRange] = []
    for i in range(len(hidden)):
        if component.seen_width(i) >= needed:
            continue
        high = component.high(i)
        if component.seen_width(i) >= needed:
            continue
        candidate = FeasibleRange(
            hidden[i], max(SMALLEST_SUPPRESSED, _snap(component.low(i))), _snap(high)
        )
        if candidate.width < needed:
            failures.append(candidate)
    return failures


def find_failures(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    suppressed: Iterable[str],
    threshold: int,
) -> tuple[FeasibleRange, ...]:
    """The failures of audit_suppression (same ranges, same order), computed more cheaply.

    Cells the solutions found so far already show spread over T - 1 or more are passed
    without solving for their exact range.
    """
    index = RelationIndex(cells, relations)
    failures: list[FeasibleRange] = []
    for hidden, numbers in index.components(_checked(index, suppressed)):
        failures.extend(component_failures(index, hidden, numbers, threshold))
    return tuple(sorted(failures, key=lambda r: r.cell))

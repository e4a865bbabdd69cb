"""An attacker's audit of a release, written without the report's own code.

It reads only what the editions publish (table rows, as laid out or as read back from the
workbooks), writes the sum relations from a force-area -> region map and the labels it sees,
adds what the change columns give away, and bounds every [c] by linear programming over both
periods at once: one HiGHS model, minimised and maximised for each [c] in turn. It shares
nothing with flows.report's relations, patterns or audit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import highspy
import numpy as np
from scipy.sparse import csc_matrix, vstack

Key = tuple[str, str, str]  # (period column, area, what)
Linear = dict[Key, float]
TOLERANCE = 1e-6
CATEGORY_TABLES = ("caller_types", "channels")


def area_of(scope: str) -> str:
    return "all" if scope == "national" else scope


@dataclass
class Attack:
    first_current: date
    known: dict[Key, int] = field(default_factory=dict)
    confidential: set[Key] = field(default_factory=set)
    equal: list[tuple[Linear, float]] = field(default_factory=list)
    at_most: list[tuple[Linear, float]] = field(default_factory=list)
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    problems: list[str] = field(default_factory=list)

    def see(self, key: Key, value: object) -> None:
        if value == "[c]":
            self.confidential.add(key)
        elif value == "[x]":
            return
        elif isinstance(value, int) and not isinstance(value, bool):
            if self.known.setdefault(key, value) != value:
                self.problems.append(f"{key} shown as {self.known[key]} and as {value}")
        else:
            self.problems.append(f"{key}: unexpected cell {value!r}")

    def change(self, previous: Key, current: Key, change: object, percent: object) -> None:
        if isinstance(change, int):
            self.equal.append(({current: 1.0, previous: -1.0}, float(change)))
        if isinstance(percent, float):
            self.percent(previous, current, percent)
        if percent == "[z]":
            self.equal.append(({previous: 1.0}, 0.0))

    def percent(self, previous: Key, current: Key, shown: float) -> None:
        """Change (%) rounded to one decimal: |100 (cur - prev) - shown prev| <= 0.05 prev."""
        slack = 0.05 + 1e-9
        self.at_most.append(({current: 100.0, previous: -100.0 - shown - slack}, 0.0))
        self.at_most.append(({current: -100.0, previous: 100.0 + shown - slack}, 0.0))

    def counted(self, area: str, what: str, cells: Sequence[object]) -> None:
        previous, current = ("previous", area, what), ("current", area, what)
        self.see(previous, cells[0])
        self.see(current, cells[1])
        self.change(previous, current, cells[2], cells[3])

    def edition(self, scope: str, tables: Mapping[str, Iterable[Sequence[object]]]) -> None:
        own = area_of(scope)
        for row in tables["force_areas"]:
            code, _, region, *cells = row
            self.counted(f"force:{code}", "total", cells[:4])
            difference, force_pct = cells[4], cells[3]
            if isinstance(difference, float):
                if not isinstance(force_pct, float):
                    self.problems.append(f"{scope}: difference for {code} without its change")
                    continue
                # Published as force % minus region %, both rounded: the region's rounded %.
                region_pct = round(force_pct - difference, 1)
                keys = (
                    ("previous", f"region:{region}", "total"),
                    ("current", f"region:{region}", "total"),
                )
                self.percent(*keys, region_pct)
        for row in tables.get("regions", ()):
            name, *cells = row
            area = "all" if name == "All areas" else f"region:{name}"
            self.counted(area, "total", cells)
        for table in CATEGORY_TABLES:
            for row in tables[table]:
                label, *cells = row
                what = "total" if label == "All contacts" else f"{table}:{str(label).lower()}"
                if what != "total":
                    self.labels[table].add(what)
                self.counted(own, what, cells)
        for label, value in tables["monthly_trend"]:
            month = datetime.strptime(str(label), "%B %Y").date()
            column = "current" if month >= self.first_current else "previous"
            self.labels[f"month:{column}"].add(f"month:{month.isoformat()}")
            self.see((column, own, f"month:{month.isoformat()}"), value)

    def relations(self, region_of: Mapping[str, str]) -> None:
        """Forces add up to regions and regions to All areas, for every total, category and
        month; each area's categories and months add up to its total."""
        regions = sorted(set(region_of.values()))
        areas = [f"force:{code}" for code in region_of] + [f"region:{r}" for r in regions] + ["all"]
        for column in ("previous", "current"):
            splits = [sorted(self.labels[t]) for t in CATEGORY_TABLES]
            splits.append(sorted(self.labels[f"month:{column}"]))
            for what in ["total", *(w for split in splits for w in split)]:
                for region in regions:
                    linear: Linear = {(column, f"region:{region}", what): 1.0}
                    for code, home in region_of.items():
                        if home == region:
                            linear[(column, f"force:{code}", what)] = -1.0
                    self.equal.append((linear, 0.0))
                linear = {(column, "all", what): 1.0}
                linear.update({(column, f"region:{r}", what): -1.0 for r in regions})
                self.equal.append((linear, 0.0))
            for area in areas:
                for split in splits:
                    linear = {(column, area, "total"): 1.0}
                    linear.update({(column, area, what): -1.0 for what in split})
                    self.equal.append((linear, 0.0))


@dataclass(frozen=True)
class Verdict:
    problems: list[str]
    both_ways: list[Key]  # shown as a number somewhere and as [c] elsewhere
    ranges: dict[Key, tuple[float, float]]
    failures: dict[Key, tuple[float, float]]


def _matrix(
    rows: list[tuple[Linear, float]], column: dict[Key, int], known: Mapping[Key, int]
) -> tuple[csc_matrix, np.ndarray]:
    """Rows over the unknowns in compressed-column form, published values moved to the right."""
    r, c, v, rhs = [], [], [], []
    for number, (linear, constant) in enumerate(rows):
        for key, coefficient in linear.items():
            if key in column:
                r.append(number)
                c.append(column[key])
                v.append(coefficient)
            else:
                constant -= coefficient * known.get(key, 0)
        rhs.append(constant)
    return csc_matrix((v, (r, c)), shape=(len(rows), len(column))), np.array(rhs)


def _solver(
    equal: tuple[csc_matrix, np.ndarray], at_most: tuple[csc_matrix, np.ndarray], lower: list[float]
) -> highspy.Highs:
    """One HiGHS model: equalities, then upper-bounded rows, columns at or above `lower`."""
    matrix = vstack([equal[0], at_most[0]]).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.zeros(matrix.shape[1])
    lp.col_lower_ = np.array(lower)
    lp.col_upper_ = np.full(matrix.shape[1], highspy.kHighsInf)
    lp.row_lower_ = np.concatenate([equal[1], np.full(len(at_most[1]), -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([equal[1], at_most[1]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = matrix.indptr, matrix.indices
    lp.a_matrix_.value_ = matrix.data
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no annotations
    solver.setOptionValue("output_flag", False)
    solver.passModel(lp)
    return solver


def _extreme(
    solver: highspy.Highs,
    j: int,
    sense: float,
    seen: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    solver.changeColCost(j, sense)
    solver.run()
    status = solver.getModelStatus()
    # A warm start on a degenerate system can end without a verdict: solve again from scratch.
    for option, setting in (("solver", "simplex"), ("presolve", "off")):
        if status != highspy.HighsModelStatus.kUnknown:
            break
        solver.clearSolver()
        solver.setOptionValue(option, setting)
        solver.run()
        status = solver.getModelStatus()
    value = sense * solver.getInfo().objective_function_value
    if seen is not None and status == highspy.HighsModelStatus.kOptimal:
        # Each solution is a table the reader cannot rule out: remember how far apart they go.
        point = np.asarray(solver.getSolution().col_value, dtype=float)
        np.minimum(seen[0], point, out=seen[0])
        np.maximum(seen[1], point, out=seen[1])
    solver.changeColCost(j, 0.0)  # after reading: changing the model clears its solution
    if status == highspy.HighsModelStatus.kOptimal:
        return value
    unbounded = (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    )
    if status in unbounded:
        return math.inf
    raise AssertionError(f"column {j}: {status}")


def _bounds(
    attack: Attack, threshold: int, smallest_confidential: float, exact: bool = True
) -> Verdict:
    """Every [c]'s range; with exact=False a [c] already seen spread over T - 1 or more in the
    feasible tables found so far is recorded with that inner bracket instead of being solved."""
    both_ways = sorted(attack.confidential & attack.known.keys())
    involved = {key for linear, _ in attack.equal + attack.at_most for key in linear}
    unknown = sorted((involved | attack.confidential) - attack.known.keys())
    column = {key: i for i, key in enumerate(unknown)}
    lower = [smallest_confidential if k in attack.confidential else 0.0 for k in unknown]
    solver = _solver(
        _matrix(attack.equal, column, attack.known),
        _matrix(attack.at_most, column, attack.known),
        lower,
    )
    ranges: dict[Key, tuple[float, float]] = {}
    seen_low = np.full(len(unknown), math.inf)
    seen_high = np.full(len(unknown), -math.inf)
    for key in sorted(attack.confidential - attack.known.keys()):
        j = column[key]
        if not exact and seen_high[j] - seen_low[j] >= threshold - 1:
            # Two feasible tables already differ this much here: wide enough, no need to solve.
            ranges[key] = (float(seen_low[j]), float(seen_high[j]))
            continue
        seen = None if exact else (seen_low, seen_high)
        ranges[key] = (_extreme(solver, j, 1.0, seen), _extreme(solver, j, -1.0, seen))
    failures = {k: r for k, r in ranges.items() if r[1] - r[0] < threshold - 1 - TOLERANCE}
    return Verdict(attack.problems, both_ways, ranges, failures)


def audit(
    editions: Mapping[str, Mapping[str, Iterable[Sequence[object]]]],
    region_of: Mapping[str, str],
    first_current: date,
    threshold: int,
    smallest_confidential: float = 1.0,
) -> Verdict:
    attack = Attack(first_current)
    for scope, tables in editions.items():
        attack.edition(scope, tables)
    attack.relations(region_of)
    return _bounds(attack, threshold, smallest_confidential)


def _tagged(tag: int, key: Key) -> Key:
    return (f"{tag}:{key[0]}", key[1], key[2])


def audit_versions(
    builds: Sequence[Mapping[str, Mapping[str, Iterable[Sequence[object]]]]],
    revised: Sequence[set[tuple[str, str]]],
    region_of: Mapping[str, str],
    first_current: date,
    threshold: int,
) -> Verdict:
    """Several builds of one release held together, as a reader who kept every workbook would.

    revised[i] holds the (column, force code) pairs the Cover of build i names as revised since
    build i - 1; every other force area's figure is the same in both builds, which the reader
    adds as an equation. Each build's own equations are kept apart by tagging its keys.
    """
    joint = Attack(first_current)
    seen: list[set[Key]] = []
    for tag, editions in enumerate(builds):
        attack = Attack(first_current)
        for scope, tables in editions.items():
            attack.edition(scope, tables)
        attack.relations(region_of)
        joint.problems.extend(f"build {tag}: {problem}" for problem in attack.problems)
        for key, value in attack.known.items():
            joint.known[_tagged(tag, key)] = value
        joint.confidential.update(_tagged(tag, key) for key in attack.confidential)
        for rows, into in ((attack.equal, joint.equal), (attack.at_most, joint.at_most)):
            into.extend(({_tagged(tag, k): v for k, v in lin.items()}, c) for lin, c in rows)
        keys = attack.known.keys() | attack.confidential
        keys |= {key for linear, _ in attack.equal for key in linear}
        seen.append(set(keys))
        if tag == 0:
            continue
        for key in sorted(seen[tag] & seen[tag - 1]):
            column, area, _ = key
            if area.startswith("force:") and (column, area[6:]) not in revised[tag]:
                joint.equal.append(({_tagged(tag, key): 1.0, _tagged(tag - 1, key): -1.0}, 0.0))
    return _bounds(joint, threshold, 1.0, exact=False)


def table_rows(tables: Iterable[object]) -> dict[str, list[list[object]]]:
    """Rows of tables laid out by flows.report.tables (objects with .name and .rows)."""
    return {t.name: [list(r) for r in t.rows] for t in tables}  # type: ignore[attr-defined]

"""The joint audit: every edition of a release, read as a reader holding all of them would.

Before any workbook of a period is written, every edition of the release (national, each
region, each force area) is laid out as tables, and each published cell is read back to the
linked-table cell it shows. The audit then checks that:
- every figure agrees with the release's figures, no count from 1 to T - 1 is shown, no zero is
  hidden, and a cell shown as [c] in one edition is [c] in every edition that shows it
  (otherwise the [c] protects nothing);
- Change and Change (%) are numbers only where both counts are, and the difference from the
  region's change only where the force area's and the region's changes are: then the change
  columns say nothing the counts do not, and the two periods share no equation;
- no [c] in either period can be worked out to within fewer than T - 1 contacts by linear
  programming over every total that links the published cells (flows.report.disclosure.lp_audit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.scope import Scope
from flows.report.disclosure.linked_table import (
    ALL,
    TOTAL,
    area_key,
    cell_key,
    force_key,
    linked_relations,
    month_what,
    region_key,
)
from flows.report.disclosure.lp_audit import DisclosureAuditFailed, FeasibleRange, find_failures
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures, edition_data
from flows.report.tables import ALL_AREAS, ALL_CONTACTS, CONFIDENTIAL, NOT_AVAILABLE, Table
from flows.report.tables import build_tables as layout_tables

COLUMNS = ("previous", "current")
_LABELS = {
    "caller_types": {c.capitalize(): f"caller_type:{c}" for c in CALLER_TYPES},
    "channels": {c.capitalize(): f"channel:{c}" for c in CHANNELS},
}


@dataclass
class _Reading:
    """What the editions publish, cell by cell, and anything inconsistent found on the way."""

    release: ReleaseFigures
    threshold: int
    shown: dict[tuple[str, str], set[object]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    differences: list[tuple[str, str]] = field(default_factory=list)  # (edition, region key)

    def count(self, edition: str, column: str, key: str, value: object) -> None:
        if value == NOT_AVAILABLE and column == "previous" and not self.release.previous_has_data:
            return
        actual = self.release.column(column).get(key)
        if value == CONFIDENTIAL and actual == 0:
            self.problems.append(f"{edition} shows {key} ({column}), a zero, as [c]")
        elif value != CONFIDENTIAL and value != actual:
            self.problems.append(f"{edition} shows {key} ({column}) as {value!r}")
        elif isinstance(value, int) and 0 < value < self.threshold:
            self.problems.append(f"{edition} shows {key} ({column}), a count below T, as {value}")
        self.shown.setdefault((column, key), set()).add(value)

    def row(self, edition: str, key: str, cells: Sequence[object]) -> None:
        """Two counts then Change and Change (%), as in every counted table."""
        previous, current, *changes = cells
        self.count(edition, "previous", key, previous)
        self.count(edition, "current", key, current)
        both = isinstance(previous, int) and isinstance(current, int)
        if not both and any(isinstance(value, int | float) for value in changes):
            self.problems.append(f"{edition} shows a change for {key} without both counts")

    def read(self, scope: Scope, tables: Iterable[Table]) -> None:
        edition, area = str(scope), area_key(scope)
        for table in tables:
            for cells in table.rows:
                if table.name == "force_areas":
                    key = cell_key(force_key(str(cells[0])), TOTAL)
                    self.row(edition, key, cells[3:7])
                    if isinstance(cells[7], float):
                        if not isinstance(cells[6], float):
                            self.problems.append(f"{edition} compares {key} without its change")
                        self.differences.append(
                            (edition, cell_key(region_key(str(cells[2])), TOTAL))
                        )
                elif table.name == "regions":
                    name = str(cells[0])
                    geo = ALL if name == ALL_AREAS else region_key(name)
                    self.row(edition, cell_key(geo, TOTAL), cells[1:])
                elif table.name in _LABELS:
                    label = str(cells[0])
                    what = TOTAL if label == ALL_CONTACTS else _LABELS[table.name][label]
                    self.row(edition, cell_key(area, what), cells[1:])
                else:
                    month = datetime.strptime(str(cells[0]), "%B %Y").date()
                    column = "current" if month >= self.release.period.first_month else "previous"
                    self.count(edition, column, cell_key(area, month_what(month)), cells[1])

    def hidden(self, column: str) -> frozenset[str]:
        return frozenset(
            k for (c, k), values in self.shown.items() if c == column and CONFIDENTIAL in values
        )

    def check(self) -> None:
        for (column, key), values in sorted(self.shown.items()):
            if CONFIDENTIAL in values and len(values) > 1:
                self.problems.append(f"{key} ({column}) is [c] in one edition and shown in another")
        for column in COLUMNS if self.release.previous_has_data else ("current",):
            missing = sorted(
                set(self.release.column(column)) - {k for c, k in self.shown if c == column}
            )
            if missing:
                self.problems.append(f"no edition shows {missing[0]} ({column})")
        hidden = {column: self.hidden(column) for column in COLUMNS}
        for edition, region in self.differences:
            if any(region in hidden[column] for column in COLUMNS):
                self.problems.append(f"{edition} compares with {region}, whose change is [c]")


def describe_cell(release: ReleaseFigures, column: str, key: str) -> str:
    """A linked-table cell in words: 'Dyfed-Powys, caller type child, Jul to Dec 2017'."""
    area, _, what = key.partition("|")
    names = {force_key(a.code): a.name for a in release.areas}
    where = "England and Wales" if area == ALL else names.get(area, area.partition(":")[2])
    period = release.period if column == "current" else release.period.previous()
    kind, _, value = what.partition(":")
    detail = {"total": "all contacts", "month": f"month {value[:7]}"}.get(
        kind, f"{kind.replace('_', ' ')} {value}"
    )
    return f"{where}, {detail}, {period.label}"


def audit_editions(
    release: ReleaseFigures, editions: Mapping[Scope, Iterable[Table]], threshold: int
) -> dict[str, frozenset[str]]:
    """Audit what the editions publish together; the [c] cells of each period if it passes."""
    reading = _Reading(release, threshold)
    for scope, tables in editions.items():
        reading.read(scope, tables)
    reading.check()
    hidden: dict[str, frozenset[str]] = {}
    failures: list[tuple[str, FeasibleRange]] = []
    for column in COLUMNS:
        hidden[column] = reading.hidden(column)
        period = release.period if column == "current" else release.period.previous()
        cells = release.column(column)
        # A zero shown as [c] is already a problem; the equations are about the counts 1 or more.
        counts = frozenset(key for key in hidden[column] if cells.get(key))
        relations = linked_relations(period, release.areas)
        found = find_failures(cells, relations, counts, threshold)
        failures.extend((column, failure) for failure in found)
    if failures:
        column, worst = failures[0]
        raise DisclosureAuditFailed(
            f"Disclosure audit failed for {release.period}: the [c] for "
            f"{describe_cell(release, column, worst.cell)} could be worked out to within "
            f"{worst.low:g} to {worst.high:g} from the editions together "
            f"({len(failures)} cell(s) at risk); no workbook was written."
        )
    if reading.problems:
        raise DisclosureAuditFailed(
            f"Disclosure audit failed for {release.period}: {reading.problems[0]} "
            f"({len(reading.problems)} problem(s)); no workbook was written."
        )
    return hidden


def release_tables(
    release: ReleaseFigures, pattern: SuppressionPattern
) -> dict[Scope, list[Table]]:
    """Every edition's tables, laid out exactly as its workbook will show them."""
    return {
        scope: layout_tables(edition_data(release, scope), pattern) for scope in release.scopes()
    }


def audit_release(release: ReleaseFigures, pattern: SuppressionPattern, threshold: int) -> int:
    """Lay out every edition with the release's pattern and audit them together.

    Returns how many editions were checked; raises DisclosureAuditFailed, naming the cell,
    if any figure could be worked out or the editions disagree.
    """
    editions = release_tables(release, pattern)
    hidden = audit_editions(release, editions, threshold)
    shown_hidden = SuppressionPattern(hidden["previous"], hidden["current"])
    if shown_hidden != pattern:
        raise DisclosureAuditFailed(
            f"Disclosure audit failed for {release.period}: the editions show [c] in other "
            "places than the release's pattern; no workbook was written."
        )
    return len(editions)

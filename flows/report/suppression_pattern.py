"""One suppression pattern per edition: computed on national figures, applied to every scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.core.errors import HelplineError
from flows.report.disclosure import secondary_suppression, suppress
from flows.report.disclosure_audit import audit_suppression
from flows.report.figures import AreaFigures, CategoryFigures, ReportData
from flows.report.relations import Relation


class DisclosureAuditFailed(HelplineError):
    """A suppressed figure could be worked out too closely from what the workbook publishes."""


@dataclass(frozen=True)
class SuppressionPattern:
    previous: frozenset[str]
    current: frozenset[str]

    def hides_change(self, key: str) -> bool:
        return key in self.previous or key in self.current

    def union(self, other: SuppressionPattern) -> SuppressionPattern:
        return SuppressionPattern(self.previous | other.previous, self.current | other.current)


def geographic_cells(
    areas: Sequence[AreaFigures], period: str
) -> tuple[dict[str, int], list[Relation]]:
    """Force areas, region totals and All areas for one period column, with their relations."""
    cells: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    for area in areas:
        value = area.previous if period == "previous" else area.current
        cells[f"force:{area.code}"] = value
        region = f"region:{area.region}"
        cells[region] = cells.get(region, 0) + value
        members.setdefault(region, []).append(f"force:{area.code}")
    cells["all"] = sum(cells[region] for region in members)
    relations = [Relation(region, tuple(keys)) for region, keys in members.items()]
    relations.append(Relation("all", tuple(members)))
    return cells, relations


def _audited(
    cells: Mapping[str, int],
    relations: Sequence[Relation],
    hidden: frozenset[str],
    threshold: int,
    what: str,
) -> frozenset[str]:
    result = audit_suppression(cells, relations, hidden, threshold)
    if not result.passed:
        worst = result.failures[0]
        raise DisclosureAuditFailed(
            f"Disclosure audit failed for {what}: suppressed cell {worst.cell} could be worked "
            f"out to within {worst.low:g}..{worst.high:g}; the workbook was not written."
        )
    return hidden


def national_pattern(national: ReportData, threshold: int) -> SuppressionPattern:
    if national.scope.kind != "national":
        raise ValueError("the edition's pattern is computed on national figures")
    hidden: dict[str, frozenset[str]] = {}
    for column in ("previous", "current"):
        cells, relations = geographic_cells(national.areas, column)
        pattern = suppress(cells, relations, threshold)
        hidden[column] = _audited(cells, relations, pattern, threshold, f"{column} period")
    return SuppressionPattern(hidden["previous"], hidden["current"])


def scope_total_key(data: ReportData) -> str:
    scope = data.scope
    return {"national": "all", "region": f"region:{scope.value}", "force": f"force:{scope.value}"}[
        scope.kind
    ]


def _breakdown_pattern(
    name: str,
    values: Mapping[str, int],
    total_hidden: bool,
    threshold: int,
) -> frozenset[str]:
    """Suppress a breakdown whose total is published elsewhere (or hidden there too)."""
    total_key = f"{name}:all"
    cells = {**values, total_key: sum(values.values())}
    relations = [Relation(total_key, tuple(values))]
    forced = frozenset({total_key}) if total_hidden else frozenset()
    primary = frozenset(key for key, v in values.items() if 0 < v < threshold) | forced
    hidden = secondary_suppression(cells, relations, threshold, primary)
    if total_key in hidden and not total_hidden:
        # The total is published in the geographic tables, so it cannot protect anything here.
        hidden = hidden - {total_key}
        if not audit_suppression(cells, relations, hidden, threshold).passed:
            hidden = frozenset(cells) - {total_key}
    return _audited(cells, relations, hidden, threshold, f"the {name} table") if hidden else hidden


def breakdown_pattern(
    data: ReportData, geographic: SuppressionPattern, threshold: int
) -> SuppressionPattern:
    """Caller types, channels and months within this workbook's scope."""
    total_key = scope_total_key(data)
    result: dict[str, set[str]] = {"previous": set(), "current": set()}
    for column in ("previous", "current"):
        total_hidden = total_key in getattr(geographic, column)
        for name, figures in (("caller_types", data.caller_types), ("channels", data.channels)):
            values = {f"{name}:{item.category}": _pick(item, column) for item in figures}
            result[column] |= _breakdown_pattern(name, values, total_hidden, threshold)
        first_current = data.period.first_month
        months = {
            f"month:{month.isoformat()}": contacts
            for month, contacts in data.months
            if (month >= first_current) == (column == "current")
        }
        result[column] |= _breakdown_pattern("month", months, total_hidden, threshold)
    return SuppressionPattern(frozenset(result["previous"]), frozenset(result["current"]))


def _pick(item: CategoryFigures, column: str) -> int:
    return item.previous if column == "previous" else item.current

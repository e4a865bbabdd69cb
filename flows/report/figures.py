"""The figures a six-monthly edition publishes, read from Postgres for one period and scope."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Connection

from flows.core.database import run_query
from flows.core.errors import NoDataForPeriod
from flows.core.periods import Period
from flows.core.scope import Scope


@dataclass(frozen=True)
class AreaFigures:
    code: str
    name: str
    region: str
    previous: int
    current: int


@dataclass(frozen=True)
class CategoryFigures:
    category: str
    previous: int
    current: int


@dataclass(frozen=True)
class ReportData:
    period: Period
    scope: Scope
    areas: tuple[AreaFigures, ...]
    caller_types: tuple[CategoryFigures, ...]
    channels: tuple[CategoryFigures, ...]
    months: tuple[tuple[date, int], ...]
    coverage: tuple[tuple[str, date], ...]  # (partner, month) pairs supplied
    revisions: tuple[tuple[str, str, str, str, int, int], ...]
    previous_has_data: bool

    def fingerprint(self) -> str:
        """A hash of every figure, so an unchanged edition can be recognised."""
        payload = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def period_bounds(period: Period) -> dict[str, date]:
    previous = period.previous()
    return {
        "previous_first": previous.first_month,
        "previous_last": previous.last_month,
        "current_first": period.first_month,
        "current_last": period.last_month,
    }


def read_report_data(connection: Connection, period: Period, scope: Scope) -> ReportData:
    bounds = period_bounds(period)
    codes = scope.force_codes
    coverage = tuple(
        (row.partner_id, row.month) for row in run_query(connection, "partner_coverage", **bounds)
    )
    current_months = {month for _, month in coverage if month >= period.first_month}
    if not current_months:
        raise NoDataForPeriod(
            f"No contacts are loaded for {period} ({period.long_label}); ingest the partners' "
            "files for it first."
        )
    sums: dict[str, dict[object, tuple[int, int]]] = defaultdict(dict)
    for row in run_query(connection, "contacts_in_scope", force_codes=codes, **bounds):
        key = row.month if row.breakdown == "month" else row.category
        sums[row.breakdown][key] = (int(row.previous), int(row.current))
    areas = tuple(
        AreaFigures(row.code, row.name, row.region, *sums["force_area"].get(row.code, (0, 0)))
        for row in run_query(connection, "force_areas_in_scope", force_codes=codes)
    )
    categories = {
        dimension: tuple(
            CategoryFigures(str(category), previous, current)
            for category, (previous, current) in sums[dimension].items()
        )
        for dimension in ("caller_type", "channel")
    }
    months = tuple(
        (month, sum(sums["month"].get(month, (0, 0))))
        for month in (*period.previous().months, *period.months)
    )
    since = run_query(
        connection, "last_edition_built_at", period=str(period.previous()), scope="national"
    ).scalar_one()
    revisions = tuple(
        (
            row.period,
            row.partner_id,
            row.force_name,
            row.action,
            int(row.previous_contacts),
            int(row.revised_contacts),
        )
        for row in run_query(
            connection,
            "revisions_for_periods",
            periods=[str(period), str(period.previous())],
            since=since or datetime(1970, 1, 1, tzinfo=UTC),
        )
    )
    previous_has_data = any(month <= bounds["previous_last"] for _, month in coverage)
    return ReportData(
        period,
        scope,
        areas,
        categories["caller_type"],
        categories["channel"],
        months,
        coverage,
        revisions,
        previous_has_data,
    )

"""Building one edition: figures, suppression, tables, Cover text, then the workbook file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.periods import Period
from flows.core.scope import NATIONAL, Scope
from flows.core.settings import Settings
from flows.report.cover_text import (
    SOURCE,
    chart_text,
    cover_sections,
    key_points,
    publication_date,
    workbook_title,
)
from flows.report.figures import ReportData, read_report_data
from flows.report.suppression_pattern import SuppressionPattern, breakdown_pattern, national_pattern
from flows.report.tables import (
    Cell,
    Table,
    category_table,
    force_areas_table,
    monthly_trend_table,
    region_totals,
    regions_table,
)
from flows.report.workbook import write_workbook


@dataclass(frozen=True)
class Edition:
    period: Period
    scope: Scope
    path: Path
    sha256: str
    headline: tuple[tuple[str, Cell, Cell, Cell], ...]  # region, previous, current, change (%)
    key_points: tuple[str, ...]
    suppressed_cells: int


def default_workbook_path(settings: Settings, period: Period, scope: Scope) -> Path:
    return settings.output_dir / f"helpline-contacts-{period}-{scope.slug}.xlsx"


def build_tables(
    data: ReportData, national: ReportData, pattern: SuppressionPattern
) -> list[Table]:
    all_regions = region_totals(national.areas)
    scope = data.scope
    tables = [force_areas_table(data, pattern, all_regions)]
    if scope.kind != "force":
        shown = {
            name: totals
            for name, totals in all_regions.items()
            if scope.kind == "national" or name == scope.value
        }
        tables.append(regions_table(data, pattern, shown, scope.kind == "national"))
    tables.append(category_table("caller_types", "caller type", data, data.caller_types, pattern))
    tables.append(category_table("channels", "channel", data, data.channels, pattern))
    tables.append(monthly_trend_table(data, pattern))
    return tables


def build_edition(
    engine: Engine, settings: Settings, period: Period, scope: Scope, out: Path | None = None
) -> Edition:
    """Build one workbook; two builds for the same period wait for each other."""
    with translate_database_errors(f"locking {period}"), engine.begin() as lock:
        run_query(lock, "lock_report_period", period=str(period))
        return _build_edition(engine, settings, period, scope, out)


def _build_edition(
    engine: Engine, settings: Settings, period: Period, scope: Scope, out: Path | None
) -> Edition:
    threshold = settings.suppression_threshold
    national, data = read_figures(engine, period, scope)
    pattern = suppression_pattern(national, data, threshold)
    tables = build_tables(data, national, pattern)
    by_name = {table.name: table for table in tables}
    points = key_points(data, by_name.get("regions"), by_name["force_areas"])
    path = write_edition_workbook(
        out or default_workbook_path(settings, period, scope), data, tables, points, settings
    )
    sha256 = record_edition(engine, data, path)
    return Edition(
        period,
        scope,
        path,
        sha256,
        headline_rows(by_name.get("regions")),
        tuple(points),
        len(pattern.previous) + len(pattern.current),
    )


def read_figures(engine: Engine, period: Period, scope: Scope) -> tuple[ReportData, ReportData]:
    """The national figures (the pattern is computed on them) and this edition's."""
    with translate_database_errors(f"reading figures for {period}"), engine.connect() as conn:
        national = read_report_data(conn, period, NATIONAL)
        data = national if scope == NATIONAL else read_report_data(conn, period, scope)
    return national, data


def suppression_pattern(
    national: ReportData, data: ReportData, threshold: int
) -> SuppressionPattern:
    geographic = national_pattern(national, threshold)
    return geographic.union(breakdown_pattern(data, geographic, threshold))


def write_edition_workbook(
    path: Path, data: ReportData, tables: list[Table], points: list[str], settings: Settings
) -> Path:
    published = publication_date(data.period)
    return write_workbook(
        path,
        title=workbook_title(data),
        cover=cover_sections(data, points, settings, published),
        tables=tables,
        source=SOURCE,
        threshold=settings.suppression_threshold,
        published=datetime.combine(published, datetime.min.time()),
        organisation=settings.organisation,
        alt=chart_text(data, points),
    )


def record_edition(engine: Engine, data: ReportData, path: Path) -> str:
    """Note the workbook in the editions table; its sha256 lets backfill recognise it later."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    with translate_database_errors("recording the edition"), engine.begin() as connection:
        run_query(
            connection,
            "record_edition",
            period=str(data.period),
            scope=str(data.scope),
            path=str(path),
            sha256=sha256,
            data_hash=data.fingerprint(),
        )
    return sha256


def headline_rows(regions: Table | None) -> tuple[tuple[str, Cell, Cell, Cell], ...]:
    """Region, previous, current and change (%) for each row of the regions table."""
    return tuple((str(row[0]), row[1], row[2], row[4]) for row in (regions.rows if regions else []))

"""Building one edition: figures, suppression, tables, Cover text, then the workbook file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.cover_text import coverage_lines, key_points, publication_date, revision_lines
from flows.database import run_query, translate_database_errors
from flows.figures import ReportData, Scope, read_report_data
from flows.periods import Period
from flows.settings import Settings
from flows.suppression_pattern import SuppressionPattern, breakdown_pattern, national_pattern
from flows.tables import (
    Cell,
    Table,
    category_table,
    force_areas_table,
    monthly_trend_table,
    region_totals,
    regions_table,
)
from flows.workbook import write_workbook
from flows.workbook_archive import ChartText

SOURCE = "Contact records and monthly counts sent by the helpline network's partner services"


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


def chart_text(data: ReportData, points: list[str]) -> ChartText:
    period = data.period
    finding = points[1] if len(points) > 1 else (points[0] if points else "")
    monthly = [contacts for _, contacts in data.months]
    trend = "rose" if monthly and monthly[-1] > monthly[0] else "did not rise"
    return ChartText(
        force_title=f"Change in contacts by police force area, {period.label} (%)",
        force_alt=f"Bar chart of the percentage change in contacts for each police force area "
        f"between {period.previous().label} and {period.label}. {finding}",
        trend_title=f"Contacts by month, {period.previous().label} to {period.label}",
        trend_alt=f"Line chart of monthly contacts over twelve months; contacts {trend} from "
        f"the first month to the last. The figures are in the monthly_trend table.",
    )


def scope_name(data: ReportData) -> str:
    scope = data.scope
    if scope.kind == "national":
        return "England and Wales"
    return scope.value if scope.kind == "region" else data.areas[0].name


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
    with translate_database_errors(f"reading figures for {period}"), engine.connect() as conn:
        national = read_report_data(conn, period, Scope("national"))
        data = national if scope.kind == "national" else read_report_data(conn, period, scope)
    geographic = national_pattern(national, threshold)
    pattern = geographic.union(breakdown_pattern(data, geographic, threshold))
    tables = build_tables(data, national, pattern)
    by_name = {table.name: table for table in tables}
    points = key_points(data, by_name.get("regions"), by_name["force_areas"])
    published = publication_date(period)
    title = f"Helpline contacts by police force area, {period.long_label}"
    if scope.kind != "national":
        title += f" ({scope_name(data)})"
    cover = [
        (
            "About these statistics",
            [
                f"Period: {period.long_label} ({period}), compared with "
                f"{period.previous().long_label}.",
                "What is counted: contacts (calls, chats, emails, texts and police referrals) "
                "handled by the helpline network's partner services, by the police force area "
                "the contact related to.",
                f"Coverage of this workbook: {scope_name(data)}.",
            ],
        ),
        ("Key points", points),
        (
            "Confidentiality",
            [
                f"Counts from 1 to {threshold - 1} are shown as [c], with other figures that would "
                f"reveal them (threshold {threshold}). Every suppressed figure was checked to be "
                f"impossible to work out to within {threshold - 1} contacts."
            ],
        ),
        ("Sources", [SOURCE + "."]),
        ("Coverage: partners and months", coverage_lines(data)),
        ("Revisions since the last edition", revision_lines(data, threshold)),
        (
            "Publication",
            [
                f"Published: {published.strftime('%d %B %Y').lstrip('0')}.",
                f"Produced by: {settings.organisation}.",
                f"Contact: {settings.contact_email}.",
            ],
        ),
    ]
    path = out or default_workbook_path(settings, period, scope)
    write_workbook(
        path,
        title=title,
        cover=cover,
        tables=tables,
        source=SOURCE,
        threshold=threshold,
        published=datetime.combine(published, datetime.min.time()),
        organisation=settings.organisation,
        alt=chart_text(data, points),
    )
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    with translate_database_errors("recording the edition"), engine.begin() as connection:
        run_query(
            connection,
            "record_edition",
            period=str(period),
            scope=str(scope),
            path=str(path),
            sha256=sha256,
            data_hash=data.fingerprint(),
        )
    regions = by_name.get("regions")
    headline = tuple(
        (str(row[0]), row[1], row[2], row[4]) for row in (regions.rows if regions else [])
    )
    hidden = sum(len(x) for x in (pattern.previous, pattern.current))
    return Edition(period, scope, path, sha256, headline, tuple(points), hidden)

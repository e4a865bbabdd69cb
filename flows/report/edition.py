"""Building one edition: the release's figures and pattern, the joint audit, then the workbook.

Every edition of a period is cut from the same release: the same figures, read in one pass,
and the same suppression pattern, computed once per period and set of figures and stored. Before
any workbook is written, every edition of the release is laid out and audited together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.report.cover_text import SOURCE, ReleaseShape, cover_sections, workbook_title
from flows.report.disclosure.edition_audit import audit_release
from flows.report.disclosure.linked_table import regions_of
from flows.report.disclosure.period_pattern import SuppressionPattern
from flows.report.figures import ReleaseFigures, ReportData, edition_data, read_release_figures
from flows.report.key_points import chart_text, key_points
from flows.report.publication import shown_release
from flows.report.publication_calendar import publication_date
from flows.report.tables import CONFIDENTIAL, Cell, Table, build_tables
from flows.report.workbook import write_workbook


@dataclass(frozen=True)
class HeadlineRow:
    """One row of the regions table as the CLI, the email and the run's artifacts quote it."""

    region: str
    previous: Cell
    current: Cell
    change: Cell  # per cent, or a marker such as [c]

    def shown(self) -> tuple[str, str, str, str]:
        """Numbers as the workbook shows them (1,747 and +103.1%); markers kept as they are."""
        counts = [f"{v:,}" if isinstance(v, int) else str(v) for v in (self.previous, self.current)]
        change = f"{self.change:+.1f}%" if isinstance(self.change, float) else str(self.change)
        return self.region, counts[0], counts[1], change


@dataclass(frozen=True)
class Edition:
    period: Period
    scope: Scope
    path: Path
    sha256: str
    headline: tuple[HeadlineRow, ...]
    key_points: tuple[str, ...]
    suppressed_cells: int  # cells this edition's tables show as [c]


def default_workbook_path(settings: Settings, period: Period, scope: Scope) -> Path:
    return settings.output_dir / f"helpline-contacts-{period}-{scope.slug}.xlsx"


def build_edition(
    engine: Engine,
    settings: Settings,
    period: Period,
    scope: Scope,
    out: Path | None = None,
    *,
    revise: bool = False,
) -> Edition:
    """Build one workbook; two builds for the same period wait for each other.

    With `revise`, figures loaded since a period was published become a new version of it
    (flows.report.publication); without, every period is shown as last published.
    """
    with translate_database_errors(f"locking {period}"), engine.begin() as lock:
        run_query(lock, "lock_report_period", period=str(period))
        return _build_edition(engine, settings, period, scope, out, revise)


def read_release(engine: Engine, period: Period) -> ReleaseFigures:
    with translate_database_errors(f"reading figures for {period}"), engine.connect() as conn:
        return read_release_figures(conn, period)


def audited_release(
    engine: Engine, period: Period, threshold: int, *, revise: bool = False
) -> tuple[ReleaseFigures, SuppressionPattern, ReleaseShape]:
    """The release as published (the stored version of each period, every version of both
    audited together), once every edition of it has passed the audit too."""
    release, pattern = shown_release(engine, read_release(engine, period), threshold, revise=revise)
    editions = audit_release(release, pattern, threshold)
    shape = ReleaseShape(editions, len(regions_of(release.areas)), len(release.areas))
    return release, pattern, shape


def _build_edition(
    engine: Engine,
    settings: Settings,
    period: Period,
    scope: Scope,
    out: Path | None,
    revise: bool,
) -> Edition:
    threshold = settings.suppression_threshold
    release, pattern, shape = audited_release(engine, period, threshold, revise=revise)
    data = edition_data(release, scope)
    tables = build_tables(data, pattern)
    by_name = {table.name: table for table in tables}
    points = key_points(data, by_name)
    path = write_edition_workbook(
        out or default_workbook_path(settings, period, scope),
        data,
        tables,
        points,
        settings,
        pattern,
        shape,
    )
    sha256 = record_edition(engine, release, data, path)
    return Edition(
        period,
        scope,
        path,
        sha256,
        headline_rows(by_name.get("regions")),
        tuple(points),
        shown_as_confidential(tables),
    )


def shown_as_confidential(tables: list[Table]) -> int:
    """How many cells of the edition's tables read [c], change columns included."""
    return sum(row.count(CONFIDENTIAL) for table in tables for row in table.rows)


def write_edition_workbook(
    path: Path,
    data: ReportData,
    tables: list[Table],
    points: list[str],
    settings: Settings,
    pattern: SuppressionPattern,
    shape: ReleaseShape,
) -> Path:
    published = publication_date(data.period)
    by_name = {table.name: table for table in tables}
    return write_workbook(
        path,
        title=workbook_title(data),
        cover=cover_sections(data, points, settings, published, pattern, shape),
        tables=tables,
        source=SOURCE,
        threshold=settings.suppression_threshold,
        published=datetime.combine(published, datetime.min.time()),
        organisation=settings.organisation,
        alt=chart_text(data, by_name),
    )


def record_edition(engine: Engine, release: ReleaseFigures, data: ReportData, path: Path) -> str:
    """Note the workbook in the editions table (its sha256 lets backfill recognise it later) and
    keep its bytes with the versions it shows, so it can be produced again as it was."""
    workbook = path.read_bytes()
    sha256 = hashlib.sha256(workbook).hexdigest()
    with translate_database_errors("recording the edition"), engine.begin() as connection:
        run_query(
            connection,
            "record_edition_build",
            period=str(data.period),
            scope=str(data.scope),
            previous_version=release.version_ids[0],
            current_version=release.version_ids[1],
            sha256=sha256,
            workbook=workbook,
            late_contacts=sum(count for _, count in release.late),
        )
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


def headline_rows(regions: Table | None) -> tuple[HeadlineRow, ...]:
    """Region, previous, current and change (%) for each row of the regions table."""
    rows = regions.rows if regions else []
    return tuple(HeadlineRow(str(row[0]), row[1], row[2], row[4]) for row in rows)

"""Backfilling a range of periods: one result per period, a failure never stops the others."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.core.database import run_query
from flows.core.errors import ConfigurationError, HelplineError
from flows.core.periods import Period, periods_between
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.report.edition import Edition, build_edition, read_release
from flows.report.figures import edition_data
from flows.report.publication import shown_release

NATIONAL = Scope("national")


@dataclass(frozen=True)
class PeriodResult:
    period: Period
    state: str  # done, skipped or failed
    detail: str
    path: Path | None = None

    def line(self) -> str:
        where = f" -> {self.path}" if self.path else ""
        return f"{self.period}: {self.state}: {self.detail}{where}"

    def row(self) -> dict[str, str]:
        """The result as a row of the backfill's table artifact."""
        path = str(self.path or "")
        return {
            "period": str(self.period),
            "state": self.state,
            "detail": self.detail,
            "workbook": path,
        }


def current_workbook(engine: Engine, period: Period, scope: Scope, threshold: int) -> Path | None:
    """The workbook of the figures its editions show today (each period's published version and
    the late contacts waiting), if one was built and is still on disk unchanged."""
    release, _ = shown_release(engine, read_release(engine, period), threshold)
    fingerprint = edition_data(release, scope).fingerprint()
    with engine.connect() as connection:
        rows = run_query(
            connection,
            "find_current_edition",
            period=str(period),
            scope=str(scope),
            data_hash=fingerprint,
        ).all()
    for row in rows:
        path = Path(row.path)
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256:
            return path
    return None


def build_period(
    engine: Engine,
    settings: Settings,
    period: Period,
    missing_only: bool,
    deliver: Callable[[Edition], str] | None = None,
) -> PeriodResult:
    """One period's workbook (and its emails), or the HelplineError that stopped it.

    The unit of a backfill: the Prefect flow runs one task per period over this, so a failed
    period is a Failed task and a TransientError reaches Prefect's retry.
    """
    if missing_only:
        existing = current_workbook(engine, period, NATIONAL, settings.suppression_threshold)
        if existing is not None:
            return PeriodResult(period, "skipped", "current workbook already built", existing)
    edition = build_edition(engine, settings, period, NATIONAL)
    detail = f"built ({edition.suppressed_cells} cell(s) suppressed)"
    if deliver is not None:
        detail += f"; {deliver(edition)}"
    return PeriodResult(period, "done", detail, edition.path)


def build_period_result(
    engine: Engine,
    settings: Settings,
    period: Period,
    missing_only: bool,
    deliver: Callable[[Edition], str] | None = None,
) -> PeriodResult:
    """build_period for the command line: a failed period is a result line, not an exception.

    A ConfigurationError still escapes: it stops the whole run, since no other period could
    succeed either.
    """
    try:
        return build_period(engine, settings, period, missing_only, deliver)
    except ConfigurationError:
        raise
    except HelplineError as error:
        return PeriodResult(period, "failed", error.message)


def build_period_range(
    engine: Engine,
    settings: Settings,
    start: Period,
    end: Period,
    *,
    missing_only: bool = False,
    deliver: Callable[[Edition], str] | None = None,
    on_result: Callable[[PeriodResult], object] | None = None,
) -> list[PeriodResult]:
    results = []
    for period in periods_between(start, end):
        result = build_period_result(engine, settings, period, missing_only, deliver)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results

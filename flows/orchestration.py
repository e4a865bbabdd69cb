"""Prefect flows: recipes of verb_noun steps, each a thin task over a plain function."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.states import Failed
from prefect.tasks import exponential_backoff

from flows import commands
from flows.core.errors import TRANSIENT_ERRORS, ConfigurationError, HelplineError
from flows.core.migrations import ready_engine
from flows.core.periods import Period, last_complete_period
from flows.core.safe_text import clean_text
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.intake import inbox
from flows.intake.outcome import IngestOutcome
from flows.report import backfill as backfill_steps
from flows.report import edition as report


def is_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry only what a retry can fix: the database or mail server being unreachable."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, TRANSIENT_ERRORS)


RETRY_BACKOFF_VARIABLE = "HELPLINE_RETRY_BACKOFF_SECONDS"


def retry_backoff_seconds() -> float:
    """The first retry's delay (then doubled each time): HELPLINE_RETRY_BACKOFF_SECONDS, or 5.

    Read when this module is imported, i.e. once per flow run process on a worker.
    """
    text = os.environ.get(RETRY_BACKOFF_VARIABLE, "").strip()
    try:
        seconds = float(text) if text else 5.0
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 <= seconds <= 3600):
        raise ConfigurationError(
            f"{RETRY_BACKOFF_VARIABLE} must be a number of seconds from 0 to 3600, got {text!r}."
        )
    return seconds


TASK_OPTIONS: dict[str, Any] = {
    # Engines and settings are not hashable inputs; every run reads fresh data anyway.
    "cache_policy": NO_CACHE,
    "retries": 3,
    # 5, 10 then 20 seconds (each +/- jitter) by default.
    "retry_delay_seconds": exponential_backoff(backoff_factor=retry_backoff_seconds()),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": is_transient,
}


@task(name="connect_database", **TASK_OPTIONS)
def connect_database(settings: Settings) -> Any:
    return ready_engine(settings)


@task(name="sweep_inbox", **TASK_OPTIONS)
def sweep_inbox(engine: Any, settings: Settings) -> list[IngestOutcome]:
    logger = get_run_logger()
    results = inbox.sweep_inbox(engine, settings, say=logger.info)
    return [result.outcome for result in results if result.outcome is not None]


@task(name="build_workbook", **TASK_OPTIONS)
def build_workbook(engine: Any, settings: Settings, period: Period, scope: Scope) -> report.Edition:
    return report.build_edition(engine, settings, period, scope)


@task(name="backfill_periods", **TASK_OPTIONS)
def backfill_periods(
    engine: Any, settings: Settings, start: Period, end: Period, missing_only: bool, send: bool
) -> list[backfill_steps.PeriodResult]:
    logger = get_run_logger()
    deliver = commands.delivery_for_backfill(engine, settings) if send else None
    return backfill_steps.backfill(
        engine,
        settings,
        start,
        end,
        missing_only=missing_only,
        deliver=deliver,
        on_result=lambda result: logger.info(result.line()),
    )


def failed_run(error: HelplineError) -> State[Any]:
    """End the run Failed with the error's one-line message as the state message.

    Logged once, without a traceback: the message already says what is wrong and what to do.
    """
    get_run_logger().error(error.message)
    return Failed(message=error.message)


def publish_ingest_artifacts(outcomes: list[IngestOutcome]) -> None:
    rows = [
        {
            "file": clean_text(o.file_name),
            "partner": o.partner_id,
            "status": o.status,
            "rows loaded": o.rows_loaded,
            "reason": clean_text(o.reason or ""),
        }
        for o in outcomes
    ]
    create_table_artifact(rows, key="inbox-sweep", description="Files ingested by this sweep")
    failures = [
        f"- **{clean_text(o.file_name)}**: {clean_text(failure.rule)} "
        f"({failure.rows_affected} rows)"
        for o in outcomes
        if o.validation is not None
        for failure in o.validation.failures
    ]
    create_markdown_artifact(
        "# Validation summary\n\n" + ("\n".join(failures) or "Every rule passed."),
        key="validation-summary",
    )


def publish_edition_artifacts(edition: report.Edition) -> None:
    rows = [
        {"region": region, "previous": str(prev), "current": str(cur), "change (%)": str(pct)}
        for region, prev, cur, pct in edition.headline
    ]
    create_table_artifact(rows, key="headline-figures", description=f"{edition.period} figures")
    create_link_artifact(
        Path(edition.path).resolve().as_uri(),
        link_text=Path(edition.path).name,
        key="workbook",
        description=f"Workbook for {edition.period} ({edition.scope})",
    )
    create_markdown_artifact(
        "# Key points\n\n" + "\n".join(f"- {point}" for point in edition.key_points),
        key="key-points",
    )


@flow(name="ingest_inbox", log_prints=True)
def ingest_inbox() -> list[IngestOutcome] | State[Any]:
    """Ingest every settled file in the inbox; a rejected file is an outcome, not a failure."""
    try:
        settings = Settings()
        engine = connect_database(settings)
        outcomes = sweep_inbox(engine, settings)
    except HelplineError as error:
        return failed_run(error)
    publish_ingest_artifacts(outcomes)
    return outcomes


@task(name="email_recipients", **TASK_OPTIONS)
def email_recipients(engine: Any, settings: Settings, edition: report.Edition) -> str:
    """Each recipient gets their scope's workbook once; the ledger makes a retry safe."""
    from flows.core.errors import DeliveryUnavailable
    from flows.delivery.ledger import send_period
    from flows.delivery.recipients import load_recipients

    logger = get_run_logger()
    results = send_period(
        engine,
        settings,
        edition.period,
        load_recipients(settings.recipients_file),
        False,
        built={edition.scope: edition},
        on_result=lambda result: logger.info(result.line()),
    )
    if any(result.transient for result in results):
        raise DeliveryUnavailable("The mail server refused some messages for now; retrying.")
    failed = [result.line() for result in results if result.state == "failed"]
    if failed:
        raise HelplineError(f"{len(failed)} recipient(s) not emailed: {failed[0]}")
    return f"{len(results)} recipient(s) handled"


@flow(name="six_monthly_report", log_prints=True)
def six_monthly_report(
    period: str | None = None, scope: str = "national", send: bool = False
) -> str | State[Any]:
    """Build the workbook for a period (default: the last complete half-year, London time).

    With send, email every recipient their scope's workbook, never twice for one edition.
    """
    try:
        settings = Settings()
        chosen = Period.parse(period) if period else last_complete_period()
        chosen_scope = Scope.parse(scope)
        engine = connect_database(settings)
        edition = build_workbook(engine, settings, chosen, chosen_scope)
        publish_edition_artifacts(edition)
        if send:
            get_run_logger().info(email_recipients(engine, settings, edition))
    except HelplineError as error:
        return failed_run(error)
    get_run_logger().info("workbook for %s written to %s", chosen, edition.path)
    return str(edition.path)


@flow(name="backfill", log_prints=True)
def backfill(
    start: str, end: str, missing_only: bool = False, send: bool = False
) -> list[dict[str, str]] | State[Any]:
    """Build each period's workbook; one result per period, failures reported, not fatal."""
    try:
        settings = Settings()
        first, last = Period.parse(start), Period.parse(end)
        engine = connect_database(settings)
        results = backfill_periods(engine, settings, first, last, missing_only, send)
    except HelplineError as error:
        return failed_run(error)
    rows = [
        {
            "period": str(r.period),
            "state": r.state,
            "detail": r.detail,
            "workbook": str(r.path or ""),
        }
        for r in results
    ]
    create_table_artifact(rows, key="backfill", description=f"Backfill {start} to {end}")
    failed = [r for r in results if r.state == "failed"]
    if failed:
        return failed_run(
            HelplineError(f"{len(failed)} period(s) failed: " + "; ".join(r.line() for r in failed))
        )
    return rows

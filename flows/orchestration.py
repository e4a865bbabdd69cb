"""Prefect flows: recipes of verb_noun steps, each a thin task over a plain function.

The inbox sweep runs one task per file and a backfill one task per period, so each unit has
its own state, retries and logs. Only a TransientError is retried; a ConfigurationError stops
the run at once. A run that cannot finish ends Failed with one line: its state message and a
single ERROR log line, with no traceback for the product's own errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast
from uuid import UUID

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.exceptions import FailedRun
from prefect.runtime import task_run
from prefect.states import Completed, Failed
from prefect.tasks import exponential_backoff

from flows.core.errors import TRANSIENT_ERRORS, ConfigurationError, HelplineError
from flows.core.migrations import ready_engine
from flows.core.periods import Period, last_complete_period, periods_between
from flows.core.safe_text import clean_text, one_line
from flows.core.scope import Scope
from flows.core.settings import Settings, load_settings, refuse_example_contact
from flows.report.backfill import PeriodResult

if TYPE_CHECKING:  # the report's runs need not import the intake wing
    from prefect.events.schemas.automations import AutomationCore

    from flows.intake.inbox import SweepResult, WaitingFile
    from flows.report.edition import Edition


class QuietProductErrors(logging.Filter):
    """Our errors are one line, said once at ERROR by the run; retries once each at WARNING.

    Drops the engine's epilogue for a returned Failed state (re-raised as FailedRun), a task's
    own ERROR for a HelplineError (the flow says it) and its traceback; a task's "Finished in
    state Failed" is INFO, the flow's line being the one ERROR. A real bug keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, FailedRun):
            return record.getMessage() != "Engine execution exited with unexpected exception"
        task_log = record.name == "prefect.task_runs"
        if isinstance(error, HelplineError):
            if task_log and record.levelno >= logging.ERROR:
                return False
            record.exc_info, record.exc_text = None, None
        if task_log and " - Retry %s/%s will start %s" in str(record.msg) and record.args:
            *head, when = record.args
            record.args = (*head, _ROUGH_DELAY.sub(lambda m: f"{float(m[0]):.1f}", str(when)))
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        elif task_log and str(record.msg).startswith("Finished in state Failed"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_ROUGH_DELAY = re.compile(r"^\d+\.\d+")


for _logger in ("prefect.flow_runs", "prefect.task_runs"):
    logging.getLogger(_logger).addFilter(QuietProductErrors())


def is_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry only what a retry can fix: the database or mail server being unreachable."""
    return isinstance(state.result(raise_on_failure=False), TRANSIENT_ERRORS)


TASK_OPTIONS: dict[str, Any] = {
    # Engines and settings are not hashable inputs; every run reads fresh data anyway.
    "cache_policy": NO_CACHE,
    "retries": 3,
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": is_transient,
}


P = ParamSpec("P")
R = TypeVar("R")
U = TypeVar("U")


def retrying(step: Task[P, R], settings: Settings) -> Task[P, R]:
    """The task with this run's delays: 5, 10 then 20 s by default (+/- jitter).

    Read from the settings inside the run, so a bad value fails the run with one line.
    """
    delays = exponential_backoff(backoff_factor=settings.retry_backoff_seconds)
    return step.with_options(retry_delay_seconds=delays)


@task(name="connect_database", **TASK_OPTIONS)
def connect_database(settings: Settings) -> Any:
    return ready_engine(settings)


def file_name(waiting: WaitingFile) -> str:
    """partner/file, as the sweep's logs, task runs and artifacts name it."""
    return clean_text(f"{waiting.partner_id}/{waiting.path.name}")


def _file_run_name() -> str:
    return f"ingest-{file_name(task_run.parameters['waiting'])}"


# How the UI draws a file that was not loaded: apart from the green Completed of a loaded one.
_STATE_NAMES = {"rejected": "Rejected", "left in the inbox": "Left in inbox"}


@task(name="ingest_and_file", task_run_name=_file_run_name, **TASK_OPTIONS)
def ingest_and_file(
    engine: Any, settings: Settings, waiting: WaitingFile
) -> SweepResult | State[SweepResult]:
    """One inbox file ingested, then filed under processed/ or rejected/. A rejected file ends
    Completed but named Rejected, with the reason as its message; a file another sweep has
    ends Skipped."""
    from flows.intake.inbox import sweep_file

    result = sweep_file(engine, settings, waiting)
    logger = get_run_logger()
    (logger.info if result.ok or result.state == "duplicate" else logger.warning)(result.line())
    name = "Skipped" if result.taken_by_another_sweep else _STATE_NAMES.get(result.state)
    if name is None:
        return result
    return Completed(data=result, name=name, message=one_line(result.detail))


@task(name="build_workbook", **TASK_OPTIONS)
def build_workbook(engine: Any, settings: Settings, period: Period, scope: Scope) -> Edition:
    from flows.report.edition import build_edition

    return build_edition(engine, settings, period, scope)


def delivery(engine: Any, settings: Settings) -> Callable[[Edition], str]:
    """Email an edition to each recipient of its scope, once (the delivery ledger makes a retry
    safe). Prefect's retry is the only retry layer here: the mailer tries each message once."""
    from flows.delivery.mail import Mailer
    from flows.delivery.sending import edition_delivery

    return edition_delivery(engine, settings, mailer=Mailer(settings, attempts=1))


@task(name="email_recipients", **TASK_OPTIONS)
def email_recipients(engine: Any, settings: Settings, edition: Edition) -> str:
    return delivery(engine, settings)(edition)


@task(name="backfill_period", task_run_name="backfill-{period}", **TASK_OPTIONS)
def backfill_period(
    engine: Any, settings: Settings, period: Period, missing_only: bool, send: bool
) -> PeriodResult:
    """One period's workbook (emailed with send); raises what stopped it, for Prefect to see."""
    from flows.report.backfill import build_period

    deliver = delivery(engine, settings) if send else None
    result = build_period(engine, settings, period, missing_only, deliver)
    get_run_logger().info(result.line())
    return result


@dataclass(frozen=True)
class UnitRun:
    """One file or period of a run: its result, or the one-line reason it failed."""

    name: str
    result: Any = None
    failure: str | None = None


def run_each(
    units: Sequence[U], name: Callable[[U], str], run_one: Callable[[U], State[Any]]
) -> list[UnitRun]:
    """One task run per unit, in order; a failed unit does not stop the others, except a
    ConfigurationError, which no later unit could get past either."""
    runs = []
    for unit in units:
        state = run_one(unit)
        if state.is_completed():
            runs.append(UnitRun(name(unit), state.result()))
            continue
        error = state.result(raise_on_failure=False)
        if isinstance(error, HelplineError):
            runs.append(UnitRun(name(unit), failure=error.message))
        else:  # a bug: keep its traceback in the flow's log
            get_run_logger().error("%s: unexpected error", name(unit), exc_info=error)
            runs.append(UnitRun(name(unit), failure=f"unexpected {type(error).__name__}: {error}"))
        if isinstance(error, ConfigurationError):
            break
    return runs


def failures_of(runs: list[UnitRun], total: int, noun: str) -> HelplineError | None:
    failed = [f"{run.name}: {run.failure}" for run in runs if run.failure is not None]
    if not failed:
        return None
    unstarted = f"; {total - len(runs)} not started" if len(runs) < total else ""
    return HelplineError(
        f"{len(failed)} of {total} {noun} failed: " + "; ".join(failed) + unstarted
    )


def failed_run(error: HelplineError) -> State[Any]:
    """End the run Failed: the error's one line is the state message and one ERROR line."""
    get_run_logger().error(error.message)
    return Failed(message=error.message)


def publish_sweep_artifacts(runs: list[UnitRun]) -> list[dict[str, str]]:
    """Every file of the sweep, ingested, rejected, left in the inbox or failed, with why."""
    rows, checks = [], []
    for run in runs:
        result: SweepResult | None = run.result
        state = result.state if result else "failed"
        detail = result.detail if result else run.failure or ""
        loaded = result.outcome.rows_loaded if result and result.outcome else 0
        name, note = clean_text(run.name), result.validation_note if result else "not finished"
        row = {"file": name, "result": state, "rows loaded": str(loaded), "reason": detail}
        rows.append({key: clean_text(value) for key, value in row.items()})
        checks.append({"file": name, "result": state, "validation": clean_text(note)})
    create_table_artifact(rows, key="inbox-sweep", description="Every file this sweep found")
    create_table_artifact(checks, key="validation-summary", description="Validation, per file")
    return rows


def publish_edition_artifacts(edition: Edition) -> None:
    columns = ("region", "previous", "current", "change (%)")
    rows = [dict(zip(columns, headline.shown(), strict=True)) for headline in edition.headline]
    create_table_artifact(rows, key="headline-figures", description=f"{edition.period} figures")
    table = "\n".join("| " + " | ".join(row.values()) + " |" for row in rows)
    create_markdown_artifact(
        f"# Workbook for {edition.period} ({edition.scope})\n\n"
        f"Written to `{clean_text(str(edition.path.resolve()))}`\n\n"
        "| region | previous | current | change (%) |\n| --- | ---: | ---: | ---: |\n" + table,
        key="workbook",
        description=f"Workbook for {edition.period} ({edition.scope}), in HELPLINE_OUTPUT_DIR",
    )
    create_markdown_artifact(
        "# Key points\n\n" + "\n".join(f"- {point}" for point in edition.key_points),
        key="key-points",
    )


@flow(name="ingest_inbox", log_prints=True)
def run_inbox_sweep() -> list[dict[str, str]] | State[Any]:
    """Ingest each settled inbox file in its own task run; a rejected file is an outcome."""
    from flows.intake.inbox import sweep_plan

    try:
        settings = load_settings()
        engine = retrying(connect_database, settings)(settings)
        waiting = sweep_plan(settings)  # its folders and profiles checked first
        step = retrying(ingest_and_file, settings)
        runs = run_each(
            waiting, file_name, lambda file: step(engine, settings, file, return_state=True)
        )
    except HelplineError as error:
        return failed_run(error)
    rows = publish_sweep_artifacts(runs)
    failure = failures_of(runs, len(waiting), "file(s)")
    if failure is not None:
        return failed_run(failure)
    get_run_logger().info("%s, from %s", sweep_summary(runs), settings.inbox_dir)
    return rows


def sweep_summary(runs: list[UnitRun]) -> str:
    """E.g. '2 file(s) swept (1 accepted, 1 rejected, 1 taken by another sweep)': a file left
    in the inbox, or to another sweep, is listed but not counted as swept by this run."""
    states = [run.result.state if run.result else "failed" for run in runs]
    swept = [s for s in states if s not in ("taken by another sweep", "left in the inbox")]
    counts = ", ".join(f"{states.count(state)} {state}" for state in dict.fromkeys(states))
    return f"{len(swept)} file(s) swept ({counts})"


@flow(name="six_monthly_report", log_prints=True)
def six_monthly_report(
    period: str | None = None, scope: str = "national", send: bool = False
) -> str | State[Any]:
    """Build the workbook for a period (default: the last complete half-year, London time).

    With send, email every recipient their scope's workbook, never twice for one edition.
    """
    try:
        settings = load_settings()
        if send:  # a send that could not send fails before any work
            from flows.delivery.sending import ready_mailer

            ready_mailer(settings)
        chosen = Period.parse(period) if period else last_complete_period()
        chosen_scope = Scope.parse(scope)
        if chosen_scope.kind == "force":  # a name or alias was resolved: say to which area
            get_run_logger().info("%s is %s (%s)", scope, chosen_scope.label, chosen_scope.value)
        engine = retrying(connect_database, settings)(settings)
        edition = retrying(build_workbook, settings)(engine, settings, chosen, chosen_scope)
        publish_edition_artifacts(edition)
        if send:
            sent = retrying(email_recipients, settings)(engine, settings, edition)
            get_run_logger().info(sent)
    except HelplineError as error:
        return failed_run(error)
    get_run_logger().info("workbook for %s written to %s", chosen, edition.path)
    return str(edition.path)


@flow(name="backfill", log_prints=True)
def backfill_periods(
    start: str, end: str, missing_only: bool = False, send: bool = False
) -> list[dict[str, str]] | State[Any]:
    """Build each period's workbook in its own task run; a failed period stops no other."""
    try:
        settings = load_settings()
        if send:
            refuse_example_contact(settings)
        periods = periods_between(Period.parse(start), Period.parse(end))
        engine = retrying(connect_database, settings)(settings)
        step = retrying(backfill_period, settings)
        runs = run_each(
            periods, str, lambda p: step(engine, settings, p, missing_only, send, return_state=True)
        )
    except HelplineError as error:
        return failed_run(error)
    rows = [
        (run.result or PeriodResult(Period.parse(run.name), "failed", run.failure or "")).row()
        for run in runs
    ]
    create_table_artifact(rows, key="backfill", description=f"Backfill {start} to {end}")
    failure = failures_of(runs, len(periods), "period(s)")
    return failed_run(failure) if failure is not None else rows


# In the checkout `make deploy` runs from, whatever the current directory.
AUTOMATIONS_FILE = Path(__file__).resolve().parents[1] / "deploy" / "automations.yaml"


def operations_automations(
    settings: Settings, alert_block: UUID | None, path: Path = AUTOMATIONS_FILE
) -> list[AutomationCore]:
    """deploy/automations.yaml's automations with the settings filled in: crash detection
    always, the alert only when HELPLINE_ALERT_WEBHOOK_URL has given a webhook block."""
    import yaml
    from prefect.events.schemas.automations import AutomationCore

    crash, alert = yaml.safe_load(path.read_text(encoding="utf-8"))["automations"]
    crash["trigger"]["within"] = settings.crash_after_seconds
    if alert_block is None:
        return [AutomationCore.model_validate(crash)]
    for action in alert["actions"]:
        action["block_document_id"] = str(alert_block)
    return [AutomationCore.model_validate(crash), AutomationCore.model_validate(alert)]


def set_up_automations(settings: Settings) -> list[str]:
    """Create (or replace, by name) the automations and the alert block; their names.

    Prefect's block and client modules are imported here: only `make deploy` needs them.
    """
    from prefect.blocks.webhook import Webhook
    from prefect.client.orchestration import get_client

    alert_block: UUID | None = None
    if settings.alert_webhook_url is not None:
        webhook = Webhook(url=settings.alert_webhook_url)
        alert_block = cast(UUID, webhook.save("helpline-alerts", overwrite=True))
    automations = operations_automations(settings, alert_block)
    with get_client(sync_client=True) as client:
        for automation in automations:
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            client.create_automation(automation)
    return [automation.name for automation in automations]


if __name__ == "__main__":  # `make deploy` runs this after registering the deployments
    for name in set_up_automations(load_settings()):
        print(f"automation: {name}")

"""The flows' plumbing without a server: which units run, what is retried, what is logged."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from prefect import State
from prefect.events.actions import CallWebhook
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.exceptions import FailedRun
from prefect.states import Completed, Failed

from flows.core.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    DeliveryUnavailable,
    HelplineError,
    NoDataForPeriod,
)
from flows.core.periods import Period
from flows.core.settings import Settings, load_settings
from flows.intake.inbox import SweepResult
from flows.intake.outcome import IngestOutcome
from flows.intake.validation import RuleFailure, ValidationReport
from flows.orchestration import (
    QuietProductErrors,
    UnitRun,
    connect_database,
    failures_of,
    is_transient,
    operations_automations,
    retrying,
    run_each,
    sweep_summary,
)
from flows.report.backfill import PeriodResult

REPO = Path(__file__).resolve().parents[2]


def record(message: str, error: BaseException | None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, message, (), exc_info)


def test_the_engine_epilogue_for_a_returned_failed_state_is_dropped() -> None:
    quiet = QuietProductErrors()
    epilogue = record("Engine execution exited with unexpected exception", FailedRun("x"))
    assert quiet.filter(epilogue) is False
    # Any other record about a FailedRun is kept: the filter is only as wide as it must be.
    assert quiet.filter(record("Something else", FailedRun("x"))) is True


def test_our_errors_lose_their_traceback_and_bugs_keep_theirs() -> None:
    quiet = QuietProductErrors()
    ours = record("Task run failed", DatabaseUnavailable("Cannot connect"))
    assert quiet.filter(ours) is True
    assert ours.exc_info is None
    bug = record("Task run failed", KeyError("period"))
    assert quiet.filter(bug) is True
    assert bug.exc_info is not None and isinstance(bug.exc_info[1], KeyError)


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (DatabaseUnavailable("down"), True),
        (DeliveryUnavailable("421"), True),
        (ConfigurationError('database "x" does not exist'), False),
        (NoDataForPeriod("no contacts"), False),
        (HelplineError("a file's fault"), False),
        (KeyError("a bug"), False),
    ],
)
def test_only_transient_errors_are_retried(error: BaseException, retried: bool) -> None:
    assert is_transient(None, None, Failed(data=error)) is retried


def test_the_retry_delays_come_from_the_settings_of_the_run() -> None:
    settings = Settings(retry_backoff_seconds=0.5, _env_file=None)
    assert retrying(connect_database, settings).retry_delay_seconds == [0.5, 1.0, 2.0]
    assert connect_database.retries == 3


def test_a_bad_retry_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_RETRY_BACKOFF_SECONDS", "soon")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert raised.value.message == (
        "HELPLINE_RETRY_BACKOFF_SECONDS: Input should be a valid number, unable to parse string "
        "as a number."
    )


def states(*outcomes: Any) -> dict[str, State[Any]]:
    return {
        name: Failed(data=value) if isinstance(value, BaseException) else Completed(data=value)
        for name, value in outcomes
    }


def test_a_failed_unit_does_not_stop_the_others() -> None:
    by_name = states(("a", 1), ("b", NoDataForPeriod("No contacts for b.")), ("c", 3))
    runs = run_each(list(by_name), str, by_name.__getitem__)
    assert runs == [UnitRun("a", 1), UnitRun("b", failure="No contacts for b."), UnitRun("c", 3)]
    failure = failures_of(runs, 3, "period(s)")
    assert failure is not None
    assert failure.message == "1 of 3 period(s) failed: b: No contacts for b."


def test_a_configuration_error_stops_the_run_before_the_next_unit() -> None:
    by_name = states(("a", 1), ("b", ConfigurationError("Database refused b.")), ("c", 3))
    asked: list[str] = []

    def run_one(name: str) -> State[Any]:
        asked.append(name)
        return by_name[name]

    runs = run_each(list(by_name), str, run_one)
    assert asked == ["a", "b"]  # c is never started, so never touched
    assert [run.failure for run in runs] == [None, "Database refused b."]
    failure = failures_of(runs, 3, "file(s)")
    assert failure is not None
    assert failure.message == "1 of 3 file(s) failed: b: Database refused b.; 1 not started"


def test_every_unit_done_means_no_failure() -> None:
    assert failures_of([UnitRun("a", 1)], 1, "file(s)") is None


def outcome(status: str, **fields: Any) -> IngestOutcome:
    return IngestOutcome("march.xlsx", "nw-helpline", status, **fields)


REPORT = ValidationReport("records", 10)
BROKEN = ValidationReport(
    "records", 10, (RuleFailure("contact_date is a date", "contact_date", 2, (4, 5), ()),)
)


@pytest.mark.parametrize(
    ("result", "note"),
    [
        (
            SweepResult("nw-helpline", "march.xlsx", outcome("accepted", validation=REPORT)),
            "every rule passed",
        ),
        (
            SweepResult(
                "nw-helpline",
                "march.xlsx",
                outcome("accepted", rows_quarantined=2, validation=BROKEN),
            ),
            "accepted, failing rows quarantined: contact_date is a date (2 rows)",
        ),
        (
            SweepResult(
                "nw-helpline",
                "march.xlsx",
                outcome("rejected", reason="bad dates", validation=BROKEN),
                "bad dates",
            ),
            "rejected by validation: contact_date is a date (2 rows)",
        ),
        (
            SweepResult(
                "nw-helpline",
                "march.xlsx",
                outcome("rejected", reason="march.xlsx is corrupt"),
                "march.xlsx is corrupt",
            ),
            "rejected before validation: march.xlsx is corrupt",
        ),
        (
            SweepResult("nw-helpline", "march.xlsx", outcome("duplicate", reason="7")),
            "not validated, a duplicate of submission 7",
        ),
        (
            SweepResult("stray", "march.xlsx", None, "No profile for partner 'stray'"),
            "not validated, left in the inbox: No profile for partner 'stray'",
        ),
    ],
)
def test_every_swept_file_gets_a_validation_note(result: SweepResult, note: str) -> None:
    assert result.validation_note == note


def test_a_swept_file_is_described_without_its_name() -> None:
    rejected = SweepResult(
        "nw-helpline", "march.xlsx", outcome("rejected", reason="march.xlsx: column 'Phone'")
    )
    assert rejected.detail == "rejected: march.xlsx: column 'Phone'"
    left = SweepResult("stray", "march.xlsx", None, "No profile")
    assert left.detail == "left in the inbox: No profile"


def test_a_period_result_is_a_table_row() -> None:
    done = PeriodResult(Period(2018, 1), "done", "built", Path("/out/w.xlsx"))
    assert done.row() == {
        "period": "2018-H1",
        "state": "done",
        "detail": "built",
        "workbook": "/out/w.xlsx",
    }
    assert PeriodResult(Period(2018, 2), "failed", "No contacts").row()["workbook"] == ""


def retry_record(delay: str) -> logging.LogRecord:
    return logging.LogRecord(
        "prefect.task_runs",
        logging.INFO,
        __file__,
        1,
        "Task run failed with %s: %r - Retry %s/%s will start %s",
        ("exception", DatabaseUnavailable("down"), 1, 3, delay),
        None,
    )


def test_a_retry_is_one_warning_with_a_rounded_delay() -> None:
    record = retry_record("5.322383146783189 second(s) from now")
    assert QuietProductErrors().filter(record) is True
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.getMessage() == (
        "Task run failed with exception: DatabaseUnavailable('down') - Retry 1/3 will start "
        "5.3 second(s) from now"
    )


def test_a_final_failure_of_ours_is_left_to_the_flow_to_say_once() -> None:
    quiet = QuietProductErrors()
    exhausted = logging.LogRecord(
        "prefect.task_runs", logging.ERROR, __file__, 1, "Retries are exhausted", (), None
    )
    error = NoDataForPeriod("No contacts.")
    exhausted.exc_info = (type(error), error, None)
    assert quiet.filter(exhausted) is False
    finished = logging.LogRecord(
        "prefect.task_runs", logging.ERROR, __file__, 1, "Finished in state Failed('x')", (), None
    )
    assert quiet.filter(finished) is True and finished.levelno == logging.INFO


def sweep_run(state: str) -> UnitRun:
    if state == "taken":
        return UnitRun("p/t.xlsx", SweepResult("p", "t.xlsx", None, taken_by_another_sweep=True))
    if state == "left":
        return UnitRun("p/l.xlsx", SweepResult("p", "l.xlsx", None, "No profile"))
    return UnitRun("p/f.xlsx", SweepResult("p", "f.xlsx", outcome(state)))


def test_the_sweep_counts_only_the_files_it_ingested() -> None:
    runs = [sweep_run(s) for s in ("accepted", "rejected", "accepted", "taken", "left")]
    assert sweep_summary(runs) == (
        "3 file(s) swept (2 accepted, 1 rejected, 1 taken by another sweep, 1 left in the inbox)"
    )
    taken = sweep_run("taken").result
    assert taken.detail == "left to the sweep already ingesting it"


def test_deploy_sets_up_crash_detection_and_an_alert_only_with_a_webhook() -> None:
    settings = Settings(crash_after_seconds=120, _env_file=None)
    [crash] = operations_automations(settings, None, REPO / "deploy" / "automations.yaml")
    assert crash.name == "helpline: crash runs whose heartbeats stopped"
    trigger = crash.trigger
    assert isinstance(trigger, EventTrigger)
    assert trigger.posture == Posture.Proactive and trigger.within == timedelta(seconds=120)
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    assert [action.type for action in crash.actions] == ["change-flow-run-state"]
    block = uuid4()
    _, alert = operations_automations(settings, block, REPO / "deploy" / "automations.yaml")
    assert isinstance(alert.trigger, EventTrigger)
    assert alert.trigger.expect == {
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.Late",
    }
    [call] = alert.actions
    assert isinstance(call, CallWebhook) and call.block_document_id == block


def test_importing_the_flows_installs_the_filter_on_prefects_run_loggers() -> None:
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        filters = logging.getLogger(name).filters
        assert any(isinstance(found, QuietProductErrors) for found in filters), name

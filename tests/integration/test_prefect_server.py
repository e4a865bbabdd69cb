"""The deployments on a real Prefect server: registered from deploy/prefect.yaml, run by a worker.

One Prefect server (SQLite under a temporary PREFECT_HOME, loopback only) and one process
worker for the `helpline` pool per module. Each run carries its test's HELPLINE_* settings as
job variables, as an operator's per-run override would. Every process started here is stopped
by process group, terminate first, then kill.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from openpyxl import load_workbook
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, StateType, TaskRun
from prefect.client.schemas.schedules import CronSchedule, RRuleSchedule
from sqlalchemy.engine import Engine, make_url

from flows.core.settings import Settings
from tests.conftest import helpline_env
from tests.support.db_proxy import dropping_proxy, upstream
from tests.support.loopback import Inbox, free_port, serving
from tests.support.partner_files import HEADINGS, records, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
LONDON = ZoneInfo("Europe/London")
NOWHERE = "postgresql://postgres@127.0.0.1:1/nowhere"
REPORT = "six_monthly_report/six-monthly-report"
STARTUP_SECONDS = 60
RUN_SECONDS = 120


# -- processes -------------------------------------------------------------------------------


def tail(path: Path, lines: int = 80) -> str:
    if not path.is_file():
        return f"(no {path.name})"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def start(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches its children too
        )


def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole process group, SIGKILL it after a few seconds; never hangs."""
    signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        process.wait(timeout=5)
    signal_group(process, signal.SIGKILL)  # anything the leader started and left behind


@contextmanager
def logs_on_failure(*logs: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for log in logs:
            print(f"\n----- last lines of {log} -----\n{tail(log)}")
        raise


def run_cli(command: list[str], env: dict[str, str], log: Path) -> None:
    result = subprocess.run(
        command,
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"


# -- the server and the worker ---------------------------------------------------------------


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    env: dict[str, str]  # what a Prefect client (CLI, worker) needs to reach it
    logs: Path

    def client(self) -> SyncPrefectClient:
        return SyncPrefectClient(self.api_url)


def wait_for_health(api_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prefect server exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {STARTUP_SECONDS}s:\n{tail(log)}")


@contextmanager
def deployed_server(root: Path) -> Iterator[PrefectServer]:
    """A Prefect server on a free loopback port with the helpline pool and the deployments of
    deploy/prefect.yaml, as after `make server` and `make deploy`."""
    home, logs = root / "home", root / "logs"
    home.mkdir()
    logs.mkdir()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HELPLINE_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        PREFECT_LOGGING_LEVEL="INFO",
        # Schedule a year ahead (default 100 days) so the next two report runs always exist.
        PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME="P400D",
    )
    server_log = logs / "server.log"
    server = start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
        root,
        server_log,
    )
    client_env = {**env, "PREFECT_API_URL": api_url}
    try:
        with logs_on_failure(server_log, logs / "deploy.log"):
            wait_for_health(api_url, server, server_log)
            deploy_log = logs / "deploy.log"
            pool = [PREFECT, "work-pool", "create", "helpline", "--type", "process"]
            run_cli([*pool, "--overwrite"], client_env, deploy_log)
            # As `make deploy` does, from the repository root, and with a checkout path set in
            # the deploying shell that must not end up in the deployments.
            deploying = {**client_env, "HELPLINE_REPO_DIR": "/nonexistent/deploying-shell"}
            deploy = [PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file"]
            run_cli([*deploy, "deploy/prefect.yaml"], deploying, deploy_log)
        yield PrefectServer(api_url, client_env, logs)
    finally:
        stop(server)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    with deployed_server(tmp_path_factory.mktemp("prefect")) as server:
        yield server


@pytest.fixture(scope="module")
def worker(prefect_server: PrefectServer) -> Iterator[Path]:
    """One process worker; its log file."""
    log = prefect_server.logs / "worker.log"
    env = {
        **prefect_server.env,
        "HELPLINE_REPO_DIR": str(REPO),  # what deploy/prefect.yaml's pull step moves to
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
    }
    # Started outside the repository: the pull step, not the cwd, must find the code.
    process = start(
        [PREFECT, "worker", "start", "--pool", "helpline", "--type", "process"],
        env,
        log.parent,
        log,
    )
    try:
        yield log
    finally:
        stop(process)


def run_deployment(
    server: PrefectServer,
    worker_log: Path,
    name: str,
    parameters: dict[str, Any],
    job_env: dict[str, str],
) -> FlowRun:
    """Trigger a deployment with this run's settings and wait (bounded) for a final state."""
    with logs_on_failure(worker_log, server.logs / "server.log"), server.client() as client:
        deployment = client.read_deployment_by_name(name)
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters=parameters, job_variables={"env": job_env}
        )
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            run = client.read_flow_run(run.id)
            if run.state is not None and run.state.is_final():
                return run
            time.sleep(1)
        pytest.fail(f"flow run {run.id} not finished after {RUN_SECONDS}s: {run.state}")


def read_logs(server: PrefectServer, flow_run_id: UUID, awaited: str) -> list[Any]:
    """The run's logs once `awaited` has arrived and no more are coming: a run ships its logs
    in batches, so they can reach the server after the run's final state does."""
    deadline = time.monotonic() + 30
    logs: list[Any] = []
    seen = -1
    with server.client() as client:
        while time.monotonic() < deadline:
            logs = client.read_logs(
                LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200
            )
            arrived = any(awaited in log.message for log in logs)
            if arrived and len(logs) == seen:
                break
            seen = len(logs) if arrived else -1
            time.sleep(2)
    return logs


def task_runs(server: PrefectServer, flow_run_id: UUID) -> list[TaskRun]:
    with server.client() as client:
        found = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return sorted(found, key=lambda t: t.expected_start_time or datetime.min)


def artifacts(server: PrefectServer, flow_run_id: UUID) -> dict[str, Any]:
    with server.client() as client:
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {str(artifact.key): artifact for artifact in found}


def table_data(artifact: Any) -> list[dict[str, str]]:
    assert artifact.type == "table"
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data  # type: ignore[no-any-return]


def failed_one_line(server: PrefectServer, run: FlowRun) -> tuple[str, list[Any]]:
    """A Failed run's state message, checked to be one line, and its logs, checked to hold
    exactly one flow-level ERROR (that line) and no traceback anywhere."""
    assert run.state is not None
    message = run.state.message or ""
    assert run.state.type == StateType.FAILED, (run.state.type, message)
    assert message and "\n" not in message
    logs = read_logs(server, run.id, message)
    flow_errors = [log.message for log in logs if log.level >= 40 and log.task_run_id is None]
    assert flow_errors == [message]
    assert not [log.message for log in logs if "Traceback" in log.message]
    return message, logs


# -- helpers for the expectations -----------------------------------------------------------


def table_rows(path: Path, sheet: str, table: str) -> list[list[object]]:
    worksheet = load_workbook(path)[sheet]
    return [[cell.value for cell in row] for row in worksheet[worksheet.tables[table].ref]]


def first_working_day(year: int, month: int) -> date:
    new_year = date(year, 1, 1)
    holidays = {new_year, new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0))}
    day = date(year, month, 1)
    for _ in range(7):
        if day.weekday() < 5 and day not in holidays:
            break
        day += timedelta(days=1)
    return day


def report_days_after(moment: datetime, count: int) -> list[datetime]:
    days = [
        first_working_day(year, month)
        for year in range(moment.year, moment.year + count + 1)
        for month in (1, 7)
    ]
    at_seven = [datetime(d.year, d.month, d.day, 7, 0, tzinfo=LONDON) for d in days]
    return [day for day in at_seven if day >= moment][:count]


@pytest.fixture
def demo_loaded(engine: Engine, settings: Settings, tmp_path: Path) -> Settings:
    """The demo partner files ingested into the test database (2017-H2 and 2018-H1)."""
    from flows import commands
    from flows.demo import write_demo_files

    for demo_file in write_demo_files(tmp_path / "demo-files"):
        outcomes = commands.ingest_files(
            engine, settings, demo_file.partner_id, [demo_file.path], print
        )
        assert all(outcome.ok for outcome in outcomes), [o.line() for o in outcomes]
    return settings


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.timeout(180)
def test_deployments_are_registered_with_their_schedules(prefect_server: PrefectServer) -> None:
    with prefect_server.client() as client:
        report = client.read_deployment_by_name(REPORT)
        sweep = client.read_deployment_by_name("ingest_inbox/inbox-sweep")
        backfill = client.read_deployment_by_name("backfill/backfill")
        assert {report.work_pool_name, sweep.work_pool_name, backfill.work_pool_name} == {
            "helpline"
        }
        assert report.entrypoint == "flows/orchestration.py:six_monthly_report"
        # A run started by hand emails nobody; the schedule's runs do.
        assert report.parameters == {"period": None, "scope": "national", "send": False}
        [schedule] = report.schedules
        assert schedule.parameters == {"send": True}
        assert isinstance(schedule.schedule, RRuleSchedule)
        assert schedule.schedule.timezone == "Europe/London"
        assert backfill.parameters == {"missing_only": False, "send": False}
        assert backfill.schedules == []
        # The pull steps as written: nothing from the deploying shell was frozen into them.
        written = yaml.safe_load((REPO / "deploy" / "prefect.yaml").read_text(encoding="utf-8"))
        assert report.pull_steps == written["pull"]
        assert "/nonexistent/deploying-shell" not in json.dumps(report.pull_steps)
        [cron] = sweep.schedules
        assert isinstance(cron.schedule, CronSchedule)
        assert (cron.schedule.cron, cron.schedule.timezone) == ("0 6 * * *", "Europe/London")

        # The server's scheduler turns the RRule into runs on the first working days, 07:00.
        now = datetime.now(LONDON)
        deadline = time.monotonic() + 30
        scheduled: list[FlowRun] = []
        while time.monotonic() < deadline:
            scheduled = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[report.id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                    )
                ),
                limit=10,
            )
            if len(scheduled) >= 2:
                break
            time.sleep(1)
    starts = sorted(run.expected_start_time for run in scheduled if run.expected_start_time)
    assert len(starts) >= 2, "the scheduler did not schedule the six-monthly report"
    assert [s.astimezone(LONDON) for s in starts[:2]] == report_days_after(now, 2)
    assert {json.dumps(run.parameters, sort_keys=True) for run in scheduled} == {
        json.dumps({"period": None, "scope": "national", "send": True}, sort_keys=True)
    }


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with serving(inbox) as port:
        yield inbox, port


@pytest.mark.timeout(300)
def test_six_monthly_report_runs_on_a_worker_publishes_and_emails_only_when_asked(
    prefect_server: PrefectServer,
    worker: Path,
    demo_loaded: Settings,
    cli_env: dict[str, str],
    smtp_inbox: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_inbox
    demo_loaded.recipients_file.write_text(
        (REPO / "deploy" / "recipients.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    mail_env = {
        **cli_env,
        "HELPLINE_SMTP_HOST": "127.0.0.1",
        "HELPLINE_SMTP_PORT": str(port),
        "HELPLINE_SMTP_STARTTLS": "false",
        "HELPLINE_MAIL_FROM": "reports@example.org",
    }
    by_hand = run_deployment(prefect_server, worker, REPORT, {"period": "2018-H1"}, mail_env)
    assert by_hand.state is not None
    assert by_hand.state.type == StateType.COMPLETED, (by_hand.state.type, by_hand.state.message)
    assert by_hand.parameters == {"period": "2018-H1", "scope": "national", "send": False}
    assert inbox.messages == []  # the deployment's default sends nothing

    workbook = demo_loaded.output_dir / "helpline-contacts-2018-H1-national.xlsx"
    regions = {row[0]: row for row in table_rows(workbook, "regions", "regions")}
    north_west = regions["North West"]
    assert (north_west[1], north_west[2], north_west[4]) == (1747, 3549, 103.1)

    by_key = artifacts(prefect_server, by_hand.id)
    rows = {row["region"]: row for row in table_data(by_key["headline-figures"])}
    assert rows["North West"] == {
        "region": "North West",
        "previous": "1,747",
        "current": "3,549",
        "change (%)": "+103.1%",
    }
    card = str(by_key["workbook"].data)
    assert by_key["workbook"].type == "markdown"
    assert f"Written to `{workbook.resolve()}`" in card
    assert "| North West | 1,747 | 3,549 | +103.1% |" in card

    # A scheduled send with the example contact address fails at once and mails nobody.
    placeholder = {**mail_env, "HELPLINE_CONTACT_EMAIL": "analysis@example.org"}
    refused = run_deployment(
        prefect_server, worker, REPORT, {"period": "2018-H1", "send": True}, placeholder
    )
    assert refused.state is not None
    assert (refused.state.type, refused.state.message) == (
        StateType.FAILED,
        "HELPLINE_CONTACT_EMAIL is still the example address analysis@example.org; set it to the "
        "address recipients should write to, then send.",
    )
    assert inbox.messages == []

    sent = run_deployment(
        prefect_server, worker, REPORT, {"period": "2018-H1", "send": True}, mail_env
    )
    assert sent.state is not None
    assert sent.state.type == StateType.COMPLETED, (sent.state.type, sent.state.message)
    # Each of the three recipients in deploy/recipients.toml got one message with their scope.
    delivered = sorted((to, message) for to, message in inbox.messages)
    assert [to for to, _ in delivered] == [
        ["analysis@example.org"],
        ["lancashire.insights@example.org"],
        ["north-west.partnership@example.org"],
    ]
    names = [next(message.iter_attachments()).get_filename() for _, message in delivered]
    assert names == [
        "helpline-contacts-2018-H1-national.xlsx",
        "helpline-contacts-2018-H1-force-e23000003.xlsx",
        "helpline-contacts-2018-H1-region-north-west.xlsx",
    ]


@pytest.mark.timeout(180)
def test_unreachable_database_retries_then_fails_with_one_clear_message(
    prefect_server: PrefectServer, worker: Path, cli_env: dict[str, str]
) -> None:
    job_env = {
        **cli_env,
        "HELPLINE_DATABASE_URL": NOWHERE,
        "HELPLINE_RETRY_BACKOFF_SECONDS": "0.2",
    }
    run = run_deployment(prefect_server, worker, REPORT, {"period": "2018-H1"}, job_env)
    message, logs = failed_one_line(prefect_server, run)
    assert message.startswith(f"Cannot connect to the database at {NOWHERE}: "), message
    assert message.endswith("Check HELPLINE_DATABASE_URL and that the server is running.")

    [connect] = task_runs(prefect_server, run.id)
    assert connect.name.startswith("connect_database")
    assert connect.run_count == 4  # the first try and three retries
    assert connect.state is not None and connect.state.type == StateType.FAILED
    texts = [log.message for log in logs]
    retries = [t for t in texts if "Retry " in t and "will start" in t]
    assert [t.split(" - Retry ")[1][:3] for t in retries] == ["1/3", "2/3", "3/3"]
    assert all(NOWHERE in t for t in retries)
    # Each retry once, at WARNING, its delay rounded; the final failure once, at ERROR.
    assert [log.level for log in logs if "Retry " in log.message] == [30, 30, 30]
    assert all(re.search(r"will start \d+\.\d second\(s\) from now$", t) for t in retries)
    assert [log.message for log in logs if log.level >= 40] == [message]
    assert not [t for t in texts if "Encountered exception during execution" in t]


@pytest.mark.timeout(180)
def test_a_missing_database_fails_at_once_without_retries(
    prefect_server: PrefectServer, worker: Path, cli_env: dict[str, str], database_url: str
) -> None:
    missing = make_url(database_url).set(database="helpline_no_such_database")
    job_env = {**cli_env, "HELPLINE_DATABASE_URL": missing.render_as_string(hide_password=False)}
    run = run_deployment(prefect_server, worker, REPORT, {"period": "2018-H1"}, job_env)
    message, logs = failed_one_line(prefect_server, run)
    assert message.startswith("Cannot use the database at "), message
    assert 'database "helpline_no_such_database" does not exist' in message
    assert message.endswith("retrying will not help.")
    [connect] = task_runs(prefect_server, run.id)
    assert connect.run_count == 1  # a retry cannot create a database
    assert not [log.message for log in logs if "Retry " in log.message]


@pytest.mark.timeout(180)
def test_a_failed_report_run_logs_one_line_and_no_traceback(
    prefect_server: PrefectServer, worker: Path, engine: Engine, cli_env: dict[str, str]
) -> None:
    run = run_deployment(prefect_server, worker, REPORT, {"period": "2019-H2"}, cli_env)
    message, _ = failed_one_line(prefect_server, run)
    assert message == (
        "No contacts are loaded for 2019-H2 (July to December 2019); ingest the partners' "
        "files for it first."
    )
    connect, build = task_runs(prefect_server, run.id)
    assert connect.name.startswith("connect_database")
    assert build.name.startswith("build_workbook")
    assert build.state is not None and build.state.type == StateType.FAILED
    assert build.run_count == 1  # no data is not something a retry can fix


@pytest.mark.timeout(180)
def test_a_bad_setting_fails_the_run_with_one_line(
    prefect_server: PrefectServer, worker: Path, cli_env: dict[str, str]
) -> None:
    job_env = {**cli_env, "HELPLINE_RETRY_BACKOFF_SECONDS": "soon"}
    run = run_deployment(prefect_server, worker, REPORT, {"period": "2018-H1"}, job_env)
    message, _ = failed_one_line(prefect_server, run)
    assert message == (
        "HELPLINE_RETRY_BACKOFF_SECONDS: Input should be a valid number, unable to parse "
        "string as a number."
    )
    assert task_runs(prefect_server, run.id) == []  # nothing was touched


@pytest.mark.timeout(300)
def test_a_backfill_runs_one_task_per_period_and_retries_a_dropped_connection(
    prefect_server: PrefectServer,
    worker: Path,
    demo_loaded: Settings,
    partner_settings: Settings,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
) -> None:
    from flows.commands import ingest_files

    # 2017-H2 and 2018-H1 from the demo, 2019-H1 from this file; 2018-H2 has no data.
    february = write_xlsx(tmp_path / "feb-2019.xlsx", records("F", date(2019, 2, 1), "Lancs", 30))
    [loaded] = ingest_files(engine, partner_settings, "t-records", [february], print)
    assert loaded.ok, loaded.line()
    connect, proxied = upstream(database_url)
    # The first time the worker's flow sends "2018-H1" (the lock for that period's build), the
    # database goes away for 3 seconds: every connection is cut, new ones are refused.
    with dropping_proxy(connect, b"2018-H1", outage_seconds=3.0) as proxy:
        job_env = helpline_env(
            demo_loaded,
            HELPLINE_DATABASE_URL=proxied.format(port=proxy.port),
            HELPLINE_RETRY_BACKOFF_SECONDS="1",
        )
        parameters = {"start": "2017-H2", "end": "2019-H1"}
        run = run_deployment(prefect_server, worker, "backfill/backfill", parameters, job_env)
    assert proxy.dropped_at is not None, "the database never dropped: the test proved nothing"

    message, logs = failed_one_line(prefect_server, run)
    assert message == (
        "1 of 4 period(s) failed: 2018-H2: No contacts are loaded for 2018-H2 (July to "
        "December 2018); ingest the partners' files for it first."
    )
    periods = {t.name: t for t in task_runs(prefect_server, run.id) if t.name.startswith("back")}
    assert sorted(periods) == [
        "backfill-2017-H2",
        "backfill-2018-H1",
        "backfill-2018-H2",
        "backfill-2019-H1",
    ]
    states = {name: (t.state.type if t.state else None, t.run_count) for name, t in periods.items()}
    assert states["backfill-2017-H2"] == (StateType.COMPLETED, 1)
    assert states["backfill-2019-H1"] == (StateType.COMPLETED, 1)
    assert states["backfill-2018-H2"] == (StateType.FAILED, 1)
    dropped_state, dropped_runs = states["backfill-2018-H1"]
    assert dropped_state == StateType.COMPLETED and dropped_runs >= 2  # retried, then done
    failed_period = periods["backfill-2018-H2"].state
    assert failed_period is not None and "\n" not in (failed_period.message or "")
    retried = [
        log.message
        for log in logs
        if log.task_run_id == periods["backfill-2018-H1"].id and "Retry 1/3" in log.message
    ]
    assert len(retried) == 1 and "DatabaseUnavailable" in retried[0], retried
    output = demo_loaded.output_dir
    built = sorted(path.name for path in output.glob("helpline-contacts-*.xlsx"))
    assert built == [
        "helpline-contacts-2017-H2-national.xlsx",
        "helpline-contacts-2018-H1-national.xlsx",
        "helpline-contacts-2019-H1-national.xlsx",
    ]
    rows = table_data(artifacts(prefect_server, run.id)["backfill"])
    assert [(row["period"], row["state"]) for row in rows] == [
        ("2017-H2", "done"),
        ("2018-H1", "done"),
        ("2018-H2", "failed"),
        ("2019-H1", "done"),
    ]


@pytest.mark.timeout(300)
def test_an_inbox_sweep_lists_every_file_with_a_reason(
    prefect_server: PrefectServer, worker: Path, engine: Engine, partner_settings: Settings
) -> None:
    inbox = partner_settings.inbox_dir
    march = date(2019, 3, 1)
    write_xlsx(inbox / "t-records" / "good.xlsx", records("G", march, "Lancs", 30))
    phone_rows = [
        [*row, f"07700 900{i:03d}"] for i, row in enumerate(records("P", march, "Lancs", 5))
    ]
    write_xlsx(inbox / "t-records" / "phone.xlsx", phone_rows, headings=[*HEADINGS, "Phone"])
    (inbox / "t-records" / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x17garbage" * 50)
    write_xlsx(inbox / "no-profile" / "stray.xlsx", records("S", march, "Lancs", 3))
    settled = time.time() - 60  # written a minute ago: the sweep takes only settled files
    for path in inbox.rglob("*.xlsx"):
        os.utime(path, (settled, settled))

    run = run_deployment(
        prefect_server, worker, "ingest_inbox/inbox-sweep", {}, helpline_env(partner_settings)
    )
    assert run.state is not None
    # Rejections and a file nobody can read yet are outcomes, not failures.
    assert run.state.type == StateType.COMPLETED, (run.state.type, run.state.message)
    files = {t.name: t for t in task_runs(prefect_server, run.id) if t.name.startswith("ingest-")}
    assert sorted(files) == [
        "ingest-no-profile/stray.xlsx",
        "ingest-t-records/corrupt.xlsx",
        "ingest-t-records/good.xlsx",
        "ingest-t-records/phone.xlsx",
    ]
    # Every file ends Completed, but a file that was not loaded is named for what became of
    # it (the UI draws it apart from the green loaded ones), with the reason as its message.
    shown = {name: (t.state.type, t.state.name) for name, t in files.items() if t.state}
    assert shown == {
        "ingest-no-profile/stray.xlsx": (StateType.COMPLETED, "Left in inbox"),
        "ingest-t-records/corrupt.xlsx": (StateType.COMPLETED, "Rejected"),
        "ingest-t-records/good.xlsx": (StateType.COMPLETED, "Completed"),
        "ingest-t-records/phone.xlsx": (StateType.COMPLETED, "Rejected"),
    }
    rejected = files["ingest-t-records/phone.xlsx"].state
    assert rejected is not None
    assert (rejected.message or "").startswith(
        "rejected: phone.xlsx: column 'Phone' looks like personal data"
    )

    by_key = artifacts(prefect_server, run.id)
    sweep = table_data(by_key["inbox-sweep"])
    assert [(r["file"], r["result"], r["rows loaded"]) for r in sweep] == [
        ("t-records/corrupt.xlsx", "rejected", "0"),
        ("t-records/good.xlsx", "accepted", "30"),
        ("t-records/phone.xlsx", "rejected", "0"),
        ("no-profile/stray.xlsx", "left in the inbox", "0"),
    ]
    reasons = [r["reason"] for r in sweep]
    assert reasons[0].startswith("rejected: corrupt.xlsx is corrupt")
    assert reasons[1] == "accepted, 30 rows, months Mar 2019 to Mar 2019 (submission 2)"
    assert reasons[2].startswith("rejected: phone.xlsx: column 'Phone' looks like personal data")
    assert reasons[3].startswith("left in the inbox: No profile for partner 'no-profile'")

    checks = table_data(by_key["validation-summary"])
    notes = [(r["file"], r["validation"]) for r in checks]
    assert [file for file, _ in notes] == [r["file"] for r in sweep]
    assert notes[0][1].startswith("rejected before validation: corrupt.xlsx is corrupt")
    assert notes[1][1] == "every rule passed"
    assert notes[2][1].startswith("rejected before validation: phone.xlsx: column 'Phone'")
    assert notes[3][1].startswith("not validated, left in the inbox: No profile for partner")

    swept = "3 file(s) swept (2 rejected, 1 accepted, 1 left in the inbox)"
    logs = read_logs(prefect_server, run.id, swept)
    warnings = sorted(log.message for log in logs if log.level == 30)
    assert [w.split(":")[0] for w in warnings] == [
        "no-profile/stray.xlsx",
        "t-records/corrupt.xlsx",
        "t-records/phone.xlsx",
    ]
    assert (inbox / "processed" / "t-records" / "good.xlsx").is_file()
    assert (inbox / "rejected" / "t-records" / "phone.xlsx").is_file()
    assert (inbox / "rejected" / "t-records" / "corrupt.xlsx").is_file()
    assert (inbox / "no-profile" / "stray.xlsx").is_file()  # left for when a profile exists


@pytest.mark.timeout(180)
def test_a_send_with_no_smtp_host_fails_with_one_line_and_builds_nothing(
    prefect_server: PrefectServer, worker: Path, engine: Engine, cli_env: dict[str, str]
) -> None:
    job_env = {**cli_env, "HELPLINE_MAIL_OUTBOX": "false"}
    run = run_deployment(
        prefect_server, worker, REPORT, {"period": "2018-H1", "send": True}, job_env
    )
    message, _ = failed_one_line(prefect_server, run)
    assert message == (
        "Cannot email: HELPLINE_SMTP_HOST is not set (set it, or set HELPLINE_MAIL_OUTBOX=true "
        "to write .eml files instead); nobody was emailed."
    )
    assert task_runs(prefect_server, run.id) == []  # refused before any work

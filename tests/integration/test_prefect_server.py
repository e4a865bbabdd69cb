"""The deployments on a real Prefect server: registered from deploy/prefect.yaml, run by a worker.

One Prefect server (SQLite under a temporary PREFECT_HOME, loopback only) per module; each test
starts its own process worker for the `helpline` pool with the test database's HELPLINE_* env.
Every process started here is stopped by process group, terminate first, then kill.
"""

from __future__ import annotations

import json
import os
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
from prefect.client.schemas.objects import FlowRun, StateType
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from tests.loopback import Inbox, free_port, serving

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
LONDON = ZoneInfo("Europe/London")
NOWHERE = "postgresql://postgres@127.0.0.1:1/nowhere"
REPORT = "six_monthly_report/six-monthly-report"
STARTUP_SECONDS = 60
RUN_SECONDS = 90


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


# -- the server ------------------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    root = tmp_path_factory.mktemp("prefect")
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
            # As `make deploy` does: from the repository root, entrypoints relative to it.
            deploy = [PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file"]
            run_cli([*deploy, "deploy/prefect.yaml"], client_env, deploy_log)
        yield PrefectServer(api_url, client_env, logs)
    finally:
        stop(server)


@contextmanager
def worker(server: PrefectServer, helpline_env: dict[str, str], log: Path) -> Iterator[None]:
    env = {**server.env, **{k: v for k, v in helpline_env.items() if k.startswith("HELPLINE_")}}
    env.update(
        HELPLINE_REPO_DIR=str(REPO),  # where deploy/prefect.yaml's pull step moves to
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )
    # Started outside the repository: the pull step, not the cwd, must find the code.
    process = start(
        [PREFECT, "worker", "start", "--pool", "helpline", "--type", "process"],
        env,
        log.parent,
        log,
    )
    try:
        with logs_on_failure(log, server.logs / "server.log"):
            yield
    finally:
        stop(process)


def run_report(
    server: PrefectServer, parameters: dict[str, Any], job_env: dict[str, str] | None = None
) -> FlowRun:
    """Trigger the six-monthly-report deployment and wait (bounded) for a final state."""
    with server.client() as client:
        deployment = client.read_deployment_by_name(REPORT)
        run = client.create_flow_run_from_deployment(
            deployment.id,
            parameters=parameters,
            job_variables={"env": job_env} if job_env else None,
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
            arrived = any(log.message == awaited for log in logs)
            if arrived and len(logs) == seen:
                break
            seen = len(logs) if arrived else -1
            time.sleep(2)
    return logs


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
        assert report.parameters == {"period": None, "scope": "national", "send": True}
        assert backfill.parameters == {"missing_only": False, "send": False}
        assert backfill.schedules == []
        # The pull step's placeholder is kept for the worker to resolve at run time.
        assert report.pull_steps == [
            {
                "prefect.deployments.steps.set_working_directory": {
                    "directory": "{{ $HELPLINE_REPO_DIR }}"
                }
            }
        ]
        [schedule] = report.schedules
        assert schedule.schedule.timezone == "Europe/London"
        [cron] = sweep.schedules
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


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with serving(inbox) as port:
        yield inbox, port


@pytest.mark.timeout(180)
def test_six_monthly_report_runs_on_a_worker_publishes_and_emails_the_figures(
    prefect_server: PrefectServer,
    demo_loaded: Settings,
    cli_env: dict[str, str],
    smtp_inbox: tuple[Inbox, int],
    tmp_path: Path,
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
    with worker(prefect_server, mail_env, tmp_path / "worker.log"):
        run = run_report(prefect_server, {"period": "2018-H1"})
        assert run.state is not None
        assert run.state.type == StateType.COMPLETED, (run.state.type, run.state.message)
        assert run.parameters == {"period": "2018-H1", "scope": "national", "send": True}

        workbook = demo_loaded.output_dir / "helpline-contacts-2018-H1-national.xlsx"
        assert workbook.is_file()
        regions = {row[0]: row for row in table_rows(workbook, "regions", "regions")}
        north_west = regions["North West"]
        assert (north_west[1], north_west[2], north_west[4]) == (1747, 3549, 103.1)

        with prefect_server.client() as client:
            artifacts = client.read_artifacts(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            )
        by_key = {artifact.key: artifact for artifact in artifacts}
        headline = by_key["headline-figures"]
        assert headline.type == "table"
        data = json.loads(headline.data) if isinstance(headline.data, str) else headline.data
        rows = {row["region"]: row for row in data}
        assert rows["North West"] == {
            "region": "North West",
            "previous": "1747",
            "current": "3549",
            "change (%)": "103.1",
        }
        assert by_key["workbook"].type == "markdown"  # a link artifact is stored as markdown
        assert workbook.resolve().as_uri() in str(by_key["workbook"].data)

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
    prefect_server: PrefectServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    job_env = {"HELPLINE_DATABASE_URL": NOWHERE, "HELPLINE_RETRY_BACKOFF_SECONDS": "0.2"}
    with worker(prefect_server, cli_env, tmp_path / "worker.log"):
        run = run_report(prefect_server, {"period": "2018-H1"}, job_env)
        assert run.state is not None
        message = run.state.message or ""
        assert run.state.type == StateType.FAILED, (run.state.type, message)
        assert message.startswith(f"Cannot connect to the database at {NOWHERE}: "), message
        assert message.endswith("Check HELPLINE_DATABASE_URL and that the server is running."), (
            message
        )
        assert "\n" not in message

        with prefect_server.client() as client:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            )
        assert [t.name.rsplit("-", 1)[0] for t in task_runs] == ["connect_database"]
        [connect] = task_runs
        assert connect.run_count == 4  # the first try and three retries
        assert connect.state is not None and connect.state.type == StateType.FAILED

        logs = read_logs(prefect_server, run.id, message)
        texts = [log.message for log in logs]
        retries = [t for t in texts if "Retry " in t and "will start" in t]
        assert [t.split(" - Retry ")[1][:3] for t in retries] == ["1/3", "2/3", "3/3"]
        assert all(NOWHERE in t for t in retries)
        flow_errors = [log.message for log in logs if log.level >= 40 and log.task_run_id is None]
        assert flow_errors[0] == message  # the flow's own report: one line, no traceback
        # Prefect's engine ends every failed deployment run with its own epilogue; it must
        # name no cause but ours.
        for epilogue in flow_errors[1:]:
            assert epilogue.startswith("Engine execution exited"), epilogue
            assert epilogue.rstrip().endswith(f"FailedRun: {message}"), epilogue
        assert len(flow_errors) <= 2, flow_errors
        assert not [t for t in texts if "Encountered exception during execution" in t]

"""Operations on a real Prefect server, set up as `make deploy` does (deployments, then the
automations of deploy/automations.yaml): a worker killed mid-sweep, and an alert for a failed run.

The crash test waits for heartbeats to stop (a minute at least: Prefect's heartbeats come every
30 s), so it lives here, in `make reliability`, rather than with the quicker server tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.states import Scheduled
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from tests.conftest import helpline_env
from tests.integration.test_prefect_server import (
    PREFECT,
    REPO,
    REPORT,
    PrefectServer,
    deployed_server,
    logs_on_failure,
    run_cli,
    start,
    stop,
    task_runs,
)
from tests.reliability.conftest import CaseLog
from tests.support.db_state import current_totals, ledger
from tests.support.loopback import free_port
from tests.support.partner_files import records, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SWEEP = "ingest_inbox/inbox-sweep"
HEARTBEAT = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
CRASH_AFTER_SECONDS = 60  # the smallest HELPLINE_CRASH_AFTER_SECONDS allows
RECOVERY_LIMIT_SECONDS = 300  # the bound: a new sweep done within 5 minutes
FILES = 12


@dataclass
class Catcher:
    """A webhook receiver on loopback: every request body it was sent."""

    url: str
    bodies: list[str] = field(default_factory=list)

    def wait_for(self, text: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [body for body in self.bodies if text in body]
            if found:
                return found[0]
            time.sleep(0.5)
        raise AssertionError(f"no alert containing {text!r} in {seconds}s: {self.bodies}")


@pytest.fixture(scope="module")
def catcher() -> Iterator[Catcher]:
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append(self.rfile.read(length).decode("utf-8", errors="replace"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Catcher(f"http://127.0.0.1:{server.server_port}/alerts", received)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def operated_server(
    tmp_path_factory: pytest.TempPathFactory, catcher: Catcher
) -> Iterator[PrefectServer]:
    """A Prefect server with the deployments, crash detection and the alert, as after
    `make deploy` with HELPLINE_ALERT_WEBHOOK_URL set."""
    with deployed_server(tmp_path_factory.mktemp("operated")) as server:
        deploy_log = server.logs / "deploy.log"
        with logs_on_failure(server.logs / "server.log", deploy_log):
            automations = {
                **server.env,
                "HELPLINE_ALERT_WEBHOOK_URL": catcher.url,
                "HELPLINE_CRASH_AFTER_SECONDS": str(CRASH_AFTER_SECONDS),
            }
            python = str(Path(PREFECT).parent / "python")
            run_cli([python, "-m", "flows.orchestration"], automations, deploy_log)
        assert "automation: helpline: alert on failed, crashed or late runs" in (
            deploy_log.read_text(encoding="utf-8")
        )
        yield server


def start_worker(server: PrefectServer, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = server.logs / f"{name}.log"
    env = {
        **server.env,
        **HEARTBEAT,
        "HELPLINE_REPO_DIR": str(REPO),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
    }
    command = [PREFECT, "worker", "start", "--pool", "helpline", "--type", "process"]
    return start(command, env, log.parent, log), log


def read_run(server: PrefectServer, run_id: UUID) -> FlowRun:
    with server.client() as client:
        return client.read_flow_run(run_id)


def wait_until(
    server: PrefectServer, run_id: UUID, done: Callable[[FlowRun], object], seconds: float
) -> FlowRun:
    deadline = time.monotonic() + seconds
    while True:
        run = read_run(server, run_id)
        if done(run):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run.state} after {seconds:.0f}s")
        time.sleep(1)


def trigger(
    server: PrefectServer, name: str, parameters: dict[str, object], env: dict[str, str]
) -> UUID:
    with server.client() as client:
        deployment = client.read_deployment_by_name(name)
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters=parameters, job_variables={"env": env}
        )
    return run.id


def kill_flow_run_process(run: FlowRun) -> None:
    """The flow-run process runs in a session of its own: SIGKILL it by the pid the worker
    recorded (hostname:pid), as a machine losing power would."""
    pid = int(str(run.infrastructure_pid).rsplit(":", 1)[-1])
    os.kill(pid, signal.SIGKILL)


def test_a_failed_run_posts_an_alert_to_the_webhook(
    operated_server: PrefectServer, catcher: Catcher, engine: Engine, cli_env: dict[str, str]
) -> None:
    worker, log = start_worker(operated_server, "alert-worker")
    try:
        with logs_on_failure(log, operated_server.logs / "server.log"):
            run_id = trigger(
                operated_server, REPORT, {"period": "2019-H2"}, {**cli_env, **HEARTBEAT}
            )
            run = wait_until(operated_server, run_id, lambda r: r.state and r.state.is_final(), 180)
            assert run.state is not None and run.state.type == StateType.FAILED
            body = catcher.wait_for(str(run.name), 60)
    finally:
        stop(worker)
    assert body == (
        f"helpline: six_monthly_report run {run.name} is Failed: No contacts are loaded for "
        "2019-H2 (July to December 2019); ingest the partners' files for it first."
    )


def test_a_run_no_worker_picks_up_is_late_and_posts_an_alert(
    operated_server: PrefectServer, catcher: Catcher
) -> None:
    """Every worker down at the scheduled time: the run turns Late and someone hears of it."""
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with operated_server.client() as client:
        deployment = client.read_deployment_by_name(REPORT)
        run = client.create_flow_run_from_deployment(
            deployment.id, state=Scheduled(scheduled_time=an_hour_ago)
        )
        try:
            body = catcher.wait_for(f"run {run.name} is Late", 120)
        finally:
            client.delete_flow_run(run.id)  # no later worker in this module should pick it up
    assert body.startswith(f"helpline: six_monthly_report run {run.name} is Late: ")


def test_a_sweep_whose_worker_is_killed_is_crashed_and_the_next_sweep_loads_each_file_once(
    operated_server: PrefectServer,
    engine: Engine,
    partner_settings: Settings,
    cases: CaseLog,
) -> None:
    inbox = partner_settings.inbox_dir / "t-records"
    for number in range(FILES):
        month = date(2017 + (6 + number) // 12, 1 + (6 + number) % 12, 1)  # Jul 2017 onwards
        rows = records(f"K{number:02d}-", month, "Lancs", 9)
        write_xlsx(inbox / f"file-{number:02d}.xlsx", rows)
    settled = time.time() - 3600
    for path in inbox.iterdir():
        os.utime(path, (settled, settled))
    env = {**helpline_env(partner_settings), **HEARTBEAT}
    processed = partner_settings.inbox_dir / "processed" / "t-records"
    worker, log = start_worker(operated_server, "crash-worker")
    with cases.case(limit=600), logs_on_failure(log, operated_server.logs / "server.log"):
        first = trigger(operated_server, SWEEP, {}, env)
        deadline = time.monotonic() + 180
        while len(list(processed.glob("file-??.xlsx"))) < 2:
            assert time.monotonic() < deadline, "the sweep never filed a file"
            time.sleep(0.2)
        killed = read_run(operated_server, first)
        assert killed.state is not None and killed.state.type == StateType.RUNNING, killed.state
        stop_hard(worker)
        kill_flow_run_process(killed)
        left = len(os.listdir(inbox))
        assert 0 < left < FILES, "the kill came too late to leave files for the next sweep"

        restarted_at = time.monotonic()
        worker, log = start_worker(operated_server, "restarted-worker")
        try:
            second = trigger(operated_server, SWEEP, {}, env)
            done = wait_until(
                operated_server,
                second,
                lambda r: r.state and r.state.is_final(),
                RECOVERY_LIMIT_SECONDS,
            )
            recovered_in = time.monotonic() - restarted_at
        finally:
            stop(worker)
        crashed = read_run(operated_server, first)
        print(f"\nnew sweep completed {recovered_in:.0f} s after the worker restarted")
        assert crashed.state is not None and crashed.state.type == StateType.CRASHED
        assert "No heartbeat" in (crashed.state.message or "")
        assert done.state is not None and done.state.type == StateType.COMPLETED, done.state
        assert recovered_in < RECOVERY_LIMIT_SECONDS

    # Every file loaded exactly once: the one being loaded at the kill is at most a duplicate.
    statuses = [row[2] for row in ledger(engine)]
    assert statuses.count("loaded") == FILES, statuses
    assert set(statuses) <= {"loaded", "duplicate"} and statuses.count("duplicate") <= 1
    assert sum(current_totals(engine).values()) == 9 * FILES
    assert os.listdir(inbox) == []
    assert len(list(processed.glob("file-??.xlsx"))) == FILES
    files = [t for t in task_runs(operated_server, second) if t.name.startswith("ingest-")]
    assert len(files) == left


def stop_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's whole process group at once: no goodbye to the server."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

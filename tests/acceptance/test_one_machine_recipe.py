"""The one-machine Prefect recipe in docs/operations.md, typed in order on a fresh copy of the
checkout.

Nothing is prepared but an empty Postgres server of the test's own (roles are server-wide, so
the suite's shared server will not do) and the partner files an operator would drop into the
inbox. The commands are read from docs/operations.md and must be exactly the ones below, so the
page and this test cannot drift apart; only the server's address, the passwords and the Prefect port
are filled in. `make install` runs for real in the copy (from uv's cache when it is warm).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from flows.demo import write_demo_files
from tests.support.loopback import free_port
from tests.support.postgres_cluster import empty_postgres_server

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]

RECIPE = [
    "make install",
    "echo 'HELPLINE_DATABASE_URL=postgresql://helpline_service:SERVICE_PASSWORD@127.0.0.1:5432"
    "/helpline' > .env",
    "HELPLINE_MIGRATOR_URL=postgresql://helpline_migrator:MIGRATOR_PASSWORD@127.0.0.1:5432"
    "/helpline .venv/bin/helpline db init --admin-url postgresql://postgres@127.0.0.1:5432"
    "/postgres",
    "make server",
    "make deploy",
    "make worker",
    "make run-sweep",
    "make run-report PERIOD=2018-H1",
]
LONG_RUNNING = {"make server", "make worker"}  # "terminal 1" and "terminal 2": they never exit


def recipe_commands() -> list[str]:
    """The commands of the one-machine block, comments and blank lines left out."""
    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("### Without containers (one machine)", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    return [command for command in commands if command and not command.startswith("#")]


def test_the_operations_page_lists_exactly_these_commands() -> None:
    assert recipe_commands() == RECIPE


def copy_checkout(destination: Path) -> Path:
    """What a fresh clone holds: the tracked files (and new ones not ignored), as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def stop(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(
    what: str, ready: Callable[[Path], bool], process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} exited:\n{log.read_text(errors='replace')}"
        if ready(log):
            return
        time.sleep(1)
    pytest.fail(f"{what} not ready after 120 s:\n{log.read_text(errors='replace')}")


def server_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def drop_partner_files(inbox: Path) -> None:
    """What the recipe's comment asks of the operator: partner files in inbox/<partner id>/."""
    for demo in write_demo_files(inbox.parent / "received"):
        target = inbox / demo.partner_id / demo.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(demo.path, target)
        settled = time.time() - 60
        os.utime(target, (settled, settled))


@pytest.fixture
def postgres() -> Iterator[tuple[str, str]]:
    password = secrets.token_hex(8)
    with empty_postgres_server(password) as admin_url:
        yield admin_url, password


@pytest.mark.timeout(1500)
def test_the_one_machine_recipe_from_a_fresh_clone(
    tmp_path: Path, postgres: tuple[str, str]
) -> None:
    admin_url, admin_password = postgres
    port = admin_url.rsplit(":", 1)[1].split("/")[0]
    clone = copy_checkout(tmp_path / "clone")
    prefect_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HELPLINE_"))}
    env.update(PREFECT_SERVER_API_PORT=str(prefect_port), PREFECT_UI_ENABLED="false")
    fills = {
        "SERVICE_PASSWORD": secrets.token_hex(8),
        "MIGRATOR_PASSWORD": secrets.token_hex(8),
        "postgres@127.0.0.1:5432": f"postgres:{admin_password}@127.0.0.1:{port}",
        "@127.0.0.1:5432/": f"@127.0.0.1:{port}/",
    }
    background: list[subprocess.Popen[bytes]] = []
    transcript: list[str] = []
    try:
        for command in RECIPE:
            typed = command
            for placeholder, value in fills.items():
                typed = typed.replace(placeholder, value)
            log = tmp_path / f"{len(transcript):02d}-{command.split()[1]}.log"
            if command == "make run-sweep":
                drop_partner_files(clone / "inbox")
            if command in LONG_RUNNING:
                with log.open("wb") as out:
                    process = subprocess.Popen(
                        ["bash", "-c", typed],
                        cwd=clone,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                background.append(process)
                if command == "make server":
                    wait_for("the server", lambda _: server_answers(prefect_port), process, log)
                else:
                    wait_for(
                        "the worker", lambda out: b"started!" in out.read_bytes(), process, log
                    )
                transcript.append(f"$ {command} &")
                continue
            result = subprocess.run(
                ["bash", "-c", typed],
                cwd=clone,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            transcript.append(f"$ {command}\n{result.stdout}{result.stderr}")
            assert result.returncode == 0, "\n".join(transcript)
            assert "Traceback" not in result.stdout + result.stderr, transcript[-1]
    finally:
        for process in reversed(background):
            stop(process)
        shutil.rmtree(clone / ".venv", ignore_errors=True)  # a gigabyte nobody needs afterwards

    db_init, sweep, report = transcript[2], transcript[6], transcript[7]
    assert "created role helpline_owner" in db_init
    assert "created login helpline_service in helpline_app" in db_init
    assert "helpline_service connects and the schema is current" in db_init
    assert "Flow run finished successfully in 'Completed'" in sweep
    assert "Flow run finished successfully in 'Completed'" in report
    processed = sorted(path.name for path in (clone / "inbox" / "processed").rglob("*.*"))
    assert [name for name in processed if not name.endswith(".feedback.xlsx")] == sorted(
        demo.path.name for demo in write_demo_files(tmp_path / "expected")
    )
    workbook = load_workbook(clone / "output" / "helpline-contacts-2018-H1-national.xlsx")
    regions = workbook["regions"]
    rows = {
        row[0]: row
        for row in (
            [cell.value for cell in line] for line in regions[regions.tables["regions"].ref]
        )
    }
    # North West 1,747 -> 3,549 (+103.1%): the demo's headline, through the sweep and the report.
    assert (rows["North West"][1], rows["North West"][2], rows["North West"][4]) == (
        1747,
        3549,
        103.1,
    )

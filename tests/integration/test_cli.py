"""The installed `helpline` command: help texts, usage errors, and clear failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HELPLINE = Path(sys.executable).parent / "helpline"
COMMANDS = [
    "demo",
    "db",
    "ingest",
    "ingest-inbox",
    "report",
    "backfill",
    "send",
    "status",
    "submissions",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HELPLINE), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_top_level_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f" {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["report"],
        ["backfill"],
        ["demo"],
        ["status"],
        ["ingest-inbox"],
        ["db", "upgrade"],
        ["submissions", "list"],
        ["submissions", "withdraw"],
        ["send"],
    ],
)
def test_each_command_explains_itself(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "Usage: helpline" in result.stdout
    assert len(result.stdout.strip().splitlines()) >= 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "error: No such command 'frobnicate'. (see 'helpline --help')"),
        (
            ["ingest", "x.csv"],
            "error: Missing option '--partner' / '-p'. (see 'helpline ingest --help')",
        ),
        (["report"], "error: Missing option '--period'. (see 'helpline report --help')"),
        (
            ["submissions", "withdraw", "abc"],
            "error: Invalid value for 'submission_id': Input should be a valid integer, unable to "
            "parse string as an integer (see 'helpline submissions withdraw --help')",
        ),
    ],
)
def test_bad_command_line_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == message


def test_bad_period_and_unreachable_database_are_one_line(cli_env: dict[str, str]) -> None:
    result = run("report", "--period", "2018-H3", env=cli_env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: '2018-H3' is not a reporting period; write a half-year such as 2018-H1 or 2017-H2."
    )
    down = {**cli_env, "HELPLINE_DATABASE_URL": "postgresql://app:s3cr3t@127.0.0.1:1/helpline"}
    result = run("status", env=down)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: Cannot connect to the database at postgresql://app:***@127.0.0.1:1/helpline: "
    )
    assert "s3cr3t" not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_partner_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = run("ingest", "--partner", "nobody", str(path), env=cli_env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: No profile for partner 'nobody' in ")
    assert "Traceback" not in result.stderr


def test_make_run_backfill_without_a_range_refuses_at_once() -> None:
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        ["make", "--no-print-directory", "run-backfill", "FROM=2017-H2"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout.strip().splitlines()[-1] == (
        "make run-backfill needs FROM and TO, e.g. make run-backfill FROM=2017-H2 TO=2018-H1"
    )
    assert "prefect" not in result.stdout + result.stderr.replace("Makefile", "")

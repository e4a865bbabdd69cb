"""Shared pieces of the reliability suite: the root fixtures, a case log, and CLI runners.

Every test records the cases it tried through the `cases` fixture; `run_report.py` adds them up
per category (the test module's name) and prints tried/survived.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.cli import main
from flows.core.settings import Settings
from flows.intake.outcome import IngestOutcome
from tests.integration.conftest import partner_settings

__all__ = ["partner_settings"]  # re-exported fixture: t-records, t-quarantine, t-counts

FUZZ_EXAMPLES = max(1, int(os.environ.get("HELPLINE_FUZZ_EXAMPLES", "25")))
CASE_SECONDS = 30.0  # no single case may take longer than this
HELPLINE = Path(sys.executable).parent / "helpline"
SECRET = "s3cr3t-Pa55"


def fuzz_timeout(per_example: float, base: float = 60.0) -> float:
    """pytest-timeout for a hypothesis test: grows with HELPLINE_FUZZ_EXAMPLES."""
    return base + per_example * FUZZ_EXAMPLES


class CaseLog:
    """Counts the cases a test tries and how many of them survived (ran without failing)."""

    def __init__(self) -> None:
        self.tried = 0
        self.survived = 0

    @contextmanager
    def case(self, limit: float = CASE_SECONDS) -> Iterator[None]:
        self.tried += 1
        started = time.monotonic()
        yield
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"one case took {elapsed:.1f}s (limit {limit:.0f}s)"
        self.survived += 1


@pytest.fixture
def cases(request: pytest.FixtureRequest) -> Iterator[CaseLog]:
    log = CaseLog()
    yield log
    request.node.user_properties.append(("cases", (log.tried, log.survived)))


def one_line(text: str) -> str:
    """The only line of text, asserting there is exactly one and no traceback."""
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {text!r}"
    return lines[0]


def assert_clean_outcome(outcome: IngestOutcome) -> None:
    """accepted, duplicate, or rejected with a one-line reason; the printed line is one line."""
    assert outcome.status in ("accepted", "duplicate", "rejected"), outcome
    line = outcome.line()
    assert "\n" not in line and "\r" not in line, line
    if outcome.status == "rejected":
        assert outcome.reason and outcome.reason.strip(), outcome
        assert "\n" not in outcome.reason, outcome.reason
        assert "Traceback" not in outcome.reason
    if outcome.status == "accepted":
        assert outcome.rows_loaded > 0 and outcome.submission_id is not None


def cli_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the in-process CLI at these settings (and nothing from the developer's shell)."""
    assert settings.database_url is not None
    for key in list(os.environ):
        if key.startswith("HELPLINE_") and key != "HELPLINE_FUZZ_EXAMPLES":
            monkeypatch.delenv(key)
    monkeypatch.chdir(settings.output_dir.parent)  # no stray .env from the repository
    for key, value in {
        "HELPLINE_DATABASE_URL": settings.database_url.get_secret_value(),
        "HELPLINE_PARTNERS_DIR": str(settings.partners_dir),
        "HELPLINE_OUTPUT_DIR": str(settings.output_dir),
        "HELPLINE_STATE_DIR": str(settings.state_dir),
        "HELPLINE_INBOX_DIR": str(settings.inbox_dir),
        "HELPLINE_RECIPIENTS_FILE": str(settings.recipients_file),
        "HELPLINE_CONTACT_EMAIL": settings.contact_email,
        "HELPLINE_MAIL_OUTBOX": str(settings.mail_outbox).lower(),
    }.items():
        monkeypatch.setenv(key, value)


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_main(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> CliResult:
    """`helpline ARGS` in this process; whatever happens must come back as an exit code."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def assert_clean_cli(result: CliResult) -> str:
    """Exit 0 or 1 with exactly one line, no traceback and no 'unexpected' (a bug) error."""
    assert result.code in (0, 1), result
    line = one_line(result.text)
    assert not line.startswith("error: unexpected"), line
    return line


def start_helpline(
    args: Sequence[str], env: dict[str, str], cwd: Path, **options: object
) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [str(HELPLINE), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> CliResult:
    """Wait (bounded) for a helpline process; kill it if it overruns."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=10)
        raise AssertionError(f"helpline did not finish in {timeout}s: {out}{err}") from None
    return CliResult(process.returncode, out, err)


def run_helpline(
    args: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> CliResult:
    return finish(start_helpline(args, env, cwd), timeout)


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'helpline'")
        )
        return {row.tablename for row in rows}


def helpline_backends(engine: Engine) -> int:
    """Connections the application has open to the test database."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'helpline' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


# ---- data for reports: monthly counts for two half-years -------------------------------------

REPORT_FORCES = (
    "E23000003",  # Lancashire
    "E23000005",  # Greater Manchester
    "E23000004",  # Merseyside
    "E23000002",  # Cumbria
    "E23000006",  # Cheshire
    "E23000001",  # Metropolitan Police
    "E23000013",  # Cleveland
    "W15000001",  # North Wales
)
REPORT_MONTHS = tuple(
    date(2017 + (7 + i - 1) // 12, (7 + i - 1) % 12 + 1, 1) for i in range(12)
)  # Jul 2017 to Jun 2018


def counts_rows() -> list[list[object]]:
    """Month, force, contacts: every count well above the suppression threshold."""
    return [
        [month.strftime("%b-%y"), code, 20 + 7 * f + 3 * m]
        for m, month in enumerate(REPORT_MONTHS)
        for f, code in enumerate(REPORT_FORCES)
    ]


def expected_counts(partner: str = "t-counts") -> dict[tuple[str, date, str], int]:
    return {
        (partner, REPORT_MONTHS[m], code): 20 + 7 * f + 3 * m
        for m in range(len(REPORT_MONTHS))
        for f, code in enumerate(REPORT_FORCES)
    }


def write_counts_file(folder: Path, name: str = "counts.xlsx") -> Path:
    from tests.support.partner_files import write_xlsx

    return write_xlsx(folder / name, counts_rows(), headings=["Month", "Force", "Contacts"])


def load_report_data(engine: Engine, settings: Settings, folder: Path) -> None:
    """Twelve months of counts (2017-H2 and 2018-H1) for eight force areas, through ingest."""
    from flows.intake.ingest import ingest_file
    from flows.intake.profiles import find_profile

    outcome = ingest_file(
        engine,
        settings,
        find_profile(settings.partners_dir, "t-counts"),
        write_counts_file(folder),
    )
    assert outcome.status == "accepted", outcome.line()

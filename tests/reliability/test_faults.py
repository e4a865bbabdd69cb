"""Faults: the database down or killed mid-load, an unwritable or full disk, a killed worker.

After each fault the data is checked with exact figures (tests/support/db_state.py), not just
exit codes: a failure part-way must leave the database exactly as before, and trying again must
work.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.core.errors import DatabaseUnavailable
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from tests.conftest import helpline_env
from tests.reliability.conftest import (
    HELPLINE,
    SECRET,
    CaseLog,
    cli_environment,
    finish,
    load_report_data,
    one_line,
    run_helpline,
    run_main,
    start_helpline,
)
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.partner_files import records, write_csv, write_xlsx

pytestmark = [pytest.mark.integration]

JAN = date(2018, 1, 1)
MONTHS = [date(2018, m, 1) for m in range(1, 7)]
PER_MONTH = 8_400  # 50,400 rows in all
# COPY into the fact tables: early in the load, several statements before COMMIT.
LOAD_QUERY = r"COPY helpline\.contact_(records|counts)"
LANCASHIRE = "E23000003"


def baseline(engine: Engine, settings: Settings, folder: Path) -> dict[tuple[str, date, str], int]:
    """Ten January contacts already loaded: what every failed load must leave untouched."""
    profile = find_profile(settings.partners_dir, "t-records")
    path = write_xlsx(folder / "january.xlsx", records("A", JAN, "Lancs", 10))
    assert ingest_file(engine, settings, profile, path).status == "accepted"
    totals = current_totals(engine)
    assert totals == {("t-records", JAN, LANCASHIRE): 10}
    return totals


def big_file(folder: Path, prefix: str = "B") -> Path:
    rows: list[list[object]] = []
    for month in MONTHS:
        rows += records(f"{prefix}{month.month}-", month, "Lancs", PER_MONTH)
    return write_csv(folder / "big.csv", rows)


BIG_TOTALS = {("t-records", month, LANCASHIRE): PER_MONTH for month in MONTHS}


class LoadKiller:
    """Watch from a second connection; while the application loads, kill it.

    By default the loading backend is terminated (pg_terminate_backend): a lost connection.
    With on_found, that is called with the backend's pid instead (e.g. to SIGKILL the client).
    """

    def __init__(self, database_url: str, on_found: Callable[[int], None] | None = None) -> None:
        self.url = database_url
        self.on_found = on_found
        self.killed: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        deadline = time.monotonic() + 120
        with psycopg.connect(self.url, autocommit=True) as admin:
            while not self.stop.is_set() and time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'helpline' AND state = 'active' "
                    "AND pid <> pg_backend_pid() AND query ~ %s LIMIT 1",
                    [LOAD_QUERY],
                ).fetchone()
                if row is not None:
                    if self.on_found is None:
                        admin.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                    else:
                        self.on_found(row[0])
                    self.killed.append(" ".join(str(row[1]).split())[:80])
                    return
                time.sleep(0.002)

    def __enter__(self) -> LoadKiller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def wait_for_backends_to_go(engine: Engine, seconds: float = 30) -> None:
    """A killed client's backend rolls back and exits once it notices; wait for that."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            busy = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'helpline' AND state <> 'idle' "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        if busy == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the killed client's backend is still running")


def test_database_down_at_start(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    before = baseline(engine, partner_settings, tmp_path)
    before_ledger = ledger(engine)
    cli_environment(partner_settings, monkeypatch)
    down = f"postgresql://helpline:{SECRET}@127.0.0.1:1/helpline"
    monkeypatch.setenv("HELPLINE_DATABASE_URL", down)
    a_file = write_xlsx(tmp_path / "feb.xlsx", records("F", date(2018, 2, 1), "Lancs", 3))
    commands = [
        ["ingest", "--partner", "t-records", str(a_file)],
        ["report", "--period", "2018-H1", "--out", str(tmp_path / "r.xlsx")],
        ["status"],
        ["ingest-inbox"],
        ["db", "upgrade"],
        ["submissions", "list"],
        ["backfill", "--from", "2017-H2", "--to", "2018-H1"],
        ["send", "--period", "2018-H1"],
    ]
    partner_settings.recipients_file.write_text(
        '[[recipient]]\nemail = "a@example.org"\nname = "A"\nscope = "national"\n'
    )
    for command in commands:
        with cases.case():
            result = run_main(command, capsys)
            assert result.code == 1, (command, result)
            line = one_line(result.text)
            assert line.startswith(
                "error: Cannot connect to the database at postgresql://helpline:***@127.0.0.1:1/"
                "helpline: "
            ), (command, line)
            assert line.endswith("Check HELPLINE_DATABASE_URL and that the server is running.")
            assert SECRET not in result.text
    assert current_totals(engine) == before
    assert ledger(engine) == before_ledger
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.slow
def test_connection_killed_mid_load_changes_nothing_and_a_retry_loads(
    engine: Engine,
    database_url: str,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    before = baseline(engine, partner_settings, tmp_path)
    counts_before = row_counts(engine)
    profile = find_profile(partner_settings.partners_dir, "t-records")
    path = big_file(tmp_path)
    with cases.case(limit=90):
        with LoadKiller(database_url) as killer, pytest.raises(DatabaseUnavailable) as failure:
            ingest_file(engine, partner_settings, profile, path)
        assert killer.killed, "the load finished before it could be killed"
        assert failure.value.message.startswith("Database error while loading big.csv: ")
        # Exactly as before: figures, every table's rows, and the ledger says what happened.
        assert current_totals(engine) == before
        assert row_counts(engine) == counts_before
        rows = ledger(engine)
        # The rolled-back load's number is taken again by its failed row: no gap.
        assert [row[:3] for row in rows] == [
            (1, "january.xlsx", "loaded"),
            (2, "big.csv", "failed"),
        ]
        assert rows[1][3] == failure.value.message
    with cases.case(limit=90):
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert outcome.status == "accepted", outcome.line()
        assert outcome.rows_loaded == PER_MONTH * len(MONTHS)
        assert outcome.replaced_months == (JAN,)
        assert current_totals(engine) == BIG_TOTALS
        assert [row[2] for row in ledger(engine)] == ["superseded", "failed", "loaded"]


@contextlib.contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no one can write to: chmod for a normal user; a read-only tmpfs for root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
        timeout=30,
    )
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot mount a read-only tmpfs: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False, timeout=30)


@contextlib.contextmanager
def tiny_filesystem(tmp_path: Path, size: str = "16k") -> Iterator[Path]:
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
        timeout=30,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs (needs root): {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False, timeout=30)


def editions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT period, scope, path FROM helpline.editions ORDER BY period, scope")
        )
        return [(r.period, r.scope, r.path) for r in rows]


def test_report_to_a_read_only_folder(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    load_report_data(engine, partner_settings, tmp_path)
    cli_environment(partner_settings, monkeypatch)
    with read_only_folder(tmp_path) as folder:
        with cases.case():
            result = run_main(
                ["report", "--period", "2018-H1", "--out", str(folder / "report.xlsx")], capsys
            )
            assert result.code == 1, result
            line = one_line(result.text)
            assert line.startswith(f"error: Cannot write to {folder}: "), line
            assert line.endswith(". Choose a writable output folder."), line
            assert "Read-only file system" in line or "Permission denied" in line, line
            assert os.listdir(folder) == []
        with cases.case():  # the default output folder, inside the read-only one
            monkeypatch.setenv("HELPLINE_OUTPUT_DIR", str(folder / "output"))
            result = run_main(["report", "--period", "2018-H1"], capsys)
            assert result.code == 1, result
            assert one_line(result.text).startswith(f"error: Cannot write to {folder}/output: ")
            assert os.listdir(folder) == []
    assert editions(engine) == []
    with cases.case():  # the same report to a writable folder works: only the folder was wrong
        result = run_main(
            ["report", "--period", "2018-H1", "--out", str(tmp_path / "ok.xlsx")], capsys
        )
        assert result.code == 0, result
        assert [e[:2] for e in editions(engine)] == [("2018-H1", "national")]


def test_disk_full_while_writing_the_workbook(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    load_report_data(engine, partner_settings, tmp_path)
    cli_environment(partner_settings, monkeypatch)
    with tiny_filesystem(tmp_path) as folder, cases.case():
        result = run_main(
            ["report", "--period", "2018-H1", "--out", str(folder / "report.xlsx")], capsys
        )
        assert result.code == 1, result
        line = one_line(result.text)
        assert line == (
            "error: Could not write report.xlsx: No space left on device; no workbook was "
            "written. Free some space or choose another output folder."
        ), line
        assert os.listdir(folder) == []  # no partial workbook, no temporary file
    assert editions(engine) == []


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
def test_file_size_limit_while_writing_the_workbook(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    """The same fault without root: RLIMIT_FSIZE makes the workbook write fail part-way."""
    load_report_data(engine, partner_settings, tmp_path)
    out = tmp_path / "limited"
    out.mkdir()
    env = helpline_env(partner_settings)
    with cases.case(limit=90):
        result = finish(
            subprocess.Popen(
                [str(HELPLINE), "report", "--period", "2018-H1", "--out", str(out / "r.xlsx")],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_limit_file_size(8 * 1024),
            )
        )
        assert result.code == 1, result
        assert one_line(result.text) == (
            "error: Could not write r.xlsx: File too large; no workbook was written. "
            "Free some space or choose another output folder."
        )
        assert os.listdir(out) == []
    assert editions(engine) == []


@pytest.mark.slow
def test_worker_killed_mid_load_then_retried(
    engine: Engine,
    database_url: str,
    partner_settings: Settings,
    tmp_path: Path,
    cases: CaseLog,
) -> None:
    before = baseline(engine, partner_settings, tmp_path)
    counts_before = row_counts(engine)
    path = big_file(tmp_path, prefix="W")
    env = helpline_env(partner_settings)
    with cases.case(limit=120):
        worker = start_helpline(["ingest", "--partner", "t-records", str(path)], env, tmp_path)
        # SIGKILL the worker itself (a crash), leaving its backend to notice on its own.
        with LoadKiller(
            database_url, on_found=lambda _pid: worker.send_signal(signal.SIGKILL)
        ) as k:
            deadline = time.monotonic() + 100
            while worker.poll() is None and not k.killed and time.monotonic() < deadline:
                time.sleep(0.01)
        killed = k.killed
        result = finish(worker, timeout=30)
        assert killed, f"the worker finished before it could be killed: {result}"
        assert result.code == -signal.SIGKILL
        wait_for_backends_to_go(engine)
        assert current_totals(engine) == before
        assert row_counts(engine) == counts_before
        assert [row[2] for row in ledger(engine)] == ["loaded"]
    with cases.case(limit=120):
        again = run_helpline(["ingest", "--partner", "t-records", str(path)], env, tmp_path)
        assert again.code == 0, again
        assert one_line(again.out).startswith("big.csv: accepted, 50,400 rows, months Jan 2018 to")
        assert current_totals(engine) == BIG_TOTALS
        assert [row[2] for row in ledger(engine)] == ["superseded", "loaded"]


def test_ingest_with_an_unwritable_output_folder(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    """The feedback report cannot be written: one line, exit 1, nothing loaded or recorded, so
    the file ingested again later gets its one ledger row and its report."""
    cli_environment(partner_settings, monkeypatch)
    path = write_xlsx(tmp_path / "feb.xlsx", records("F", date(2018, 2, 1), "Lancs", 5))
    with read_only_folder(tmp_path) as folder:
        monkeypatch.setenv("HELPLINE_OUTPUT_DIR", str(folder / "output"))
        with cases.case():
            result = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
            assert result.code == 1, result
            line = one_line(result.text)
            assert line.startswith(
                "error: feb.xlsx: nothing loaded or recorded: its feedback report could not be "
                f"written to {folder}/output/feedback/t-records ("
            ), line
            assert line.endswith(
                "): free some space or choose a writable HELPLINE_OUTPUT_DIR, then ingest the "
                "file again."
            ), line
            assert os.listdir(folder) == []
    assert current_totals(engine) == {}
    assert ledger(engine) == []
    with cases.case():  # with somewhere to write, the same file loads, with its report
        monkeypatch.setenv("HELPLINE_OUTPUT_DIR", str(partner_settings.output_dir))
        result = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
        assert (result.code, one_line(result.text)) == (
            0,
            "feb.xlsx: accepted, 5 rows, months Feb 2018 to Feb 2018 (submission 1)",
        )
    assert current_totals(engine) == {("t-records", date(2018, 2, 1), LANCASHIRE): 5}

"""Concurrency: two processes on one file, two report builds of one period, sweep vs manual.

Each runs real `helpline` processes against the test database at the same moment.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from tests.conftest import helpline_env
from tests.reliability.conftest import (
    CaseLog,
    finish,
    load_report_data,
    one_line,
    start_helpline,
)
from tests.support.db_state import current_totals, ledger
from tests.support.partner_files import records, write_xlsx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)
LANCASHIRE, GMP = "E23000003", "E23000005"


def two_month_file(folder: Path, name: str = "contacts.xlsx") -> Path:
    rows = records("C", JAN, "Lancs", 40) + records("D", FEB, "GMP", 25, start=100)
    return write_xlsx(folder / name, rows)


EXPECTED = {("t-records", JAN, LANCASHIRE): 40, ("t-records", FEB, GMP): 25}


def test_same_file_ingested_by_two_processes_at_once(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    path = two_month_file(tmp_path)
    env = helpline_env(partner_settings)
    with cases.case(limit=120):
        workers = [
            start_helpline(["ingest", "--partner", "t-records", str(path)], env, tmp_path)
            for _ in range(2)
        ]
        results = [finish(worker) for worker in workers]
        assert [r.code for r in results] == [0, 0], results
        lines = sorted(one_line(r.out) for r in results)
        assert lines[0].startswith("contacts.xlsx: accepted, 65 rows, months Jan 2018 to Feb 2018")
        assert lines[1].startswith("contacts.xlsx: skipped, duplicate of submission ")
        assert all(not r.err.strip() for r in results), results
        assert current_totals(engine) == EXPECTED  # counted once
        assert sorted(row[2] for row in ledger(engine)) == ["duplicate", "loaded"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_report_builds_for_one_period_at_once(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    load_report_data(engine, partner_settings, tmp_path)
    env = helpline_env(partner_settings)
    out = tmp_path / "reports"
    out.mkdir()
    targets = [out / "same.xlsx", out / "same.xlsx", out / "other.xlsx"]
    with cases.case(limit=120):
        builds = [
            start_helpline(["report", "--period", "2018-H1", "--out", str(target)], env, tmp_path)
            for target in targets
        ]
        results = [finish(build) for build in builds]
        assert [r.code for r in results] == [0, 0, 0], results
        assert all("Traceback" not in r.text for r in results)
        assert sorted(os.listdir(out)) == ["other.xlsx", "same.xlsx"]  # no temporary files left
        assert sha256(out / "same.xlsx") == sha256(out / "other.xlsx")
        for name in ("same.xlsx", "other.xlsx"):
            workbook = load_workbook(out / name)  # opens: not a torn or interleaved file
            assert workbook.sheetnames[:3] == ["Cover", "Contents", "Notes"]
        # Every printed workbook line names the file it wrote.
        assert sorted(r.out.strip().splitlines()[-1] for r in results) == sorted(
            f"workbook: {target}" for target in targets
        )


def test_inbox_sweep_racing_a_manual_ingest_of_the_same_file(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    inbox = partner_settings.inbox_dir / "t-records"
    inbox.mkdir(parents=True)
    path = two_month_file(inbox, "race.xlsx")
    settled = time.time() - 3600
    os.utime(path, (settled, settled))  # long settled: the sweep takes it at once
    env = helpline_env(partner_settings)
    with cases.case(limit=120):
        sweep = start_helpline(["ingest-inbox"], env, tmp_path)
        manual = start_helpline(["ingest", "--partner", "t-records", str(path)], env, tmp_path)
        swept, by_hand = finish(sweep), finish(manual)
        for result in (swept, by_hand):
            assert result.code in (0, 1), result
            line = one_line(result.text)
            assert not line.startswith("error: unexpected"), line
        # The file was loaded exactly once, whoever got there first.
        assert current_totals(engine) == EXPECTED
        statuses = [row[2] for row in ledger(engine)]
        assert statuses.count("loaded") == 1, ledger(engine)
        # The sweep filed it as processed (loaded or duplicate); nothing is left or lost.
        assert swept.code == 0, swept
        assert one_line(swept.text).startswith("t-records/race.xlsx: ")
        assert os.listdir(inbox) == []
        assert (partner_settings.inbox_dir / "processed" / "t-records" / "race.xlsx").is_file()
        assert not (partner_settings.inbox_dir / "rejected").exists()
        # The manual ingest either loaded it, found it a duplicate, or found it already moved.
        line = one_line(by_hand.text)
        assert (
            line.startswith("race.xlsx: accepted, 65 rows")
            or line.startswith("race.xlsx: skipped, duplicate of submission ")
            or "no such file" in line
        ), line


def test_two_sweepers_in_different_directories_share_one_inbox_and_one_database(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    """Two machines' sweeps, as two processes with nothing in common but the inbox folder,
    the output folder and the database: the Postgres claim gives each file to one of them."""
    inbox = partner_settings.inbox_dir / "t-records"
    months = [date(2017, month, 1) for month in range(7, 13)] + [
        date(2018, month, 1) for month in range(1, 7)
    ]
    for number, month in enumerate(months):
        write_xlsx(inbox / f"file-{number:02d}.xlsx", records(f"F{number:02d}-", month, "Lancs", 7))
    settled = time.time() - 3600
    for path in inbox.iterdir():
        os.utime(path, (settled, settled))
    env = helpline_env(partner_settings)
    machines = [tmp_path / "machine-a", tmp_path / "machine-b"]
    for folder in machines:
        folder.mkdir()
    with cases.case(limit=300):
        sweeps = [start_helpline(["ingest-inbox"], env, folder) for folder in machines]
        results = [finish(sweep, timeout=280) for sweep in sweeps]
    assert [r.code for r in results] == [0, 0], results
    accepted = sorted(
        line.split(":")[0]
        for result in results
        for line in result.out.splitlines()
        if ": accepted, 7 rows" in line
    )
    assert accepted == [f"t-records/file-{n:02d}.xlsx" for n in range(len(months))]
    statuses = [row[2] for row in ledger(engine)]
    assert statuses == ["loaded"] * len(months)  # not one duplicate: each file taken once
    assert sum(current_totals(engine).values()) == 7 * len(months)
    assert os.listdir(inbox) == []
    processed = partner_settings.inbox_dir / "processed" / "t-records"
    assert len(list(processed.glob("file-??.xlsx"))) == len(months)

    # Workbooks from either machine land in the one configured output folder.
    for folder, scope in zip(machines, ("national", "region:North West"), strict=True):
        built = finish(
            start_helpline(["report", "--period", "2018-H1", "--scope", scope], env, folder)
        )
        assert built.code == 0, built
    shared = sorted(path.name for path in partner_settings.output_dir.glob("*.xlsx"))
    assert shared == [
        "helpline-contacts-2018-H1-national.xlsx",
        "helpline-contacts-2018-H1-region-north-west.xlsx",
    ]
    assert not [path for folder in machines for path in folder.rglob("*.xlsx")]

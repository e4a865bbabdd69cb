"""`helpline demo` end to end on the embedded Postgres, as a user runs it from a fresh clone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.core.database import stop_embedded_server

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]
HELPLINE = Path(sys.executable).parent / "helpline"
REPO = Path(__file__).resolve().parents[2]


def run_demo(work: Path) -> subprocess.CompletedProcess[str]:
    """`helpline demo` with no database URL: the embedded Postgres under work/state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    env.update(
        HELPLINE_STATE_DIR=str(work / "state"),
        HELPLINE_OUTPUT_DIR=str(work / "output"),
        HELPLINE_PARTNERS_DIR=str(REPO / "deploy" / "partners"),
    )
    return subprocess.run(
        [str(HELPLINE), "demo"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def table_rows(path: Path, sheet: str, table: str) -> list[list[object]]:
    workbook = load_workbook(path)
    worksheet = workbook[sheet]
    ref = worksheet.tables[table].ref
    return [[cell.value for cell in row] for row in worksheet[ref]]


DemoRun = tuple[subprocess.CompletedProcess[str], Path]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.CompletedProcess[str], Path]]:
    work = tmp_path_factory.mktemp("demo")
    try:
        yield run_demo(work), work
    finally:
        stop_embedded_server(work / "state")


def test_demo_uses_the_embedded_database_and_prints_the_headline(demo_run: DemoRun) -> None:
    result, work = demo_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "North West: 1,747 -> 3,549 (+103.1%)" in result.stdout
    assert "Lancashire's contacts rose by 146.0%, above the North West average of 103.1%." in (
        result.stdout
    )
    assert (work / "state" / "pgdata" / "PG_VERSION").is_file()
    # Said once, in one line, before the embedded server starts: no silent stand-in database.
    embedded = [line for line in result.stderr.splitlines() if "embedded Postgres" in line]
    assert embedded == [
        "WARNING flows.core.database: HELPLINE_DATABASE_URL is not set: using the embedded "
        f"Postgres in {(work / 'state' / 'pgdata').resolve()}"
    ]
    assert f"workbook: {work / 'output'}" in result.stdout.replace(
        "workbook: output", f"workbook: {work / 'output'}"
    )


def test_demo_workbook_holds_the_published_figures(demo_run: DemoRun) -> None:
    _, work = demo_run
    workbook = work / "output" / "helpline-contacts-2018-H1-national.xlsx"
    regions = {row[0]: row for row in table_rows(workbook, "regions", "regions")}
    assert regions["North West"][1:5] == [1747, 3549, 1802, 103.1]
    forces = {row[1]: row for row in table_rows(workbook, "force_areas", "force_areas")}
    assert forces["Lancashire"][:7] == [
        "E23000003",
        "Lancashire",
        "North West",
        400,
        984,
        584,
        146.0,
    ]
    assert forces["Lancashire"][7] == 42.9  # 146.0% against the North West's 103.1%
    header = table_rows(workbook, "force_areas", "force_areas")[0]
    assert header[3:7] == [
        "Contacts Jul to Dec 2017 [note 1]",
        "Contacts Jan to Jun 2018 [note 1]",
        "Change (number of contacts)",
        "Change (%) [note 2]",
    ]


def test_second_demo_run_skips_duplicates_and_gives_the_same_bytes(demo_run: DemoRun) -> None:
    _, work = demo_run
    workbook = work / "output" / "helpline-contacts-2018-H1-national.xlsx"
    first = workbook.read_bytes()
    again = run_demo(work)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("skipped, duplicate of submission") == 3
    assert workbook.read_bytes() == first

"""The benchmark at 10k rows inside `make test`, so it never rots (timings are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.slow, pytest.mark.integration]
REPO = Path(__file__).resolve().parents[2]


def test_bench_runs_every_path_at_10k_rows(database_url: str, tmp_path: Path) -> None:
    server = sa.engine.make_url(database_url).set(database="postgres")
    env = {
        **os.environ,
        "HELPLINE_BENCH_DATABASE_URL": server.render_as_string(hide_password=False),
    }
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--sizes",
            "10000",
            "--fact-rows",
            "50000",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--command-runs",
            "1",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    by_case = {(r["case"], r["format"], r["size"]): r for r in results}
    assert by_case[("calamine_read", "xlsx", 10000)]["rows"] == 10000
    assert by_case[("fastexcel_read", "xlsx", 10000)]["rows"] == 10000
    assert "ratio_to_floor" in by_case[("fastexcel_read", "xlsx", 10000)]
    assert by_case[("bare_copy", "csv", 10000)]["rows"] == 10000
    assert by_case[("naive", "xlsx", 10000)]["rows"] == 10000
    assert by_case[("dlt_load", "xlsx", 10000)]["rows"] == 10000
    assert by_case[("full_ingest", "xlsx", 10000)]["rows"] == 10000
    assert by_case[("full_ingest", "csv", 10000)]["rows"] == 10000
    assert by_case[("report", "db", 10000)]["rows"] == 10000
    assert by_case[("report", "facts", 50000)]["copy_seconds"] > 0
    assert "ratio_to_floor" in by_case[("full_ingest", "xlsx", 10000)]
    assert "ratio_to_naive" in by_case[("full_ingest", "xlsx", 10000)]
    assert "ratio_to_dlt" in by_case[("full_ingest", "xlsx", 10000)]
    assert "growth exponent full_ingest/xlsx" in done.stdout
    assert by_case[("full_ingest", "xlsx", 10000)]["reader_peak_rss_mb"] > 0
    command = json.loads(out.read_text())["command_ingest"]
    assert [(c["rows"], c["pythondontwritebytecode"]) for c in command] == [
        (5000, False),
        (5000, True),
    ]
    assert all(0 < c["gx_import_seconds"] < c["seconds"] for c in command)
    assert all(0 < c["command_imports_seconds"] < c["seconds"] for c in command)
    assert all(c["validation_imports_seconds"] > 0 for c in command)
    assert "floors, a fresh interpreter that only imports: the command's modules" in done.stdout
    assert "helpline ingest, 5,000 rows, PYTHONDONTWRITEBYTECODE=1: " in done.stdout

"""The built wheel is the product: installed in a fresh virtual environment, outside the
checkout, it upgrades a database and runs the demo with the published figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]
UV = Path(sys.executable).parent / "uv"  # `make install` puts uv in the project's venv


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_runs_db_upgrade_and_the_demo_outside_the_checkout(
    tmp_path: Path, scratch_database: str
) -> None:
    assert UV.is_file(), "run `make install` first: it installs uv into .venv"
    dist = tmp_path / "dist"
    run([str(UV), "build", "--wheel", "--out-dir", str(dist)], REPO)
    wheel = next(dist.glob("helpline_reporting-*.whl"))
    pins = tmp_path / "requirements.txt"
    export = ["export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes"]
    run([str(UV), *export, "--output-file", str(pins)], REPO)
    venv = tmp_path / "venv"
    run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], tmp_path)
    python = venv / "bin" / "python"
    run([str(UV), "pip", "install", "--quiet", "--python", str(python), "-r", str(pins)], tmp_path)
    run([str(UV), "pip", "install", "--quiet", "--python", str(python), str(wheel)], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HELPLINE_DATABASE_URL": scratch_database,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    helpline = str(venv / "bin" / "helpline")
    upgraded = run([helpline, "db", "upgrade"], elsewhere, env)
    assert upgraded.splitlines()[0] == "applied 0001_core_tables"
    assert run([helpline, "db", "upgrade"], elsewhere, env).strip() == "database is up to date"
    demo = run([helpline, "demo"], elsewhere, env)
    assert "  North West: 1,747 -> 3,549 (+103.1%)" in demo.splitlines()
    workbook = elsewhere / "output" / "helpline-contacts-2018-H1-national.xlsx"
    assert workbook.is_file()
    assert not (elsewhere / "deploy").exists()  # nothing came from a checkout

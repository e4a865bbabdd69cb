"""`helpline ingest` of a typical 5,000-row partner file, timed as a user runs it.

Wall time of the whole command (interpreter start, imports, the reading child, validation,
load), median of three, each on a fresh, upgraded database; and apart from it, what importing
Great Expectations adds once the rest of the ingest's imports are loaded. Both are measured with
PYTHONDONTWRITEBYTECODE=1 and without it: `make install` compiles bytecode, so the two should
agree (they did not before it did).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.inputs import write_inputs, write_profile

ROWS = 5_000
RUNS = 3
# The collector is set as the command sets it (flows.cli.run), and the package imported as the
# command imports it (scipy.stats deferred), so the import costs what it costs inside the command.
GX_INCREMENT = """
import gc, time
import flows.cli
gc.set_threshold(flows.cli.GC_YOUNG_THRESHOLD)
import flows.commands, flows.intake.ingest, pandas, pyarrow, openpyxl
from flows.intake.validation import import_great_expectations
started = time.perf_counter()
import_great_expectations()
print(time.perf_counter() - started)
"""
# Two floors, each a fresh interpreter timed from outside as the command is: what the command
# imports before Great Expectations (the CLI, the commands, the ingest wing), and the CLI with
# what validating needs (the validation module and Great Expectations as the command imports
# them). Neither does any work, so the command cannot be faster than either.
FLOORS = {
    "command_imports": (
        "import gc, flows.cli; gc.set_threshold(flows.cli.GC_YOUNG_THRESHOLD); "
        "import flows.commands, flows.intake.ingest"
    ),
    "validation_imports": (
        "import gc, flows.cli; gc.set_threshold(flows.cli.GC_YOUNG_THRESHOLD); "
        "from flows.intake.validation import import_great_expectations; "
        "import_great_expectations()"
    ),
}


def _environment(url: str, partners: Path, output: Path, no_bytecode: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "HELPLINE_DATABASE_URL": url,
        "HELPLINE_PARTNERS_DIR": str(partners),
        "HELPLINE_OUTPUT_DIR": str(output),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _helpline(args: list[str], env: dict[str, str], cwd: Path) -> float:
    command = [str(Path(sys.executable).with_name("helpline")), *args]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"helpline {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds


def _floor_seconds(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the floor {code!r} failed:\n{done.stdout}{done.stderr}")
    return seconds


def measure_command_ingest(
    server: str,
    data_dir: Path,
    fresh_database: Callable[[str], str],
    drop_database: Callable[[str, str], None],
    runs: int = RUNS,
) -> list[dict[str, Any]]:
    """One result per bytecode setting: the command's wall time and the GX import, medians."""
    xlsx, _ = write_inputs(data_dir, ROWS)
    partners = data_dir / "partners"
    write_profile(partners)
    results = []
    for no_bytecode in (False, True):
        walls, imports = [], []
        floors: dict[str, list[float]] = {name: [] for name in FLOORS}
        for _ in range(runs):
            url = fresh_database(server)
            try:
                env = _environment(url, partners, data_dir / "output", no_bytecode)
                _helpline(["db", "upgrade"], env, data_dir)  # not timed: done once per database
                walls.append(_helpline(["ingest", "--partner", "bench", str(xlsx)], env, data_dir))
            finally:
                drop_database(server, url)
            done = subprocess.run(
                [sys.executable, "-c", GX_INCREMENT],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            imports.append(float(done.stdout.strip().splitlines()[-1]))
            for name, code in FLOORS.items():
                floors[name].append(_floor_seconds(code, env))
        wall, gx = statistics.median(walls), statistics.median(imports)
        results.append(
            {
                "case": "helpline_ingest",
                "format": "xlsx",
                "size": ROWS,
                "rows": ROWS,
                "seconds": wall,
                "gx_import_seconds": gx,
                "seconds_less_gx_import": wall - gx,
                **{f"{name}_seconds": statistics.median(f) for name, f in floors.items()},
                "pythondontwritebytecode": no_bytecode,
                "runs": runs,
            }
        )
    return results


def print_command_ingest(results: list[dict[str, Any]]) -> None:
    for r in results:
        setting = "=1" if r["pythondontwritebytecode"] else " unset"
        print(
            f"helpline ingest, {r['rows']:,} rows, PYTHONDONTWRITEBYTECODE{setting}: "
            f"{r['seconds']:.2f} s wall, of which the Great Expectations import "
            f"{r['gx_import_seconds']:.2f} s; less that import {r['seconds_less_gx_import']:.2f} s "
            f"(median of {r['runs']})"
        )
        print(
            f"  floors, a fresh interpreter that only imports: the command's modules before Great "
            f"Expectations {r['command_imports_seconds']:.2f} s; the CLI and what validating "
            f"needs {r['validation_imports_seconds']:.2f} s"
        )

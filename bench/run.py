"""`make bench`: the floor, the naive path and this product, side by side on the same files.

Prints one table and the growth exponents, and writes bench/results.json.
Each case runs three times, interleaved, and its median is kept (the naive path once).
Usage: python -m bench.run [--sizes 100000,300000,1000000] [--no-naive] [--fact-rows 10000000]
                           [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.command_ingest import RUNS, measure_command_ingest, print_command_ingest
from bench.inputs import write_inputs, write_profile
from bench.report_load import load_fact_rows

HERE = Path(__file__).resolve().parent
REPEATS = 3  # rounds per size: figures are medians of three


def server_url() -> str:
    configured = os.environ.get("HELPLINE_BENCH_DATABASE_URL") or os.environ.get(
        "HELPLINE_TEST_DATABASE_URL"
    )
    return configured or "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_database(server: str) -> str:
    name = f"helpline_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def measure(case: str, file: Path, url: str) -> dict[str, Any]:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.measure", case, str(file), url],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=HERE.parent,
        timeout=3600,
    )
    if done.returncode != 0:
        raise SystemExit(f"{case} on {file.name} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(value) on log(rows): 1.0 is linear growth."""
    if len(points) < 2:
        return None
    xs = [math.log(rows) for rows, _ in points]
    ys = [math.log(max(value, 1e-9)) for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def run_size(
    server: str, size: int, data_dir: Path, naive: bool, repeats: int = REPEATS
) -> list[dict[str, Any]]:
    """Every case on the same files, `repeats` rounds interleaved (each on a fresh database, so
    the ingest is never a duplicate), each case's median round kept; the naive path (over a
    minute at 1M rows) runs in the first round only."""
    xlsx, csv_path = write_inputs(data_dir, size)
    write_profile(data_dir / "partners")
    rounds: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for round_number in range(repeats):
        url = fresh_database(server)
        try:
            plan = [
                ("calamine_read", xlsx),
                ("fastexcel_read", xlsx),
                ("pandas_csv_read", csv_path),
                ("bare_copy", csv_path),
                ("dlt_load", xlsx),
                *([("naive", xlsx)] if naive and round_number == 0 else []),
                ("full_ingest", xlsx),
                ("full_ingest", csv_path),
            ]
            for case, file in plan:
                result = {**measure(case, file, url), "format": file.suffix[1:]}
                rounds.setdefault((case, result["format"]), []).append(result)
            result = {**measure("report", xlsx, url), "format": "db", "rows": size}
            rounds.setdefault(("report", "db"), []).append(result)
        finally:
            drop_database(server, url)
    return [{**median_round(runs), "size": size} for runs in rounds.values()]


def median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time, every run's seconds beside it."""
    ordered = sorted(runs, key=lambda run: float(run["seconds"]))
    return {**ordered[(len(ordered) - 1) // 2], "runs": [run["seconds"] for run in runs]}


def ratios(results: list[dict[str, Any]]) -> None:
    by = {(r["size"], r["case"], r["format"]): r for r in results}
    for r in results:
        size = r["size"]
        calamine = by.get((size, "calamine_read", "xlsx"))
        csv_floor = [by.get((size, "pandas_csv_read", "csv")), by.get((size, "bare_copy", "csv"))]
        naive = by.get((size, "naive", "xlsx"))
        peer = by.get((size, "dlt_load", "xlsx"))
        if r["case"] == "full_ingest" and r["format"] == "xlsx" and calamine:
            r["ratio_to_floor"] = r["seconds"] / calamine["seconds"]
        if r["case"] == "full_ingest" and r["format"] == "csv" and all(csv_floor):
            r["ratio_to_floor"] = r["seconds"] / sum(f["seconds"] for f in csv_floor)  # type: ignore[index]
        if r["case"] == "full_ingest" and r["format"] == "xlsx" and naive:
            r["ratio_to_naive"] = r["seconds"] / naive["seconds"]
        if r["case"] == "full_ingest" and r["format"] == "xlsx" and peer:
            r["ratio_to_dlt"] = r["seconds"] / peer["seconds"]
        if r["case"] in ("dlt_load", "fastexcel_read") and calamine:
            r["ratio_to_floor"] = r["seconds"] / calamine["seconds"]


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'size':>9} {'case':<16} {'fmt':<4} {'rows':>10} {'seconds':>9} {'rows/s':>11} "
        f"{'peak MB':>8} {'x floor':>8} {'x naive':>8} {'x dlt':>6} {'reader MB':>9}"
    )
    for r in results:
        rate = r["rows"] / r["seconds"] if r["seconds"] else 0
        floor = f"{r['ratio_to_floor']:.2f}" if "ratio_to_floor" in r else ""
        naive = f"{r['ratio_to_naive']:.3f}" if "ratio_to_naive" in r else ""
        peer = f"{r['ratio_to_dlt']:.2f}" if "ratio_to_dlt" in r else ""
        reader = f"{r['reader_peak_rss_mb']:.0f}" if "reader_peak_rss_mb" in r else ""
        print(
            f"{r['size']:>9,} {r['case']:<16} {r['format']:<4} {r['rows']:>10,} "
            f"{r['seconds']:>9.2f} {rate:>11,.0f} {r['peak_rss_mb']:>8.0f} {floor:>8} {naive:>8} "
            f"{peer:>6} {reader:>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--fact-rows", type=int, default=10_000_000)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--command-runs", type=int, default=RUNS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    server = server_url()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    # First, before the large loads leave the database writing out its checkpoints.
    command = measure_command_ingest(
        server, args.data_dir, fresh_database, drop_database, args.command_runs
    )
    results: list[dict[str, Any]] = []
    for size in sizes:
        results += run_size(server, size, args.data_dir, not args.no_naive, args.repeats)
    if args.fact_rows:
        url = fresh_database(server)
        try:
            load_seconds = load_fact_rows(url, args.fact_rows)
            report = measure("report", args.data_dir / f"contacts-{sizes[0]}.xlsx", url)
            results.append(
                {
                    **report,
                    "size": args.fact_rows,
                    "format": "facts",
                    "rows": args.fact_rows,
                    "copy_seconds": load_seconds,
                }
            )
        finally:
            drop_database(server, url)
    ratios(results)
    print_table(results)
    print_command_ingest(command)
    growth = {}
    for case, fmt in (("full_ingest", "xlsx"), ("full_ingest", "csv"), ("calamine_read", "xlsx")):
        points = [r for r in results if r["case"] == case and r["format"] == fmt]
        growth[f"{case}/{fmt}"] = {
            "time": exponent([(r["size"], r["seconds"]) for r in points]),
            "memory": exponent([(r["size"], r["peak_rss_mb"]) for r in points]),
        }
    for name, values in growth.items():
        shown = {k: (f"{v:.2f}" if v is not None else "n/a") for k, v in values.items()}
        print(f"growth exponent {name}: time {shown['time']}, memory {shown['memory']}")
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
    }
    args.out.write_text(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "machine": machine,
                "results": results,
                "growth": growth,
                "command_ingest": command,
                "total_seconds": time.perf_counter() - started,
            },
            indent=2,
        )
    )
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()

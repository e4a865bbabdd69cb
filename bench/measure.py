"""One measurement in a fresh process, so peak RSS belongs to that path alone.

Usage: python -m bench.measure CASE FILE DATABASE_URL  -> prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any


def calamine_read(path: Path, _url: str) -> int:
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1


def fastexcel_read(path: Path, _url: str) -> int:
    """The same sheet read by fastexcel (calamine inside, Arrow out, no Python object per cell):
    the floor a reader returning Arrow could reach."""
    import fastexcel

    return int(fastexcel.read_excel(path).load_sheet(0).to_arrow().num_rows)


def pandas_csv_read(path: Path, _url: str) -> int:
    import pandas as pd

    return len(pd.read_csv(path, engine="pyarrow", dtype=str))


def bare_copy(path: Path, url: str) -> int:
    """COPY the csv's rows into a plain table: the database's share of the floor."""
    import psycopg

    data = path.read_bytes()
    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TEMP TABLE floor_copy (ref text, happened text, force text, caller text, "
            "method text)"
        )
        with connection.cursor().copy(
            "COPY floor_copy FROM STDIN (FORMAT csv, HEADER true)"
        ) as copy:
            copy.write(data)
        return int(connection.execute("SELECT count(*) FROM floor_copy").fetchone()[0])  # type: ignore[index]


def naive(path: Path, url: str) -> int:
    """What a user would write first: openpyxl via pandas, then DataFrame.to_sql."""
    import pandas as pd
    import sqlalchemy as sa

    frame = pd.read_excel(path, engine="openpyxl")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    frame.to_sql("naive_contacts", engine, if_exists="replace", index=False)
    return len(frame)


def calamine_frame(path: Path) -> Any:
    """The sheet calamine reads, as the DataFrame a user would hand to a loading tool."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    frame = pd.DataFrame(rows[1:], columns=[str(heading) for heading in rows[0]])
    # calamine gives a date for a midnight cell and a datetime otherwise; Arrow (and so any
    # loader) needs one type per column, the one step a user must add.
    for column in frame.columns:
        if isinstance(frame[column].iloc[0], date):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def dlt_load(path: Path, url: str) -> int:
    """The tool a user would pick instead: calamine's DataFrame loaded by dlt, no validation.

    dlt's defaults for Postgres (`replace`, a CSV loaded by COPY) but without gzip, which a
    user tuning for speed turns off first (it was most of dlt's time): the strongest fair peer.
    Telemetry off, and its pipeline state in a temporary folder.
    """
    import tempfile

    import dlt
    from dlt.common.runtime import anon_tracker

    # With telemetry off dlt still writes an anonymous id under /var/dlt or ~/.dlt.
    anon_tracker.get_anonymous_id = lambda: "off"
    from sqlalchemy.engine import make_url

    frame = calamine_frame(path)
    # dlt insists on a password; a trust-auth test server ignores the one it is given.
    target = make_url(url)
    credentials = target.set(password=target.password or "unused").render_as_string(False)
    with tempfile.TemporaryDirectory(prefix="bench-dlt-") as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="bench_contacts",
            destination=dlt.destinations.postgres(credentials=credentials),
            dataset_name="dlt_bench",
            pipelines_dir=pipelines_dir,
        )
        pipeline.run(frame, table_name="contacts", write_disposition="replace")
    return len(frame)


def full_ingest(path: Path, url: str) -> int:
    from flows.core.migrations import ready_engine
    from flows.core.settings import Settings
    from flows.intake.ingest import ingest_file
    from flows.intake.profiles import find_profile

    folder = path.parent
    settings = Settings(
        database_url=url,
        partners_dir=folder / "partners",
        output_dir=folder / "output",
        state_dir=folder / "state",  # its snapshots, beside the inputs, not in the checkout
        max_uncompressed_mb=4096,
        _env_file=None,
    )
    engine = ready_engine(settings)
    outcome = ingest_file(engine, settings, find_profile(settings.partners_dir, "bench"), path)
    if outcome.status != "accepted":
        raise SystemExit(f"bench ingest was {outcome.status}: {outcome.reason}")
    return outcome.rows_loaded


def report(path: Path, url: str) -> int:
    from flows.core.migrations import ready_engine
    from flows.core.periods import Period
    from flows.core.scope import Scope
    from flows.core.settings import Settings
    from flows.report.edition import build_edition

    settings = Settings(
        database_url=url,
        output_dir=path.parent / "output",
        _env_file=None,
    )
    engine = ready_engine(settings)
    edition = build_edition(engine, settings, Period(2018, 1), Scope("national"))
    return len(edition.headline)


CASES = {
    "calamine_read": calamine_read,
    "fastexcel_read": fastexcel_read,
    "pandas_csv_read": pandas_csv_read,
    "bare_copy": bare_copy,
    "naive": naive,
    "dlt_load": dlt_load,
    "full_ingest": full_ingest,
    "report": report,
}


# Imports each path needs, loaded before the clock starts: a long-running worker pays them once.
WARM_UP = {
    "calamine_read": ("python_calamine",),
    "fastexcel_read": ("fastexcel", "pyarrow"),
    "pandas_csv_read": ("pandas", "pyarrow"),
    "bare_copy": ("psycopg",),
    "naive": ("pandas", "openpyxl", "sqlalchemy", "psycopg"),
    "dlt_load": ("python_calamine", "pandas", "pyarrow", "dlt", "dlt.destinations"),
    # What `helpline ingest` imports (the report's scipy.optimize, 36 MB resident, it never
    # does); Great Expectations as the command imports it is loaded in main().
    "full_ingest": ("flows.cli", "flows.commands", "flows.intake.ingest"),
    "report": ("flows.commands", "flows.report.edition", "scipy.optimize", "openpyxl"),
}


def peak_rss_mb() -> float:
    """This process's own peak resident memory (ru_maxrss can carry the parent's over exec)."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def reader_peak_rss_mb() -> float:
    """The largest resident size among the reading child and its forkserver: once the server
    is stopped and waited for, it and the readers it waited for count as this process's
    children."""
    import resource

    from flows.intake.reading.contained_read import stop_reader_server

    stop_reader_server()
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    import importlib
    import os

    # dlt: no usage reports from a benchmark (set before dlt is imported).
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "true")

    case, file, url = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    for module in WARM_UP[case]:
        importlib.import_module(module)
    if case == "full_ingest":  # as the command imports it, scipy.stats deferred
        from flows.intake.validation import import_great_expectations

        import_great_expectations()
    started = time.perf_counter()
    rows = CASES[case](file, url)
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    result: dict[str, Any] = {
        "case": case,
        "rows": rows,
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
    }
    if case == "full_ingest":  # the file was read in a child process: its peak, apart
        result["reader_peak_rss_mb"] = reader_peak_rss_mb()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

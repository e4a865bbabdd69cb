"""Commands import only what they use: Great Expectations and scipy cost seconds to import.

Each command runs in a fresh interpreter against the test database; the packages it loaded are
read from sys.modules once it has finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from tests.conftest import helpline_env
from tests.reliability.conftest import load_report_data, write_counts_file

pytestmark = pytest.mark.integration

HEAVY = (
    "great_expectations",
    "scipy",
    "prefect",
    "pandas",
    "pyarrow",
    "openpyxl",
    "python_calamine",
    "numpy",
)
PROBE = """
import json, sys
from flows.cli import main
code = main(sys.argv[1:])
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(%r)))
statistics = "scipy.stats._stats_py" in sys.modules or "altair.vegalite" in sys.modules
print(json.dumps({"code": code, "heavy": heavy, "statistics": statistics}))
"""


def loaded_by(
    args: list[str], settings: Settings, cwd: Path, statistics: bool = False
) -> tuple[int, list[str]]:
    """The command's exit code and the heavy packages it loaded; with `statistics`, "scipy.stats"
    is listed too when scipy's statistics or altair's charts were really imported."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE % json.dumps(HEAVY), *args],
        env=helpline_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    extra = ["scipy.stats"] if statistics and result["statistics"] else []
    return int(result["code"]), list(result["heavy"]) + extra


def test_status_loads_none_of_the_heavy_packages(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    assert loaded_by(["status"], settings, tmp_path) == (0, [])


def test_report_loads_neither_great_expectations_nor_the_readers(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    load_report_data(engine, partner_settings, tmp_path)
    out = tmp_path / "report.xlsx"
    code, heavy = loaded_by(
        ["report", "--period", "2018-H1", "--out", str(out)], partner_settings, tmp_path
    )
    # The workbook needs pandas and openpyxl; scipy is only for an audit this data never needs.
    assert (code, heavy) == (0, ["numpy", "openpyxl", "pandas", "pyarrow"])


def test_ingest_loads_great_expectations_but_not_prefect(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    path = write_counts_file(tmp_path)
    code, heavy = loaded_by(
        ["ingest", "--partner", "t-counts", str(path)], partner_settings, tmp_path, True
    )
    # scipy comes in with Great Expectations itself, but not its statistics (about 0.7 s) nor
    # altair (its charts), which only expectations no suite uses call. The file is read in a
    # child process, so the spreadsheet reader never loads in the command's own.
    assert (code, heavy) == (
        0,
        ["great_expectations", "numpy", "openpyxl", "pandas", "pyarrow", "scipy"],
    )


def test_great_expectations_loads_once_in_the_background_while_a_file_is_read() -> None:
    probe = """
import sys
from flows.intake.validation import preload_great_expectations
before = "great_expectations" in sys.modules
thread = preload_great_expectations()
again = preload_great_expectations() is thread
thread.join(300)
print(before, again, thread.daemon, "great_expectations.data_context.types.base" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split() == ["False", "True", "True", "True"]


def test_packages_deferred_by_the_great_expectations_import_still_work() -> None:
    probe = """
import sys
from flows.intake.validation import import_great_expectations
gx = import_great_expectations()
before = [name in sys.modules for name in ("scipy.stats._stats_py", "altair.vegalite")]
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
entropy = kl.stats.entropy([0.5, 0.5], [0.9, 0.1])
import scipy.stats
import scipy.stats._stats_py as stats_py
import altair.vegalite as vegalite
import altair
print(*before, "scipy.stats._stats_py" in sys.modules, round(entropy, 6), scipy.stats.norm.cdf(0),
      scipy.stats._stats_py is stats_py, altair.vegalite is vegalite, altair.Chart.__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    # Not imported with Great Expectations; imported, whole and once, at the first use. The
    # relative entropy of (0.5, 0.5) to (0.9, 0.1) is ln(5/9) / 2 + ln(5) / 2 = 0.510826.
    assert done.stdout.split() == [
        "False",
        "False",
        "True",
        "0.510826",
        "0.5",
        "True",
        "True",
        "Chart",
    ]


def test_datasources_left_out_of_the_great_expectations_import_say_so_when_used() -> None:
    probe = """
import sys
from flows.intake.validation import UNUSED_DATASOURCES, import_great_expectations
gx = import_great_expectations()
from great_expectations.datasource.fluent import PandasDatasource, SparkDatasource
context = gx.get_context(mode="ephemeral")
added = type(context.data_sources.add_pandas("p")).__name__
try:
    SparkDatasource(name="s")
except NotImplementedError as error:
    said = str(error)
spark = type(sys.modules["great_expectations.datasource.fluent.spark_datasource"]).__name__
print(len(UNUSED_DATASOURCES), spark, added, PandasDatasource.__module__)
print(said)
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    shown, said = done.stdout.splitlines()[-2:]
    assert shown.split() == [
        "25",
        "NotLoadedModule",
        "PandasDatasource",
        "great_expectations.datasource.fluent.pandas_datasource",
    ]
    assert said == (
        "great_expectations.datasource.fluent.spark_datasource.SparkDatasource is not loaded: "
        "only pandas frames are validated here (flows.intake.validation.UNUSED_DATASOURCES)"
    )


def test_great_expectations_imported_whole_first_is_left_whole() -> None:
    probe = """
import sys, great_expectations
from flows.intake.validation import UNUSED_DATASOURCES, NotLoadedModule, import_great_expectations
import_great_expectations()
print(sum(isinstance(sys.modules.get(name), NotLoadedModule) for name in UNUSED_DATASOURCES))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split()[-1] == "0"


def test_validation_does_not_fingerprint_the_whole_file() -> None:
    """Great Expectations hashes every pandas batch under 1 GB for a marker nothing here reads
    (0.9 s of 1.5 s at a million rows); the import turns that off, by a setting a newer release
    could rename, so the run's own markers are checked."""
    probe = """
import pandas as pd
from flows.intake.validation import import_great_expectations
gx = import_great_expectations()
context = gx.get_context(mode="ephemeral")
batch = (
    context.data_sources.add_pandas("p").add_dataframe_asset("a")
    .add_batch_definition_whole_dataframe("w").get_batch(
        batch_parameters={"dataframe": pd.DataFrame({"x": [1, 2, 3]})}
    )
)
suite = gx.ExpectationSuite(name="s", expectations=[
    gx.expectations.ExpectColumnValuesToBeBetween(column="x", min_value=1, max_value=2)
])
result = batch.validate(suite, result_format="COMPLETE")
print("pandas_data_fingerprint" in batch.batch_markers, result.success,
      result.results[0].result["unexpected_index_list"])
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split("\n")[-2] == "False False [2]"

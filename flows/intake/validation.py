"""Great Expectations suites (expectations/*.json), run on the normalised frame before loading."""

from __future__ import annotations

import importlib
import json
import logging
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from flows.core.canonical import NormalisedFile, PartnerCells
from flows.core.force_areas import load_force_areas
from flows.core.periods import LONDON
from flows.core.resources import expectations_dir
from flows.core.safe_text import clean_text
from flows.intake.narrow_frame import narrow_frame
from flows.intake.profiles import PartnerProfile

_PLACEHOLDER = re.compile(r"\$\{(?P<name>[a-z_]+)\}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXAMPLES_PER_RULE = 10
DEFERRED_IMPORTS = ("scipy.stats", "altair")  # see import_great_expectations
# The fluent datasources great_expectations.datasource.fluent imports whole, none of which an
# ephemeral context validating pandas frames uses: Spark, SQL databases, pandas over cloud
# storage. Each defines pydantic models (and Spark's, reader options by the hundred).
UNUSED_DATASOURCES = tuple(
    f"great_expectations.datasource.fluent.{name}"
    for name in [
        "alloy_datasource",
        "aurora_datasource",
        "bigquery_datasource",
        "citus_datasource",
        "databricks_sql_datasource",
        "fabric",
        "fabric_datasource",
        "neon_datasource",
        "pandas_azure_blob_storage_datasource",
        "pandas_dbfs_datasource",
        "pandas_google_cloud_storage_datasource",
        "pandas_s3_datasource",
        "postgres_datasource",
        "redshift_datasource",
        "snowflake_datasource",
        "spark_azure_blob_storage_datasource",
        "spark_datasource",
        "spark_dbfs_datasource",
        "spark_file_path_datasource",
        "spark_filesystem_datasource",
        "spark_google_cloud_storage_datasource",
        "spark_s3_datasource",
        "sql_datasource",
        "sql_server_datasource",
        "sqlite_datasource",
    ]
)


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    role: str | None
    rows_affected: int
    source_rows: tuple[int, ...]  # every failing row, as the partner numbers them
    examples: tuple[tuple[int, str], ...]  # (row, partner's value) for the first few
    rejects_file: bool = False  # under quarantine_rows too: only the partner can put it right
    # Set for rules whose examples are whole sentences in the partner's terms: the reason
    # quotes them and ends with this advice.
    advice: str | None = None
    fix: str | None = None  # what to do, said after the rows (every rule of a suite has one)


@dataclass(frozen=True)
class ValidationReport:
    suite: str
    evaluated: int
    failures: tuple[RuleFailure, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()  # what the partner should know besides the rules broken

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def invalid_rows(self) -> frozenset[int]:
        return frozenset(row for failure in self.failures for row in failure.source_rows)

    def summary(self) -> dict[str, Any]:
        """What the ledger stores: rules and counts, examples by row number, no full row lists."""
        return {
            "suite": self.suite,
            "evaluated": self.evaluated,
            "failed": len(self.failures),
            "failures": [
                {k: v for k, v in asdict(failure).items() if k != "source_rows"}
                for failure in self.failures
            ],
            **({"notes": list(self.notes)} if self.notes else {}),
        }

    def first_reason(self) -> str:
        failure = self.failures[0]
        more = len(self.failures) - 1
        tail = f"; {more} more rule{'s' if more > 1 else ''} failed" if more else ""
        if failure.advice:
            said = "; ".join(text for _, text in failure.examples[:3])
            extra = failure.rows_affected - min(3, len(failure.examples))
            said += f"; and {extra} more" if extra > 0 else ""
            return f"{said}; {failure.advice}{tail}"
        fix = f"; {failure.fix}" if failure.fix else ""
        if not failure.source_rows:  # a rule of the whole file: a missing column, or the
            # number of rows (the one rule with no role), whose count is the file's rows
            held = f", and it holds {failure.rows_affected:,}" if failure.role is None else ""
            return f"{failure.rule}{held}{fix}{tail}"
        listed = list(dict.fromkeys(row for row, _ in failure.examples))  # a crosstab row has
        rows = ", ".join(str(row) for row in listed[:3])  # several figures, one row number
        where = f" (rows {rows}{', ...' if failure.rows_affected > 3 else ''})" if rows else ""
        return f"{failure.rule} on {failure.rows_affected} row(s){where}{fix}{tail}"


def load_suite(name: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The suite JSON with ${...} placeholders replaced by run-time values."""
    raw = json.loads((expectations_dir() / f"{name}.json").read_text(encoding="utf-8"))
    filled: dict[str, Any] = _fill(raw, parameters)
    return filled


def _fill(node: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, parameters) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, parameters) for value in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole:
            return parameters[whole["name"]]
        return _PLACEHOLDER.sub(lambda m: str(parameters[m["name"]]), node)
    return node


def _as_timestamps(kwargs: dict[str, Any]) -> dict[str, Any]:
    # Date columns are datetime64; GX 1.x compares bounds as given, so give it Timestamps.
    converted = dict(kwargs)
    for bound in ("min_value", "max_value"):
        value = converted.get(bound)
        if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
            converted[bound] = pd.Timestamp(value)
    return converted


def run_suite(
    frame: pd.DataFrame,
    suite: Mapping[str, Any],
    *,
    source_rows: np.ndarray,
    raw_values: Mapping[str, PartnerCells | pd.Series],
    headings: Mapping[str, str],
) -> ValidationReport:
    """Validate with an ephemeral GX context; map failures to the partner's own row numbers.

    raw_values holds, per role, the partner's original cells so examples show what they typed.
    """
    gx = import_great_expectations()  # here: it takes seconds, the CLI must start fast
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("partner_file")
        .add_dataframe_asset("normalised")
        .add_batch_definition_whole_dataframe("whole_file")
    )
    expectations = [
        {**spec, "kwargs": _as_timestamps(spec["kwargs"])} for spec in suite["expectations"]
    ]
    gx_suite = gx.ExpectationSuite(name=suite["name"], expectations=expectations)
    narrow = narrow_frame(frame, expectations)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": narrow})
    result = batch.validate(gx_suite, result_format="COMPLETE")
    failures = [
        _failure(outcome, source_rows, raw_values, headings)
        for outcome in result.results
        if not outcome.success
    ]
    return ValidationReport(suite["name"], len(result.results), tuple(failures))


def _failure(
    outcome: Any,
    source_rows: np.ndarray,
    raw_values: Mapping[str, PartnerCells | pd.Series],
    headings: Mapping[str, str],
) -> RuleFailure:
    meta = outcome.expectation_config.meta or {}
    role = meta.get("role")
    heading = headings.get(role, role or "") if role else ""
    rule = str(meta.get("rule", outcome.expectation_config.type)).replace("{heading}", heading)
    details = outcome.result or {}
    positions: Sequence[int] = details.get("unexpected_index_list") or []
    rows = tuple(int(source_rows[position]) for position in positions)
    raw = raw_values.get(role) if role else None
    advice = meta.get("advice")
    width = 300 if advice else 80  # a sentence the partner reads whole, or a value they typed
    examples = tuple(
        (int(source_rows[position]), _example(raw, position, width) if raw is not None else "")
        for position in positions[:EXAMPLES_PER_RULE]
    )
    count = int(details.get("unexpected_count") or len(rows) or 0)
    if not rows and outcome.expectation_config.type == "expect_table_row_count_to_be_between":
        count = int(details.get("observed_value") or 0)
    rejects = bool(meta.get("rejects_file"))
    return RuleFailure(rule, role, count, rows, examples, rejects, advice, meta.get("fix"))


def _example(raw: PartnerCells | pd.Series, position: int, width: int = 80) -> str:
    """The partner's value at `position`: from their cells, or from a Series of values."""
    if isinstance(raw, pd.Series):
        value = raw.iloc[position]
        blank = value is None or (isinstance(value, float) and np.isnan(value))
        return "(blank)" if blank else str(value)[:width]
    return raw.shown(position, width)


@cache  # once per process: a worker or an inbox sweep pays the import once
def preload_great_expectations() -> threading.Thread:
    """Start importing Great Expectations (1.3 to 1.5 s with scipy.stats and altair deferred:
    the package imports every expectation and checkpoint class whole) in a background thread,
    so the import overlaps the file's hashing, the database checks and the read, which runs in
    another process on the other core. Validation imports it as usual: that import waits for
    this one, and raises whatever this one met (here it is dropped, so it is reported once,
    there)."""
    thread = threading.Thread(target=_import_great_expectations, name="import-gx", daemon=True)
    thread.start()
    return thread


def _import_great_expectations() -> None:
    with suppress(Exception):  # the validating thread's own import reports it
        import_great_expectations()


def import_great_expectations() -> ModuleType:
    """The great_expectations package, imported with scipy.stats and altair deferred, its pandas
    batches no longer fingerprinted and its loggers quiet.

    Its package imports every expectation class, and the one comparing distributions
    (expect_column_kl_divergence_to_be_less_than) imports scipy.stats and altair at module
    level, as two KS-test metrics import scipy.stats: about 0.7 s and 0.25 s of a 2.4 s import,
    for statistics and charts only those expectations use, when they run. No suite here uses
    them. Each stands in as a module that imports the real one on first use, so nothing is lost
    if something else needs it.

    The fluent datasources other than pandas (UNUSED_DATASOURCES) are not imported at all:
    about a quarter of the import (0.4 to 0.5 s). Their modules stand in as NotLoadedModule,
    whose classes cannot be made, so using one says so rather than misbehaving."""
    if "great_expectations" not in sys.modules:  # not when it was imported whole already
        for name in (*DEFERRED_IMPORTS, *UNUSED_DATASOURCES):
            if name not in sys.modules:
                stand_in = _ImportedOnFirstUse if name in DEFERRED_IMPORTS else NotLoadedModule
                sys.modules[name] = stand_in(name)
    package = importlib.import_module("great_expectations")
    from great_expectations.execution_engine import pandas_execution_engine as engine

    # Every pandas batch under 1 GB is fingerprinted by hashing all of it (a batch marker, the
    # "pandas_data_fingerprint", that nothing here reads): 0.9 s of 1.5 s validating 1M rows.
    engine.HASH_THRESHOLD = 0
    # GX sets one of its loggers to INFO when imported, so every ingest printed a log line on
    # stderr ("Created temporary directory ... for ephemeral docs site").
    from great_expectations.data_context.types import base

    for logger in ("great_expectations", base.__name__):
        logging.getLogger(logger).setLevel(logging.WARNING)
    return package


class _ImportedOnFirstUse(ModuleType):
    """A module in sys.modules that, when any of its attributes is read, imports the real
    module in its place and answers from it."""

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


class NotLoadedModule(ModuleType):
    """A module left out of an import (UNUSED_DATASOURCES): each name imported from it is a
    class of its own that cannot be made."""

    def __getattr__(self, attribute: str) -> type:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        stand_in = type(attribute, (_NotLoaded,), {"__module__": self.__name__})
        setattr(self, attribute, stand_in)
        return stand_in


class _NotLoaded:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError(
            f"{type(self).__module__}.{type(self).__name__} is not loaded: only pandas frames "
            "are validated here (flows.intake.validation.UNUSED_DATASOURCES)"
        )


def validate_file(normalised: NormalisedFile, profile: PartnerProfile) -> ValidationReport:
    """Run the layout's suite with today's date, the force area codes and the profile's limits."""
    today = datetime.now(LONDON).date()
    suite = load_suite(
        "counts" if profile.layout == "crosstab" else profile.layout,  # on its melted cells
        {
            "today": today.isoformat(),
            "force_area_codes": [area.code for area in load_force_areas()],
            "max_rows": profile.max_rows,
        },
    )
    return run_suite(
        normalised.frame,
        suite,
        source_rows=normalised.source_rows,
        raw_values=normalised.raw_values,
        # the profile's headings name the rules in the feedback report: no control characters
        headings={role: clean_text(heading) for role, heading in normalised.headings.items()},
    )


def rows_to_keep(
    normalised: NormalisedFile, report: ValidationReport, profile: PartnerProfile
) -> pd.Series | None:
    """Which rows load: all of them, the valid ones under quarantine_rows, or None (reject)."""
    if report.passed:
        return pd.Series(True, index=normalised.frame.index)
    file_level = any(not f.source_rows or f.rejects_file for f in report.failures)
    if profile.on_invalid_rows != "quarantine_rows" or file_level:
        return None
    keep = ~pd.Series(normalised.source_rows).isin(report.invalid_rows)
    return keep if keep.any() else None

"""Writing a validated file to Postgres: ledger row, COPY into the fact tables, set-based replace.

The rows go straight into their tables by COPY (contact_records row by row, contact_counts
already summed per month, area and category), in the same transaction as the ledger row and the
set-based statements that repoint months: a failure part-way leaves the database as it was.
Measured at 1M records (2 cores, load 7): COPY into a temporary staging table then INSERT ...
SELECT took 14.3 s (median of 3), the same with one combined INSERT ... SELECT statement 11.3 s,
COPY straight into the targets 9.9 s. Index upkeep on contact_records was most of what remained,
so it keeps only its submission index (migration 0018), and its rows go in the binary format (1M
rows, medians of 4 on a fresh table: CSV 2.27 s, binary 1.76 s). A BRIN index instead of that
btree would make COPY 1.18 s, but at 10M rows the planner then reads the whole table to find a
partner's references (0.65 s against 0.15 s), on every ingest, however small the file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from flows.core.canonical import NormalisedFile
from flows.core.database import driver_connection, run_query, translate_database_errors
from flows.core.errors import DatabaseUnavailable
from flows.core.resources import load_sql
from flows.ledger.submissions import (
    LedgerEntry,
    as_duplicate,
    find_duplicate,
    record_failure,
    record_submission,
    take_submission_number,
)

STAGING_COLUMNS = (
    "source_row",
    "contact_ref",
    "contact_date",
    "month",
    "force_code",
    "caller_type",
    "channel",
    "contacts",
)


@dataclass(frozen=True)
class LoadResult:
    submission_id: int
    status: str  # loaded or duplicate
    superseded: tuple[int, ...] = ()
    replaced_months: tuple[date, ...] = ()
    duplicate_of: int | None = None
    revised_figures: int = 0


def refs_loaded_elsewhere(
    engine: Engine, partner_id: str, first_month: date, last_month: date
) -> pd.DataFrame:
    """Current references of this partner in months the incoming file does not replace."""
    with translate_database_errors("checking contact references"), engine.connect() as connection:
        rows = run_query(
            connection,
            "find_refs_loaded_elsewhere",
            partner_id=partner_id,
            first_month=first_month,
            last_month=last_month,
        ).all()
    return pd.DataFrame(rows, columns=["contact_ref", "month"])


def staging_frame(normalised: NormalisedFile, keep: pd.Series) -> pd.DataFrame:
    """The rows to load in staging-column order; records count one contact each."""
    every = bool(keep.all())  # no selection: no copy of the frame before the one below
    frame = normalised.frame if every else normalised.frame.loc[keep]
    staged = pd.DataFrame(
        {
            "source_row": normalised.source_rows
            if every
            else normalised.source_rows[keep.to_numpy()],
            "contact_ref": frame.get("contact_ref"),
            "contact_date": frame.get("contact_date"),
            "month": frame["month"],
            "force_code": frame["force_code"],
            "caller_type": frame["caller_type"],
            "channel": frame["channel"],
            "contacts": frame["contacts"].astype("int64") if "contacts" in frame else 1,
        },
        columns=list(STAGING_COLUMNS),
        copy=False,  # the rows are only read, and copy-on-write guards the frame they share
    )
    return staged


def loaded_entry(entry: LedgerEntry, normalised: NormalisedFile, keep: pd.Series) -> LedgerEntry:
    """The ledger's entry for a file whose rows `keep` are loaded."""
    months = normalised.frame.loc[keep, "month"]
    return replace(
        entry,
        status="loaded",
        rows_loaded=int(keep.sum()),
        rows_quarantined=int((~keep).sum()),
        first_month=months.min().date(),
        last_month=months.max().date(),
    )


COPY_BATCH_ROWS = 100_000
RECORD_COLUMNS = ("contact_ref", "contact_date", "force_code", "caller_type", "channel")
COUNT_KEYS = ["month", "force_code", "caller_type", "channel"]


def _arrow_batches(frame: pd.DataFrame, ids: dict[str, Any]) -> Iterator[Any]:
    """The frame's rows as Arrow tables of COPY_BATCH_ROWS, the constant ids first and
    datetime64 columns cast to dates (no Python object per row): the server parses one batch
    while the next is made, and no whole-file copy of the rows is held."""
    import pyarrow as pa

    for start in range(0, len(frame), COPY_BATCH_ROWS):
        table = pa.Table.from_pandas(
            frame.iloc[start : start + COPY_BATCH_ROWS], preserve_index=False
        )
        for position, name in enumerate(table.column_names):
            if pa.types.is_timestamp(table.schema.field(name).type):
                table = table.set_column(position, name, table[name].cast(pa.date32()))
        for position, (name, value) in enumerate(ids.items()):
            table = table.add_column(position, name, pa.repeat(pa.scalar(value), table.num_rows))
        yield table


def copy_rows(connection: Connection, statement: str, frame: pd.DataFrame, **ids: Any) -> None:
    """COPY the frame's rows after the constant ids as CSV written by Arrow, which writes nulls
    unquoted-empty (COPY reads them as NULL)."""
    from pyarrow import csv as pa_csv

    with driver_connection(connection).cursor().copy(load_sql(statement)) as copy:
        for table in _arrow_batches(frame, ids):
            buffer = io.BytesIO()
            pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
            copy.write(buffer.getbuffer())


def _record_schema() -> Any:
    """contact_records' columns as Arrow types that pgpq encodes as exactly the table's:
    bigint, text and date."""
    import pyarrow as pa

    text = pa.large_string()
    return pa.schema(
        [
            ("submission_id", pa.int64()),
            ("partner_id", text),
            ("contact_ref", text),
            ("contact_date", pa.date32()),
            ("force_code", text),
            ("caller_type", text),
            ("channel", text),
        ]
    )


def copy_records(
    connection: Connection, entry: LedgerEntry, staged: pd.DataFrame, submission_id: int
) -> None:
    """The file's records (records layout), under its submission number, in the binary format:
    the server then parses no text, which at 1M rows took a third of COPY's time. contact_records
    references no ledger row, so they may go before it."""
    if entry.layout != "records":
        return
    from pgpq import ArrowToPostgresBinaryEncoder

    schema = _record_schema()
    encoder = ArrowToPostgresBinaryEncoder(schema)
    ids = {"submission_id": submission_id, "partner_id": entry.partner_id}
    rows = staged[list(RECORD_COLUMNS)]
    with driver_connection(connection).cursor().copy(load_sql("copy_contact_records")) as copy:
        copy.write(encoder.write_header())
        for table in _arrow_batches(rows, ids):
            for batch in table.cast(schema).to_batches():
                copy.write(encoder.write_batch(batch))
        copy.write(encoder.finish())


def contact_counts(staged: pd.DataFrame) -> pd.DataFrame:
    """The rows' contacts summed per month, area and category: what contact_counts holds.
    Areas and categories are categoricals (flows.intake.normalise): only the combinations
    present are summed, never every category crossed with every other."""
    counts = staged.groupby(COUNT_KEYS, sort=False, dropna=False, observed=True)["contacts"].sum()
    return counts.reset_index()[[*COUNT_KEYS, "contacts"]]


def settle_load(
    connection: Connection,
    entry: LedgerEntry,
    counts: pd.DataFrame,
    submission_id: int,
    quarantined: list[tuple[int, str]],
) -> LoadResult:
    """The rest of a load once its records are in: the ledger row under the number taken, the
    counts (contact_counts) and the months repointed."""
    record_submission(connection, entry, submission_id)
    ids = {"submission_id": submission_id, "partner_id": entry.partner_id}
    copy_rows(connection, "copy_contact_counts", counts, **ids)
    return replace_months(connection, entry, submission_id, quarantined)


def load_submission(
    engine: Engine,
    entry: LedgerEntry,
    staged: pd.DataFrame,
    quarantined: list[tuple[int, str]],
) -> LoadResult:
    """One transaction, under the partner's lock: either the whole file replaces its months, or
    nothing changes (failure_recorded says what a lost connection leaves)."""
    with (
        failure_recorded(engine, entry),
        loading_errors(entry),
        engine.connect() as connection,
        connection.begin(),
    ):
        run_query(connection, "lock_partner", partner_id=entry.partner_id)
        duplicate_of = find_duplicate(connection, entry.partner_id, entry.sha256)
        if duplicate_of is not None:  # the same bytes arrived by another route meanwhile
            duplicate = as_duplicate(entry, duplicate_of)
            return LoadResult(
                record_submission(connection, duplicate), "duplicate", duplicate_of=duplicate_of
            )
        submission_id = take_submission_number(connection)
        copy_records(connection, entry, staged, submission_id)
        return settle_load(connection, entry, contact_counts(staged), submission_id, quarantined)


@contextmanager
def failure_recorded(engine: Engine, entry: LedgerEntry) -> Iterator[None]:
    """A lost connection, once the load's transaction has ended, leaves a `failed` ledger row
    (when the database takes one) and is raised again, so the caller can retry the file."""
    try:
        yield
    except DatabaseUnavailable as failure:
        record_failure(engine, entry, failure.message)
        raise


def loading_errors(entry: LedgerEntry) -> AbstractContextManager[None]:
    return translate_database_errors(f"loading {entry.file_name}", data_is_the_files=True)


def replace_months(
    connection: Connection,
    entry: LedgerEntry,
    submission_id: int,
    quarantined: list[tuple[int, str]],
) -> LoadResult:
    """The file's months repointed to it (its rows already copied), revisions and quarantined
    rows recorded: the rest of the load transaction."""
    ids = {"submission_id": submission_id, "partner_id": entry.partner_id}
    months = {"first_month": entry.first_month, "last_month": entry.last_month}
    revised = run_query(connection, "insert_revisions_for_resubmission", **ids, **months)
    before = _sources(connection, entry, months)
    run_query(connection, "repoint_month_sources", **ids, **months)
    superseded = tuple(
        int(row.id)
        for row in run_query(connection, "mark_superseded_submissions", partner_id=entry.partner_id)
    )
    for source_row, rule in quarantined:
        run_query(
            connection,
            "insert_quarantined_row",
            submission_id=submission_id,
            source_row=source_row,
            rule=rule,
        )
    return LoadResult(
        submission_id,
        "loaded",
        superseded,
        replaced_months=tuple(before),
        revised_figures=revised.rowcount,
    )


def _sources(connection: Connection, entry: LedgerEntry, months: dict[str, Any]) -> list[date]:
    rows = run_query(
        connection, "list_month_sources_in_range", partner_id=entry.partner_id, **months
    )
    return [row.month for row in rows]

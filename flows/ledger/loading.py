"""Writing a validated file to Postgres: ledger row, COPY into staging, set-based replace."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from flows.core.canonical import NormalisedFile
from flows.core.database import driver_connection, run_query, translate_database_errors
from flows.core.errors import DatabaseUnavailable
from flows.ledger.entries import (
    LedgerEntry,
    as_duplicate,
    find_duplicate,
    record_failure,
    record_submission,
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
    frame = normalised.frame.loc[keep]
    staged = pd.DataFrame(
        {
            "source_row": normalised.source_rows[keep.to_numpy()],
            "contact_ref": frame.get("contact_ref"),
            "contact_date": frame["contact_date"].dt.date if "contact_date" in frame else None,
            "month": frame["month"].dt.date,
            "force_code": frame["force_code"],
            "caller_type": frame["caller_type"],
            "channel": frame["channel"],
            "contacts": frame["contacts"].astype("int64") if "contacts" in frame else 1,
        },
        columns=list(STAGING_COLUMNS),
    )
    return staged


def copy_into_staging(connection: Connection, staged: pd.DataFrame) -> None:
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    run_query(connection, "create_staging_contacts")
    # pyarrow writes CSV several times faster than pandas; nulls come out unquoted-empty,
    # which COPY reads as NULL.
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(staged, preserve_index=False)
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    cursor = driver_connection(connection).cursor()
    columns = ", ".join(STAGING_COLUMNS)
    with cursor.copy(f"COPY staging_contacts ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getbuffer())


def load_submission(
    engine: Engine,
    entry: LedgerEntry,
    staged: pd.DataFrame,
    quarantined: list[tuple[int, str]],
) -> LoadResult:
    """One transaction: either the whole file replaces its months, or nothing changes.

    A lost connection leaves a `failed` ledger row (when the database takes one) and is raised
    again, so the caller can retry the file.
    """
    try:
        return _replace_months(engine, entry, staged, quarantined)
    except DatabaseUnavailable as failure:
        record_failure(engine, entry, failure.message)
        raise


def _replace_months(
    engine: Engine,
    entry: LedgerEntry,
    staged: pd.DataFrame,
    quarantined: list[tuple[int, str]],
) -> LoadResult:
    assert entry.first_month is not None and entry.last_month is not None
    loading = translate_database_errors(f"loading {entry.file_name}", data_is_the_files=True)
    with loading, engine.begin() as connection:
        run_query(connection, "lock_partner", partner_id=entry.partner_id)
        duplicate_of = find_duplicate(connection, entry.partner_id, entry.sha256)
        if duplicate_of is not None:  # the same bytes arrived by another route meanwhile
            duplicate = as_duplicate(entry, duplicate_of)
            return LoadResult(
                record_submission(connection, duplicate), "duplicate", duplicate_of=duplicate_of
            )
        submission_id = record_submission(connection, entry)
        copy_into_staging(connection, staged)
        ids = {"submission_id": submission_id, "partner_id": entry.partner_id}
        if entry.layout == "records":
            run_query(connection, "insert_contact_records_from_staging", **ids)
        run_query(connection, "insert_contact_counts_from_staging", **ids)
        months = {"first_month": entry.first_month, "last_month": entry.last_month}
        revised = run_query(connection, "insert_revisions_for_resubmission", **ids, **months)
        before = _sources(connection, entry, months)
        run_query(connection, "repoint_month_sources", **ids, **months)
        superseded = tuple(
            int(row.id)
            for row in run_query(
                connection, "mark_superseded_submissions", partner_id=entry.partner_id
            )
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

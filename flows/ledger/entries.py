"""Ledger entries: one row per file received, written whatever became of the file."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.errors import DatabaseUnavailable


@dataclass(frozen=True)
class LedgerEntry:
    partner_id: str
    sha256: str
    file_name: str
    layout: str
    rows_read: int
    status: str
    reason: str | None = None
    validation: dict[str, Any] | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    first_month: date | None = None
    last_month: date | None = None
    duplicate_of: int | None = None


def record_submission(connection: Connection, entry: LedgerEntry) -> int:
    params = {
        **asdict(entry),
        "validation": json.dumps(entry.validation or {}, default=str, sort_keys=True),
    }
    return int(run_query(connection, "insert_submission", **params).scalar_one())


def settle_submission(connection: Connection, submission_id: int, entry: LedgerEntry) -> None:
    """Rewrite a ledger row written before its file's fate was known (LoadAhead)."""
    run_query(
        connection,
        "settle_submission",
        submission_id=submission_id,
        status=entry.status,
        reason=entry.reason,
        rows_read=entry.rows_read,
        rows_loaded=entry.rows_loaded,
        rows_quarantined=entry.rows_quarantined,
        first_month=entry.first_month,
        last_month=entry.last_month,
        validation=json.dumps(entry.validation or {}, default=str, sort_keys=True),
    )


def record_outcome(engine: Engine, entry: LedgerEntry) -> int:
    """A ledger row on its own transaction: rejections and failures change no contact data."""
    with translate_database_errors("recording the submission"), engine.begin() as connection:
        return record_submission(connection, entry)


def find_duplicate(connection: Connection, partner_id: str, sha256: str) -> int | None:
    """The loaded (or since superseded) submission of the same bytes, if any."""
    row = run_query(
        connection, "find_live_submission", partner_id=partner_id, sha256=sha256
    ).first()
    return None if row is None else int(row.id)


def earlier_copy(engine: Engine, entry: LedgerEntry) -> int | None:
    with translate_database_errors("checking for duplicates"), engine.connect() as connection:
        return find_duplicate(connection, entry.partner_id, entry.sha256)


def as_duplicate(entry: LedgerEntry, earlier: int) -> LedgerEntry:
    return replace(
        entry,
        status="duplicate",
        rows_loaded=0,
        reason=f"same file as submission {earlier}",
        duplicate_of=earlier,
    )


def record_duplicate(engine: Engine, entry: LedgerEntry, earlier: int) -> int:
    return record_outcome(engine, as_duplicate(entry, earlier))


def as_rejection(entry: LedgerEntry, reason: str) -> LedgerEntry:
    return replace(entry, status="rejected", reason=reason, rows_loaded=0, rows_quarantined=0)


def record_rejection(engine: Engine, entry: LedgerEntry, reason: str) -> int:
    return record_outcome(engine, as_rejection(entry, reason))


def record_failure(engine: Engine, entry: LedgerEntry, reason: str) -> None:
    """Best effort: the database may still be down, and the original error matters more."""
    with contextlib.suppress(DatabaseUnavailable):
        record_outcome(engine, replace(entry, status="failed", rows_loaded=0, reason=reason))

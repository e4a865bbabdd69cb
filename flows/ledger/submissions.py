"""The submission ledger: one row per file received, whatever became of it; listing the files,
and withdrawing one sent in error."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.errors import DatabaseUnavailable, HelplineError
from flows.core.safe_text import clean_text


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


def take_submission_number(connection: Connection) -> int:
    """The next submission number, held by this transaction until it ends: numbers have no
    gaps, since one that is rolled back is taken again by the next file."""
    run_query(connection, "lock_ledger")
    return int(run_query(connection, "next_submission_number").scalar_one())


def record_submission(connection: Connection, entry: LedgerEntry, number: int | None = None) -> int:
    """The entry's ledger row, under `number` (taken by take_submission_number in this
    transaction) or the next one."""
    params = {
        **asdict(entry),
        "validation": json.dumps(entry.validation or {}, default=str, sort_keys=True),
        "id": take_submission_number(connection) if number is None else number,
    }
    return int(run_query(connection, "insert_submission", **params).scalar_one())


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


def record_rejection(engine: Engine, entry: LedgerEntry, reason: str) -> int:
    rejected = replace(entry, status="rejected", reason=reason, rows_loaded=0, rows_quarantined=0)
    return record_outcome(engine, rejected)


def record_failure(engine: Engine, entry: LedgerEntry, reason: str) -> None:
    """Best effort: the database may still be down, and the original error matters more."""
    with contextlib.suppress(DatabaseUnavailable):
        record_outcome(engine, replace(entry, status="failed", rows_loaded=0, reason=reason))


@dataclass(frozen=True)
class Withdrawal:
    submission_id: int
    partner_id: str
    restored: tuple[int, ...]
    months_restored: int
    months_emptied: int
    revised_figures: int

    def line(self) -> str:
        restored = ", ".join(str(i) for i in self.restored) or "none"
        return (
            f"submission {self.submission_id} ({self.partner_id}) withdrawn: "
            f"{self.months_restored} month(s) restored from submission(s) {restored}, "
            f"{self.months_emptied} month(s) now without data, "
            f"{self.revised_figures} published figure(s) revised"
        )


def withdraw_submission(engine: Engine, submission_id: int, reason: str) -> Withdrawal:
    """Take a file out and bring back what it had replaced, in one transaction."""
    with translate_database_errors("withdrawing a submission"), engine.begin() as connection:
        row = run_query(connection, "find_submission", submission_id=submission_id).first()
        if row is None:
            raise HelplineError(
                f"There is no submission {submission_id}; see `helpline submissions list`."
            )
        if row.status not in ("loaded", "superseded"):
            raise HelplineError(
                f"Submission {submission_id} ({row.file_name}) is {row.status}; only loaded or "
                "superseded submissions can be withdrawn."
            )
        run_query(connection, "lock_partner", partner_id=row.partner_id)
        ids = {"submission_id": submission_id}
        run_query(connection, "plan_withdrawal", **ids)
        revised = run_query(
            connection, "insert_revisions_for_withdrawal", partner_id=row.partner_id, **ids
        ).rowcount
        restored_rows = run_query(connection, "restore_withdrawn_months", **ids).all()
        restored = tuple(sorted({int(r.restored_submission_id) for r in restored_rows}))
        emptied = run_query(connection, "drop_unrestorable_months", **ids).rowcount
        run_query(connection, "mark_withdrawn", reason=reason, **ids)
        run_query(connection, "mark_restored_submissions", partner_id=row.partner_id)
        run_query(connection, "mark_superseded_submissions", partner_id=row.partner_id)
    return Withdrawal(submission_id, row.partner_id, restored, len(restored_rows), emptied, revised)


def list_submissions(engine: Engine, partner_id: str | None, limit: int) -> list[str]:
    with translate_database_errors("listing submissions"), engine.connect() as connection:
        rows = run_query(connection, "list_submissions", partner_id=partner_id, limit=limit).all()
    lines = []
    for row in rows:
        months = f"{row.first_month:%Y-%m} to {row.last_month:%Y-%m}" if row.first_month else "-"
        lines.append(
            f"{row.id:>5}  {row.received_at:%Y-%m-%d %H:%M}  {row.partner_id:<18} "
            f"{row.status:<10} {row.rows_loaded:>9,}/{row.rows_read:<9,} {months:<19} "
            f"{clean_text(row.file_name)}" + (f"  ({clean_text(row.reason)})" if row.reason else "")
        )
    return lines

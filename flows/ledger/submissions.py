"""The submission ledger for data managers: listing files, and withdrawing one sent in error."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.errors import HelplineError
from flows.core.safe_text import clean_text


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

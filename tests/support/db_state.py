"""Reading the database back in tests: exact figures, not just exit codes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

CURRENT_TOTALS = sa.text(  # the same join as the current_counts view, spelt out
    """
    SELECT c.partner_id, c.month, c.force_code, sum(c.contacts)::int AS contacts
    FROM helpline.contact_counts c
    JOIN helpline.month_sources ms
      ON ms.partner_id = c.partner_id AND ms.month = c.month AND ms.submission_id = c.submission_id
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    """
)


def current_totals(engine: Engine) -> dict[tuple[str, date, str], int]:
    with engine.connect() as connection:
        return {
            (r.partner_id, r.month, r.force_code): r.contacts
            for r in connection.execute(CURRENT_TOTALS)
        }


def ledger(engine: Engine) -> list[tuple[int, str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, file_name, status, reason FROM helpline.submissions ORDER BY id")
        )
        return [(r.id, r.file_name, r.status, r.reason) for r in rows]


def row_counts(engine: Engine) -> dict[str, int]:
    tables = ("contact_counts", "contact_records", "month_sources", "revisions", "quarantined_rows")
    with engine.connect() as connection:
        return {
            t: connection.execute(sa.text(f"SELECT count(*) FROM helpline.{t}")).scalar_one()
            for t in tables
        }

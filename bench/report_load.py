"""Loading N aggregated fact rows by COPY, to time the report at national-archive scale."""

from __future__ import annotations

import time
from datetime import date

import psycopg

from flows.core.database import create_engine_for
from flows.core.force_areas import load_force_areas
from flows.core.migrations import upgrade

CALLERS = ("child", "young person", "parent or carer", "professional", "other adult", "unknown")
CHANNELS = ("phone", "online chat", "email", "text message", "police referral", "unknown")


def months_back(count: int) -> list[date]:
    """count months ending June 2018, so the report's two periods sit at the end of history."""
    months = []
    year, month = 2018, 6
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def load_fact_rows(url: str, total: int) -> float:
    """COPY `total` fact rows spread over partners, months and force areas; return seconds."""
    upgrade(create_engine_for(url))
    codes = [area.code for area in load_force_areas()]
    combos = len(codes) * len(CALLERS) * len(CHANNELS)
    months = months_back(120)
    partners = max(1, total // (combos * len(months)) + 1)
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        ids = []
        for p in range(partners):
            row = connection.execute(
                "INSERT INTO helpline.submissions (id, partner_id, sha256, file_name, layout, "
                "status, first_month, last_month) SELECT coalesce(max(id), 0) + 1, %s, %s, "
                "'bench.csv', 'counts', 'loaded', %s, %s FROM helpline.submissions RETURNING id",
                (f"bench-{p}", f"{p:064x}", months[-1], months[0]),
            ).fetchone()
            assert row is not None
            ids.append(int(row[0]))
        written = 0
        with connection.cursor().copy(
            "COPY helpline.contact_counts (submission_id, partner_id, month, force_code, "
            "caller_type, channel, contacts) FROM STDIN"
        ) as copy:
            for p, submission in enumerate(ids):
                for month in months:
                    for code in codes:
                        for caller in CALLERS:
                            for channel in CHANNELS:
                                if written >= total:
                                    break
                                copy.write_row(
                                    (
                                        submission,
                                        f"bench-{p}",
                                        month,
                                        code,
                                        caller,
                                        channel,
                                        1 + written % 17,
                                    )
                                )
                                written += 1
        with connection.cursor().copy(
            "COPY helpline.month_sources (partner_id, month, submission_id) FROM STDIN"
        ) as copy:
            for p, submission in enumerate(ids):
                for month in months:
                    copy.write_row((f"bench-{p}", month, submission))
        connection.execute("ANALYZE helpline.contact_counts")
        connection.execute("ANALYZE helpline.month_sources")
    return time.perf_counter() - started

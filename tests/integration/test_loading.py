"""Ledger, duplicates, corrected resubmissions, withdrawals and atomic loads on real Postgres."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.outcome import IngestOutcome
from flows.intake.profiles import find_profile
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.partner_files import records, write_xlsx

HELPLINE = Path(sys.executable).parent / "helpline"
JUL, AUG, JAN, FEB, JUL18 = (
    date(2017, 7, 1),
    date(2017, 8, 1),
    date(2018, 1, 1),
    date(2018, 2, 1),
    date(2018, 7, 1),
)


def ingest(
    engine: Engine, settings: Settings, path: Path, partner: str = "t-records"
) -> IngestOutcome:
    return ingest_file(engine, settings, find_profile(settings.partners_dir, partner), path)


def test_accepted_file_is_loaded_and_described(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "h2.xlsx", records("A", JUL, "Lancs", 7) + records("A", AUG, "E23000005", 3, 100)
    )
    outcome = ingest(engine, partner_settings, path)
    assert outcome.status == "accepted"
    assert (
        outcome.line() == "h2.xlsx: accepted, 10 rows, months Jul 2017 to Aug 2017 (submission 1)"
    )
    assert current_totals(engine) == {
        ("t-records", JUL, "E23000003"): 7,
        ("t-records", AUG, "E23000005"): 3,
    }
    assert ledger(engine) == [(1, "h2.xlsx", "loaded", None)]
    assert row_counts(engine)["contact_records"] == 10


def test_same_bytes_again_is_a_duplicate_and_changes_nothing(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "h2.xlsx", records("A", JUL, "Lancs", 7))
    ingest(engine, partner_settings, path)
    before = row_counts(engine)
    again = ingest(engine, partner_settings, path)
    assert again.status == "duplicate" and again.ok
    assert again.line() == "h2.xlsx: skipped, duplicate of submission 1"
    assert row_counts(engine) == before
    assert [row[2] for row in ledger(engine)] == ["loaded", "duplicate"]


def test_resubmission_replaces_exactly_the_months_it_covers(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    h1 = write_xlsx(
        tmp_path / "h1.xlsx", records("A", JAN, "Lancs", 10) + records("A", FEB, "Lancs", 10, 100)
    )
    h2 = write_xlsx(tmp_path / "h2.xlsx", records("B", JUL18, "Lancs", 6))
    ingest(engine, partner_settings, h1)
    ingest(engine, partner_settings, h2)
    corrected = write_xlsx(
        tmp_path / "h1-corrected.xlsx",
        records("A", JAN, "Lancs", 12) + records("A", FEB, "E23000005", 4, 100),
    )
    outcome = ingest(engine, partner_settings, corrected)
    assert outcome.line() == (
        "h1-corrected.xlsx: accepted, 16 rows, months Jan 2018 to Feb 2018; replaced 2 month(s) "
        "of earlier data (submission 3)"
    )
    assert current_totals(engine) == {
        ("t-records", JAN, "E23000003"): 12,
        ("t-records", FEB, "E23000005"): 4,
        ("t-records", JUL18, "E23000003"): 6,  # 2018-H2 survives a corrected 2018-H1
    }
    assert [row[2] for row in ledger(engine)] == ["superseded", "loaded", "loaded"]
    with engine.connect() as connection:
        revisions = connection.execute(
            sa.text(
                "SELECT period, force_code, previous_contacts, revised_contacts "
                "FROM helpline.revisions ORDER BY force_code"
            )
        ).all()
    assert [tuple(r) for r in revisions] == [
        ("2018-H1", "E23000003", 20, 12),
        ("2018-H1", "E23000005", 0, 4),
    ]


def test_missing_mapped_column_exits_1_naming_file_and_heading(
    engine: Engine, partner_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "no-force.xlsx",
        [["A1", "03/07/2017", "Child"]],
        headings=["Ref", "Date of contact", "Caller"],
    )
    cli_env["HELPLINE_PARTNERS_DIR"] = str(partner_settings.partners_dir)
    result = subprocess.run(
        [str(HELPLINE), "ingest", "--partner", "t-records", str(path)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    line = result.stdout.strip()
    assert line.startswith("no-force.xlsx: rejected: ")
    assert '"Police force"' in line and "Ref, Date of contact, Caller" in line
    assert row_counts(engine) == {
        "contact_counts": 0,
        "contact_records": 0,
        "month_sources": 0,
        "revisions": 0,
        "quarantined_rows": 0,
    }
    assert [row[2] for row in ledger(engine)] == ["rejected"]


# Each way validation can settle a file: rejected, quarantined, accepted.


def ledger_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT id, status, rows_read, rows_loaded, rows_quarantined, "
                "validation ->> 'failed' AS failed FROM helpline.submissions ORDER BY id"
            )
        )
        return [tuple(row) for row in rows]


def test_a_file_rejected_by_validation_leaves_one_ledger_row_and_no_rows(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    # Every row could be copied (a date in the future is a valid date): validation rejects it.
    rows = [*records("F", JAN, "Lancashire", 3), ["F9", date(2031, 5, 1), "Lancashire", "Child"]]
    outcome = ingest(engine, partner_settings, write_xlsx(tmp_path / "future.xlsx", rows))
    assert (outcome.status, outcome.submission_id) == ("rejected", 1)
    assert ledger_rows(engine) == [(1, "rejected", 4, 0, 0, "1")]
    assert row_counts(engine) == dict.fromkeys(
        ("contact_counts", "contact_records", "month_sources", "revisions", "quarantined_rows"), 0
    )


def test_a_quarantined_file_loads_only_its_valid_rows_under_its_own_number(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    rows = [*records("Q", JAN, "Lancashire", 3), ["Q9", date(2031, 5, 1), "Lancashire", "Child"]]
    path = write_xlsx(tmp_path / "mixed.xlsx", rows)
    outcome = ingest(engine, partner_settings, path, partner="t-quarantine")
    assert (outcome.status, outcome.submission_id) == ("accepted", 1)
    assert ledger_rows(engine) == [(1, "loaded", 4, 3, 1, "1")]
    counts = row_counts(engine)
    assert (counts["contact_records"], counts["quarantined_rows"]) == (3, 1)
    assert current_totals(engine) == {("t-quarantine", JAN, "E23000003"): 3}


def test_an_accepted_file_keeps_its_validation_summary(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    outcome = ingest(
        engine,
        partner_settings,
        write_xlsx(tmp_path / "ok.xlsx", records("K", JAN, "Lancashire", 5)),
    )
    assert (outcome.status, outcome.submission_id) == ("accepted", 1)
    assert ledger_rows(engine) == [(1, "loaded", 5, 5, 0, "0")]
    with engine.connect() as connection:
        evaluated = connection.execute(
            sa.text("SELECT validation ->> 'evaluated' FROM helpline.submissions")
        ).scalar_one()
    assert int(evaluated) > 0
    assert row_counts(engine)["contact_records"] == 5


def test_records_read_back_exactly_as_sent(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    """The records go to the server in its binary format: every field reads back as sent."""
    refs = ["Ref-ü 1", 'R"2', "R,3", "R\\4", "R;5 " + "x" * 190, "日本-6"]
    days = [date(2016, 2, 29), date(2017, 12, 31), date(2018, 1, 1)]
    sent = [
        (ref, datetime.combine(days[i % 3], time(23, 59)), force, caller)
        for i, (ref, force, caller) in enumerate(
            zip(
                refs,
                ["Lancs", "E23000005"] * 3,
                ["Child", "Parent or carer", "Professional"] * 2,
                strict=False,
            )
        )
    ]
    rows = [list(row) for row in sent]
    outcome = ingest(engine, partner_settings, write_xlsx(tmp_path / "odd.xlsx", rows))
    assert outcome.status == "accepted", outcome.reason
    with engine.connect() as connection:
        loaded = connection.execute(
            sa.text(
                "SELECT submission_id, partner_id, contact_ref, contact_date, force_code, "
                "caller_type, channel FROM helpline.contact_records ORDER BY contact_date, "
                "contact_ref"
            )
        ).all()
    codes = {"Lancs": "E23000003", "E23000005": "E23000005"}
    expected = sorted(
        (1, "t-records", ref, happened.date(), codes[force], caller.lower(), "unknown")
        for ref, happened, force, caller in sent
    )
    assert [tuple(row) for row in loaded] == sorted(expected, key=lambda r: (r[3], r[2]))

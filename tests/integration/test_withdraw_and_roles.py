"""Withdrawing a file sent in error, and the application role's limits."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Engine

from flows.core.errors import HelplineError
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from flows.ledger.submissions import list_submissions, withdraw_submission
from tests.support.db_state import current_totals, ledger
from tests.support.partner_files import records, write_xlsx

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)


def test_withdraw_restores_the_replaced_submission_and_records_revisions(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    profile = find_profile(partner_settings.partners_dir, "t-records")
    first = write_xlsx(
        tmp_path / "h1.xlsx", records("A", JAN, "Lancs", 10) + records("A", FEB, "Lancs", 5, 50)
    )
    wrong = write_xlsx(tmp_path / "h1-wrong.xlsx", records("W", JAN, "Lancs", 99))
    ingest_file(engine, partner_settings, profile, first)
    ingest_file(engine, partner_settings, profile, wrong)
    assert current_totals(engine) == {
        ("t-records", JAN, "E23000003"): 99,
        ("t-records", FEB, "E23000003"): 5,
    }
    withdrawal = withdraw_submission(engine, 2, "sent in error")
    assert withdrawal.line() == (
        "submission 2 (t-records) withdrawn: 1 month(s) restored from submission(s) 1, "
        "0 month(s) now without data, 1 published figure(s) revised"
    )
    assert current_totals(engine) == {
        ("t-records", JAN, "E23000003"): 10,
        ("t-records", FEB, "E23000003"): 5,
    }
    assert [(r[0], r[2]) for r in ledger(engine)] == [(1, "loaded"), (2, "withdrawn")]
    with engine.connect() as connection:
        revisions = [
            tuple(r)
            for r in connection.execute(
                sa.text(
                    "SELECT action, period, previous_contacts, revised_contacts "
                    "FROM helpline.revisions "
                    "ORDER BY id"
                )
            )
        ]
    # Loading the wrong file revised 15 -> 104; withdrawing it revised 104 -> 15 again.
    assert revisions == [("resubmitted", "2018-H1", 15, 104), ("withdrawn", "2018-H1", 104, 15)]
    assert "withdrawn" in list_submissions(engine, "t-records", 10)[0]
    with pytest.raises(HelplineError, match="is withdrawn; only loaded or superseded"):
        withdraw_submission(engine, 2, "again")
    with pytest.raises(HelplineError, match="There is no submission 42"):
        withdraw_submission(engine, 42, "nothing")


def test_withdrawing_the_only_file_leaves_its_months_empty(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    profile = find_profile(partner_settings.partners_dir, "t-records")
    ingest_file(
        engine,
        partner_settings,
        profile,
        write_xlsx(tmp_path / "only.xlsx", records("A", JAN, "Lancs", 3)),
    )
    withdrawal = withdraw_submission(engine, 1, "sent in error")
    assert (withdrawal.months_restored, withdrawal.months_emptied) == (0, 1)
    assert current_totals(engine) == {}


def test_application_role_cannot_change_the_schema(database_url: str, engine: Engine) -> None:
    role = f"helpline_test_app_{secrets.token_hex(4)}"  # roles are the whole server's
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE helpline_app").format(sql.Identifier(role))
        )
    url = sa.engine.make_url(database_url).set(username=role, password=None)
    try:
        with psycopg.connect(
            url.set(drivername="postgresql").render_as_string(False), autocommit=True
        ) as app:
            assert app.execute("SELECT count(*) FROM helpline.force_areas").fetchone() == (43,)
            app.execute(
                "INSERT INTO helpline.editions (period, scope, path, sha256, data_hash) "
                "VALUES ('2018-H1', 'national', 'x', 'y', 'z')"
            )
            for statement in (
                "DROP TABLE helpline.revisions",
                "ALTER TABLE helpline.submissions ADD COLUMN note text",
                "CREATE TABLE helpline.extra (id int)",
                "TRUNCATE helpline.contact_counts",
                "INSERT INTO helpline.schema_migrations (version, name, checksum) "
                "VALUES (99, 'x', 'y')",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

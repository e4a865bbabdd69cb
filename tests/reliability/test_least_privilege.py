"""Least privilege: a login in helpline_app reads and writes rows, and can do nothing else.

`helpline db upgrade` ran as postgres (the session fixture); the application role then cannot
change the schema or read another one, but ingests files and builds a report through the CLI.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from tests.reliability.conftest import (
    SECRET,
    CaseLog,
    cli_environment,
    expected_counts,
    one_line,
    run_main,
    table_names,
    write_counts_file,
)
from tests.support.db_state import current_totals, ledger

pytestmark = [pytest.mark.integration]

FORBIDDEN = [
    "DROP TABLE helpline.submissions",
    "DROP SCHEMA helpline CASCADE",
    "ALTER TABLE helpline.submissions ADD COLUMN note text",
    "ALTER TABLE helpline.contact_counts DROP CONSTRAINT contact_counts_contacts_check",
    "CREATE TABLE helpline.extra (id int)",
    "CREATE VIEW helpline.everything AS SELECT * FROM helpline.submissions",
    "CREATE FUNCTION helpline.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE INDEX ON helpline.submissions (file_name)",
    "TRUNCATE helpline.contact_counts",
    "INSERT INTO helpline.schema_migrations (version, name, checksum) VALUES (99, 'x', 'y')",
    "DELETE FROM helpline.schema_migrations",
    "SELECT * FROM other_schema.secret",
    "INSERT INTO other_schema.secret VALUES ('x')",
    "CREATE TABLE other_schema.mine (id int)",
    "CREATE SCHEMA mine",
    "CREATE TABLE public.mine (id int)",
    "CREATE ROLE intruder",
]


@pytest.fixture
def app_login(database_url: str, engine: Engine) -> Iterator[str]:
    """A login in helpline_app (password SECRET), and other_schema.secret; dropped after."""
    role = f"helpline_rel_app_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("DROP SCHEMA IF EXISTS other_schema CASCADE")
        admin.execute("CREATE SCHEMA other_schema")
        admin.execute("CREATE TABLE other_schema.secret (value text)")
        admin.execute("INSERT INTO other_schema.secret VALUES ('the payroll')")
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE helpline_app").format(
                sql.Identifier(role), sql.Literal(SECRET)
            )
        )
    try:
        url = sa.engine.make_url(database_url).set(username=role, password=SECRET)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            admin.execute("DROP SCHEMA IF EXISTS other_schema CASCADE")


def test_the_application_role_cannot_change_the_schema_or_read_elsewhere(
    app_login: str, engine: Engine, cases: CaseLog
) -> None:
    tables = table_names(engine)
    conninfo = sa.engine.make_url(app_login).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(False), autocommit=True) as app:
        for statement in FORBIDDEN:
            with cases.case(), pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        with cases.case():  # a GRANT without the grant option only warns: nothing is granted
            app.execute("GRANT SELECT ON helpline.submissions TO PUBLIC")
            public = app.execute(
                "SELECT count(*) FROM pg_class AS c, aclexplode(c.relacl) AS a "
                "WHERE c.oid = 'helpline.submissions'::regclass AND a.grantee = 0"
            ).fetchone()
            assert public == (0,)
        with cases.case():  # what it may do: read reference data, use its own temporary tables
            assert app.execute("SELECT count(*) FROM helpline.force_areas").fetchone() == (43,)
            app.execute("CREATE TEMPORARY TABLE scratch (id int)")
            member = app.execute(
                "SELECT pg_has_role(current_user, 'helpline_app', 'MEMBER'), "
                "pg_has_role(current_user, 'helpline_owner', 'MEMBER'), rolsuper, rolcreaterole, "
                "rolcreatedb FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            assert member == (True, False, False, False, False)
    assert table_names(engine) == tables
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT value FROM other_schema.secret")).all() == [
            ("the payroll",)
        ]


def test_the_application_role_ingests_and_reports_through_the_cli(
    app_login: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", app_login)
    counts = write_counts_file(tmp_path)
    out = tmp_path / "report.xlsx"
    with cases.case():
        result = run_main(["ingest", "--partner", "t-counts", str(counts)], capsys)
        assert result.code == 0, result
        assert one_line(result.text).startswith("counts.xlsx: accepted, 96 rows")
        assert current_totals(engine) == expected_counts()
    with cases.case():
        result = run_main(["ingest", "--partner", "t-counts", str(counts)], capsys)
        assert result.code == 0, result
        assert one_line(result.text) == "counts.xlsx: skipped, duplicate of submission 1"
    with cases.case():
        result = run_main(["report", "--period", "2018-H1", "--out", str(out)], capsys)
        assert result.code == 0, result
        assert result.out.strip().splitlines()[-1] == f"workbook: {out}"
        assert out.is_file()
    with cases.case():
        result = run_main(["status"], capsys)
        assert result.code == 0, result
        assert "t-counts: 1 loaded, 0 rejected, 1 duplicate" in result.out
        assert SECRET not in result.text
    assert [row[1:3] for row in ledger(engine)] == [
        ("counts.xlsx", "loaded"),
        ("counts.xlsx", "duplicate"),
    ]


def test_db_upgrade_as_the_application_role_says_what_to_do(
    app_login: str,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", app_login)
    with cases.case():
        result = run_main(["db", "upgrade"], capsys)  # already current
        line = one_line(result.text)
        assert not line.startswith("error: unexpected"), line
        assert (result.code, line) == (0, "database is up to date")


def test_a_schema_behind_asks_the_application_role_for_an_upgrade(
    app_login: str,
    engine: Engine,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", app_login)
    with engine.begin() as connection:  # pretend the newest migration has not run
        newest = connection.execute(
            sa.text(
                "DELETE FROM helpline.schema_migrations WHERE version = "
                "(SELECT max(version) FROM helpline.schema_migrations) "
                "RETURNING version, name, checksum, applied_at"
            )
        ).one()
    try:
        with cases.case():
            result = run_main(["status"], capsys)
            assert result.code == 1, result
            assert one_line(result.text) == (
                "error: The database schema needs upgrading and this login may not change it; "
                "run `helpline db upgrade` with the owner's HELPLINE_DATABASE_URL."
            )
    finally:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO helpline.schema_migrations (version, name, checksum, applied_at) "
                    "VALUES (:version, :name, :checksum, :applied_at)"
                ),
                newest._asdict(),
            )

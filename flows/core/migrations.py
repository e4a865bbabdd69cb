"""Numbered SQL migrations, applied in order, each once, each in its own transaction."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql as pgsql
from sqlalchemy.engine import Connection, Engine

from flows.core.database import driver_connection, open_engine, run_query
from flows.core.errors import HelplineError
from flows.core.resources import load_sql, reference_dir, sql_dir
from flows.core.settings import Settings

_MIGRATION_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
# A migration may ask for a reference CSV to be staged as a temporary table before it runs.
_DATA_DIRECTIVE = re.compile(r"^-- data: (?P<csv>[\w.]+\.csv) -> (?P<table>[a-z_]+)$", re.MULTILINE)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def data_files(self) -> list[str]:
        """The reference CSV files this migration stages before it runs."""
        return [directive["csv"] for directive in _DATA_DIRECTIVE.finditer(self.sql)]

    def data_checksums(self) -> dict[str, str]:
        return {
            name: hashlib.sha256((reference_dir() / name).read_bytes()).hexdigest()
            for name in self.data_files
        }


def discover_migrations(directory: Path | None = None) -> list[Migration]:
    folder = directory or sql_dir() / "migrations"
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise HelplineError(f"{path.name}: migration files must be named NNNN_name.sql.")
        migrations.append(Migration(int(match["version"]), match["name"], path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise HelplineError("Two migration files share a version number; renumber one.")
    return migrations


def stage_reference_csv(connection: Connection, csv_name: str, table: str) -> None:
    """COPY a reference CSV (comment lines starting with # skipped) into a temporary table."""
    lines = (reference_dir() / csv_name).read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if not line.startswith("#"))
    header = next(csv.reader(io.StringIO(body)))
    columns = [sa.Column(name, sa.Text) for name in header]
    temp = sa.Table(table, sa.MetaData(), *columns, prefixes=["TEMPORARY"])
    temp.create(connection)
    cursor = driver_connection(connection).cursor()
    statement = pgsql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(
        pgsql.Identifier(table)
    )
    with cursor.copy(statement) as copy:
        copy.write(body.encode("utf-8"))


# The migrations name the default group roles; a database whose schema `db init` gave to
# PREFIX_owner has them renamed to PREFIX_owner and PREFIX_app when applied. The prefix is
# checked to be [a-z][a-z0-9_]* first, so the new names need no quoting anywhere they appear.
_DEFAULT_ROLE = re.compile(r"\bhelpline_(owner|app)\b")
_ROLE_PREFIX = re.compile(r"^(?P<prefix>[a-z][a-z0-9_]{0,40})_owner$")


def role_prefix(connection: Connection) -> str:
    """The prefix of the role owning the helpline schema; helpline when it is not one of ours
    (e.g. a superuser's first upgrade made the schema)."""
    owner = run_query(connection, "helpline_schema_owner").scalar_one_or_none()
    match = _ROLE_PREFIX.match(owner or "")
    return match["prefix"] if match else "helpline"


def with_group_roles(sql: str, prefix: str) -> str:
    if prefix == "helpline":
        return sql
    return _DEFAULT_ROLE.sub(lambda found: f"{prefix}_{found[1]}", sql)


def apply_migration(connection: Connection, migration: Migration) -> None:
    sql = with_group_roles(migration.sql, role_prefix(connection))
    for directive in _DATA_DIRECTIVE.finditer(sql):
        stage_reference_csv(connection, directive["csv"], directive["table"])
    cursor = driver_connection(connection).cursor()
    # A migration file may hold several DDL statements; psycopg runs them as one simple query.
    cursor.execute(sql.encode("utf-8"), prepare=False)
    for directive in _DATA_DIRECTIVE.finditer(sql):
        drop = pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(directive["table"]))
        cursor.execute(drop)
    run_query(
        connection,
        "record_migration",
        version=migration.version,
        name=migration.name,
        checksum=migration.checksum,
    )


_MAY_NOT_UPGRADE = (
    "The database schema needs upgrading and this login may not change it; run "
    "`helpline db upgrade` with the owner's HELPLINE_DATABASE_URL."
)
_NO_SCHEMA_YET = (
    "This login may not create the helpline schema, and nobody has yet; run `helpline db init` "
    "once with a Postgres superuser's --admin-url (it creates the schema's owner role and the "
    "logins), then use the migrator login for `helpline db upgrade`."
)


def migrations_table_exists(connection: Connection) -> bool:
    return bool(
        connection.execute(
            sa.text("SELECT to_regclass('helpline.schema_migrations') IS NOT NULL")
        ).scalar_one()
    )


def pending_migrations(engine: Engine) -> list[Migration]:
    """Migrations not yet applied; readable by the application role, which cannot apply them."""
    with engine.connect() as connection:
        done = (
            {row.version for row in run_query(connection, "list_applied_migrations")}
            if migrations_table_exists(connection)
            else set()
        )
    return [m for m in discover_migrations() if m.version not in done]


def ensure_current(engine: Engine) -> None:
    """Upgrade if anything is pending (or say what to do when this login may not); otherwise
    check that no reference file changed under an applied migration."""
    if pending_migrations(engine):
        upgrade(engine)
    else:
        check_reference_data(engine, discover_migrations(), record=False)


def ready_engine(settings: Settings) -> Engine:
    """Connect, then make sure the schema is current (migrations are idempotent)."""
    engine = open_engine(settings)
    try:
        ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def ready_database(settings: Settings) -> Iterator[Engine]:
    """A ready engine for the length of a command; its connections are closed afterwards."""
    engine = ready_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade(engine: Engine) -> list[Migration]:
    """Apply every migration not yet applied; return the ones applied now.

    Already-applied migrations are checked against their checksums, so a login that may read
    but not change the schema (the application role) can run this when nothing is pending.
    """
    try:
        return _apply_pending(engine)
    except (sa.exc.ProgrammingError, psycopg.errors.InsufficientPrivilege) as error:
        cause = error.orig if isinstance(error, sa.exc.ProgrammingError) else error
        if not isinstance(cause, psycopg.errors.InsufficientPrivilege):
            raise
        with engine.connect() as connection:
            has_schema = run_query(connection, "helpline_schema_exists").scalar_one()
        raise HelplineError(_MAY_NOT_UPGRADE if has_schema else _NO_SCHEMA_YET) from None


def _apply_pending(engine: Engine) -> list[Migration]:
    applied_now: list[Migration] = []
    with engine.begin() as connection:
        if not migrations_table_exists(connection):
            cursor = driver_connection(connection).cursor()
            for statement in ("create_helpline_schema", "create_migrations_table"):
                cursor.execute(load_sql(statement).encode("utf-8"), prepare=False)
    migrations = discover_migrations()
    for migration in migrations:
        with engine.begin() as connection:
            run_query(connection, "lock_migrations")
            done = {row.version: row for row in run_query(connection, "list_applied_migrations")}
            if (
                migration.version not in done
                and not run_query(connection, "may_change_schema").scalar_one()
            ):
                # Say so before running it: a statement on a missing object would fail first.
                raise HelplineError(_MAY_NOT_UPGRADE)
            if migration.version in done:
                if done[migration.version].checksum != migration.checksum:
                    raise HelplineError(
                        f"Migration {migration.path.name} was edited after it was applied; "
                        "add a new numbered migration instead."
                    )
                continue
            if not run_query(connection, "may_change_schema").scalar_one():
                # Said before running it: its statements could fail for another reason first
                # (e.g. a table it drops that is already gone), hiding the real one.
                raise HelplineError(_MAY_NOT_UPGRADE)
            apply_migration(connection, migration)
            applied_now.append(migration)
    check_reference_data(engine, migrations, record=True)
    return applied_now


def check_reference_data(engine: Engine, migrations: list[Migration], *, record: bool) -> None:
    """Refuse a reference file changed after its migration loaded it; record new ones.

    Migrations applied before the checksums were kept have theirs recorded at the first
    upgrade that can (the files as they are then); without `record` they are left alone.
    """
    with engine.begin() as connection:
        if not reference_data_table_exists(connection):
            return  # only before migration 0006, which creates it, has run
        run_query(connection, "lock_migrations")
        applied = {row.version for row in run_query(connection, "list_applied_migrations")}
        recorded = {
            (row.version, row.file_name): row.sha256
            for row in run_query(connection, "list_reference_data")
        }
        for migration in migrations:
            if migration.version not in applied:
                continue
            for name, sha256 in migration.data_checksums().items():
                known = recorded.get((migration.version, name))
                if known is None and record:
                    run_query(
                        connection,
                        "record_reference_data",
                        version=migration.version,
                        file_name=name,
                        sha256=sha256,
                    )
                elif known is not None and known != sha256:
                    raise HelplineError(
                        f"Reference data {name} changed after migration {migration.path.name} "
                        "loaded it; restore the file and put the change in a new numbered "
                        "migration with its own data file."
                    )


def reference_data_table_exists(connection: Connection) -> bool:
    return bool(
        connection.execute(
            sa.text("SELECT to_regclass('helpline.reference_data') IS NOT NULL")
        ).scalar_one()
    )

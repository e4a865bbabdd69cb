"""`helpline db init`: an empty Postgres server made ready for least-privilege use.

In the one order that works on an empty server: the two roles nobody logs in as
(PREFIX_owner owns the schema, PREFIX_app reads and writes rows; HELPLINE_ROLE_PREFIX, default
helpline), then the database and its schema owned by PREFIX_owner, then the two logins the URLs
name (a migrator in PREFIX_owner, the service in PREFIX_app). Then the migrations run as the
migrator, and the service login proves it can connect to a current schema. Safe to repeat: what
exists is kept. Roles are shared by the whole server, so roles that already hold rights in
another database are refused: each database needs its own prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql as pgsql
from pydantic import SecretStr
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from flows.core.database import (
    create_engine_for,
    driver_connection,
    first_line,
    open_engine,
    run_query,
)
from flows.core.errors import ConfigurationError, HelplineError
from flows.core.migrations import pending_migrations, upgrade
from flows.core.resources import load_sql
from flows.core.safe_text import redact_url
from flows.core.settings import Settings

Say = Callable[[str], object]


@dataclass(frozen=True)
class GroupRoles:
    """The two roles nobody logs in as, named by HELPLINE_ROLE_PREFIX."""

    prefix: str

    @property
    def owner(self) -> str:
        return f"{self.prefix}_owner"

    @property
    def app(self) -> str:
        return f"{self.prefix}_app"


@dataclass(frozen=True)
class Login:
    """A login named by a database URL, and the role it acts through."""

    url: str
    member_of: str

    @property
    def name(self) -> str:
        return str(make_url(self.url).username or "")

    @property
    def password(self) -> str | None:
        return make_url(self.url).password


def server_and_database(url: str) -> tuple[object, ...]:
    parsed = make_url(url)
    return (parsed.host, parsed.port or 5432, parsed.query.get("host"), parsed.database)


def check_logins(migrator: Login, service: Login, roles: GroupRoles) -> None:
    """Both URLs name one database on one server, as two distinct logins of their own."""
    if server_and_database(migrator.url) != server_and_database(service.url):
        raise ConfigurationError(
            "The migrator's URL and HELPLINE_DATABASE_URL must name the same server and database."
        )
    for login, which in ((migrator, "migrator's URL"), (service, "HELPLINE_DATABASE_URL")):
        if not login.name or login.name in (roles.owner, roles.app, "postgres"):
            raise ConfigurationError(
                f"The {which} must name a login of its own (not {login.name or 'nobody'}): "
                f"e.g. helpline_migrator or helpline_service."
            )
    if migrator.name == service.name:
        raise ConfigurationError(
            "The migrator and the service need two different logins: the service must not be "
            "able to change the schema."
        )


def execute(connection: Connection, statement: str, **parts: str | None) -> None:
    """A bootstrap statement whose names (and password) cannot be bind parameters."""
    literals = {"password"}
    composed = pgsql.SQL(load_sql(statement)).format(
        **{
            k: pgsql.Literal(v) if k in literals else pgsql.Identifier(str(v))
            for k, v in parts.items()
        }
    )
    driver_connection(connection).execute(composed)


@contextmanager
def admin_connection(url: str, database: str | None = None) -> Iterator[Connection]:
    """The admin login, in autocommit (CREATE DATABASE cannot run in a transaction)."""
    parsed = make_url(url) if database is None else make_url(url).set(database=database)
    engine = create_engine_for(parsed.render_as_string(hide_password=False))
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            check_admin(connection, url)
            yield connection
    except DBAPIError as error:
        reason = redact_url(first_line(error.orig))
        raise ConfigurationError(f"--admin-url {redact_url(url)}: {reason}") from None
    finally:
        engine.dispose()


def check_admin(connection: Connection, url: str) -> None:
    rights = run_query(connection, "admin_rights").one()
    if not (rights.rolsuper or (rights.rolcreaterole and rights.rolcreatedb)):
        raise ConfigurationError(
            f"The login in {redact_url(url)} may not create roles and databases; give "
            "--admin-url a Postgres superuser (e.g. postgres)."
        )


def create_roles_and_database(
    connection: Connection, database: str, roles: GroupRoles, say: Say
) -> None:
    for role, statement, purpose in (
        (roles.owner, "create_owner_role", "owns the schema"),
        (roles.app, "create_app_role", "reads and writes rows"),
    ):
        if run_query(connection, "find_role", name=role).first() is None:
            execute(connection, statement, role=role)
            say(f"created role {role} ({purpose}; no login)")
            continue
        check_role_is_this_databases(connection, role, database)
        say(f"role {role} exists")
    found = run_query(connection, "find_database", name=database).first()
    if found is None:
        execute(connection, "create_database", database=database, owner=roles.owner)
        execute(connection, "revoke_public_connect", database=database)
        say(f"created database {database} owned by {roles.owner}; only its roles may connect")
    else:
        execute(connection, "grant_database_to_owner", database=database, owner=roles.owner)
        say(f"database {database} exists (owner {found.owner}); {roles.owner} may create in it")


def check_role_is_this_databases(connection: Connection, role: str, database: str) -> None:
    """Roles are the server's, not the database's: a role with rights in another database
    would let this database's logins into that one's tables."""
    others = list(
        run_query(connection, "databases_of_role", role=role, database=database).scalars()
    )
    if others:
        raise ConfigurationError(
            f"Role {role} already holds rights in database {', '.join(others)}: give {database} "
            f"roles of its own with HELPLINE_ROLE_PREFIX (e.g. HELPLINE_ROLE_PREFIX={database}), "
            "then run this again."
        )


def create_schema_and_logins(
    connection: Connection, logins: list[Login], roles: GroupRoles, say: Say
) -> None:
    execute(connection, "create_owned_schema", owner=roles.owner)
    execute(connection, "give_schema_to_owner", owner=roles.owner)
    say(f"schema helpline owned by {roles.owner}")
    for login in logins:
        if run_query(connection, "find_role", name=login.name).first() is None:
            execute(
                connection,
                "create_login",
                login=login.name,
                password=login.password,
                member_of=login.member_of,
            )
            say(f"created login {login.name} in {login.member_of}")
        else:
            execute(connection, "grant_role_to_login", login=login.name, member_of=login.member_of)
            say(f"login {login.name} exists (in {login.member_of}); its password is unchanged")
    service = logins[-1]
    owner = roles.owner
    if run_query(connection, "role_membership", login=service.name, role=owner).scalar_one():
        raise ConfigurationError(
            f"The service login {service.name} is a member of {owner}, so it could change the "
            f"schema: REVOKE {owner} FROM {service.name}, then run this again."
        )


def init_database(settings: Settings, admin_url: str, migrator_url: str, say: Say) -> None:
    """Roles, database, schema and logins, then the migrations as the migrator."""
    if settings.database_url is None:
        raise ConfigurationError(
            "Set HELPLINE_DATABASE_URL to the service login's URL, e.g. "
            "postgresql://helpline_service:PASSWORD@127.0.0.1:5432/helpline."
        )
    roles = GroupRoles(settings.role_prefix)
    migrator = Login(migrator_url, roles.owner)
    service = Login(settings.database_url.get_secret_value(), roles.app)
    check_logins(migrator, service, roles)
    database = str(make_url(service.url).database or "")
    with admin_connection(admin_url) as connection:
        create_roles_and_database(connection, database, roles, say)
    with admin_connection(admin_url, database) as connection:
        create_schema_and_logins(connection, [migrator, service], roles, say)
    as_migrator = open_engine(settings.model_copy(update={"database_url": SecretStr(migrator.url)}))
    try:
        applied = upgrade(as_migrator)
    finally:
        as_migrator.dispose()
    for migration in applied:
        say(f"applied {migration.version:04d}_{migration.name} as {migrator.name}")
    as_service = open_engine(settings)
    try:
        if pending_migrations(as_service):
            raise HelplineError("The schema is still behind after the upgrade; run this again.")
    finally:
        as_service.dispose()
    say(f"{service.name} connects and the schema is current")

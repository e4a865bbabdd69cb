"""Connecting to Postgres: a configured URL, or the embedded server under the state directory."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from flows.core.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    FileRejected,
    classify_database_error,
)
from flows.core.resources import load_sql
from flows.core.safe_text import redact_url
from flows.core.settings import Settings

log = logging.getLogger(__name__)


def embedded_database_url(state_dir: Path) -> str:
    """Start (or reuse) the embedded Postgres under state_dir and return its URL."""
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on servers; it is noise for our users.
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import (
            get_server,
        )  # slow import, needed only without a configured server

        data_dir = (state_dir / "pgdata").resolve()
        # Said every time: a command run outside the checkout must not quietly use an empty
        # database of its own when the operator meant the configured one.
        log.warning("HELPLINE_DATABASE_URL is not set: using the embedded Postgres in %s", data_dir)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None keeps the server running for the next command, which reuses it.
        server = get_server(data_dir, cleanup_mode=None)
        return str(server.get_uri())


def stop_embedded_server(state_dir: Path) -> None:
    """Stop the embedded server under state_dir (tests and `make clean` use this)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

        get_server((state_dir / "pgdata").resolve(), cleanup_mode="stop").cleanup()


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return embedded_database_url(settings.state_dir)


def sqlalchemy_url(url: str) -> str:
    """Accept plain postgresql:// URLs and always drive them with psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ConfigurationError(
        f"HELPLINE_DATABASE_URL must start with postgresql://, got {redact_url(url)!r}."
    )


def create_engine_for(url: str, *, connect_timeout: int = 10) -> Engine:
    return sa.create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        connect_args={"connect_timeout": connect_timeout, "application_name": "helpline"},
        # The URL carries the password; never let SQLAlchemy echo it.
        hide_parameters=True,
    )


def open_engine(settings: Settings) -> Engine:
    """An engine that has been proven to connect, or DatabaseUnavailable with a clear reason."""
    url = database_url(settings)
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        reason = redact_url(first_line(error.orig))
        if classify_database_error(error.orig) == "configuration":
            raise ConfigurationError(
                f"Cannot use the database at {redact_url(url)}: {reason}. Check "
                "HELPLINE_DATABASE_URL (database name, user and password); retrying will not help."
            ) from None
        raise DatabaseUnavailable(
            f"Cannot connect to the database at {redact_url(url)}: {reason}. "
            "Check HELPLINE_DATABASE_URL and that the server is running."
        ) from None
    return engine


def driver_connection(connection: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under SQLAlchemy's, for COPY and multi-statement scripts."""
    return cast("psycopg.Connection[Any]", connection.connection.driver_connection)


def first_line(error: BaseException | None) -> str:
    text = str(error or "unknown error").strip()
    return text.splitlines()[0] if text else type(error).__name__


def run_query(connection: Connection, query: str, /, **params: Any) -> sa.CursorResult[Any]:
    """Execute the named statement from sql/queries with bind parameters."""
    return connection.execute(sa.text(load_sql(query)), params)


@contextmanager
def translate_database_errors(action: str, *, data_is_the_files: bool = False) -> Iterator[None]:
    """Turn a database failure into the error that says what to do (flows.core.errors).

    A lost connection is DatabaseUnavailable (retried); a login or permission problem is a
    ConfigurationError; with data_is_the_files, a value the database refuses (too long for an
    index, not valid text) is FileRejected: loading that file again would fail the same way.
    """
    try:
        yield
    except (DBAPIError, psycopg.Error) as error:
        # COPY runs on the driver's own cursor, so its errors arrive unwrapped by SQLAlchemy.
        original: BaseException | None = error.orig if isinstance(error, DBAPIError) else error
        invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
        kind = "transient" if invalidated else classify_database_error(original)
        reason = redact_url(first_line(original))
        if kind == "data" and data_is_the_files:
            raise FileRejected(
                f"the database refused a value while {action} ({reason[:200]}); ask the "
                "partner to check the file's values."
            ) from error
        if kind == "configuration":
            raise ConfigurationError(f"Database refused {action}: {reason}") from error
        if kind == "transient":
            raise DatabaseUnavailable(f"Database error while {action}: {reason}") from error
        raise

"""Shared fixtures: one real Postgres database per test session, emptied between tests."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from psycopg import sql
from sqlalchemy.engine import Engine

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from flows.core.database import create_engine_for
from flows.core.migrations import upgrade
from flows.core.settings import Settings

# Property tests are judged on what they find, never on how long an example took: a shared,
# loaded machine must not turn a slow example into a failure.
hypothesis_settings.register_profile("helpline", deadline=None)
hypothesis_settings.load_profile("helpline")

REPO = Path(__file__).resolve().parent.parent
DATA_TABLES = (
    "deliveries",
    "quarantined_rows",
    "revisions",
    "contact_records",
    "contact_counts",
    "month_sources",
    "editions",
    "edition_builds",
    "release_patterns",
    "submissions",
)


def _local_server_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _shared_server_url() -> str | None:
    """HELPLINE_TEST_DATABASE_URL, else the server on 127.0.0.1:5432 if it answers."""
    configured = os.environ.get("HELPLINE_TEST_DATABASE_URL")
    if configured:
        return configured
    if _local_server_answers():
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    return None


def _server_url(tmp_root: Path) -> str:
    """A shared server (above), else an embedded one under tmp_root."""
    shared = _shared_server_url()
    if shared is not None:
        return shared
    from flows.core.database import embedded_database_url

    return embedded_database_url(tmp_root)


def _with_database(url: str, name: str) -> str:
    return str(sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False))


@contextmanager
def own_database(server: str, prefix: str) -> Iterator[str]:
    """A new database on the server, named for this process, dropped however the block ends."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.engine.make_url(server).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(conninfo, name)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before the test processes start, on a shared server: the roles migration (0003) creates
    roles, which belong to the whole server, and `make test` runs the tests in several processes
    (pytest-xdist), each migrating a database of its own when a test first needs it. On a server
    that has never held the roles, two would race to create them. The process that hands the
    tests out migrates a throwaway database first, so every later migration finds them, and
    names the server for the test processes, so they all use the same one. Alone, one process
    needs none of this; an embedded server is each process's own."""
    config = session.config
    workers = config.getoption("numprocesses", None)  # None without pytest-xdist
    if hasattr(config, "workerinput") or not workers or config.option.collectonly:
        return
    shared = _shared_server_url()
    if shared is None:
        return
    os.environ["HELPLINE_TEST_DATABASE_URL"] = shared  # the processes inherit it
    try:
        with own_database(shared, "helpline_roles") as url:
            engine = create_engine_for(url)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
    except (psycopg.Error, sa.exc.SQLAlchemyError) as error:
        reason = " ".join(str(error).split())  # psycopg adds a hint on a line of its own
        pytest.exit(f"the test server {shared} could not be prepared: {reason}", returncode=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a test marked slow run first, each file's tests in their own order: the
    test processes take files in this order, so the long ones (a Prefect server's, the recipe
    from a fresh clone, the bench) start early instead of leaving one process busy at the end
    while the other waits. Alone, one process runs them in the same order."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _server_url(tmp_path_factory.mktemp("pg"))


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "helpline_test") as url:
        yield url


@pytest.fixture
def scratch_database(server_url: str) -> Iterator[str]:
    """An empty database of its own on the session's server, dropped after the test."""
    with own_database(server_url, "helpline_scratch") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The session's database with every data table emptied (reference data kept)."""
    tables = ", ".join(f"helpline.{table}" for table in DATA_TABLES)
    with migrated_engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return migrated_engine


# Sending refuses the example contact address (HELPLINE_CONTACT_EMAIL); the tests use their own.
TEST_CONTACT_EMAIL = "statistics@helpline.test"


@pytest.fixture(autouse=True, scope="session")
def contact_address() -> Iterator[None]:
    """Every Settings a test builds from the environment has a real contact address, module
    fixtures' included (a workbook built before a test and again in it must say the same)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HELPLINE_CONTACT_EMAIL", TEST_CONTACT_EMAIL)
        yield


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        state_dir=tmp_path / "state",
        partners_dir=REPO / "deploy" / "partners",
        inbox_dir=tmp_path / "inbox",
        output_dir=tmp_path / "output",
        recipients_file=tmp_path / "recipients.toml",
        contact_email=TEST_CONTACT_EMAIL,
        mail_outbox=True,
        _env_file=None,
    )


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the installed `helpline` command against the test database."""
    return helpline_env(settings)


def helpline_env(settings: Settings, **extra: str) -> dict[str, str]:
    """This process's environment with HELPLINE_* replaced by `settings` (and `extra`)."""
    assert settings.database_url is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    env.update(
        HELPLINE_DATABASE_URL=settings.database_url.get_secret_value(),
        HELPLINE_STATE_DIR=str(settings.state_dir),
        HELPLINE_PARTNERS_DIR=str(settings.partners_dir),
        HELPLINE_INBOX_DIR=str(settings.inbox_dir),
        HELPLINE_OUTPUT_DIR=str(settings.output_dir),
        HELPLINE_RECIPIENTS_FILE=str(settings.recipients_file),
        HELPLINE_CONTACT_EMAIL=settings.contact_email,
        HELPLINE_MAIL_OUTBOX=str(settings.mail_outbox).lower(),
    )
    env.update(extra)
    return env

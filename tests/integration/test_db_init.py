"""`helpline db init` and the SQL block in docs/operations.md, on an empty Postgres server of
the test's own.

Roles belong to the whole server, so these tests cannot use the suite's shared one: there the
roles already exist, and other sessions depend on them.
"""

from __future__ import annotations

import gc
import re
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from flows.cli import main
from tests.support.postgres_cluster import empty_postgres_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Server:
    admin_url: str

    def url(self, user: str, password: str | None, database: str) -> str:
        parsed = make_url(self.admin_url).set(username=user, password=password, database=database)
        return parsed.render_as_string(hide_password=False)

    def admin(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        url = make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)
        return psycopg.connect(url, autocommit=True)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with empty_postgres_server(secrets.token_hex(8)) as admin_url:
        yield Server(admin_url)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def helpline(
    args: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Result:
    """`helpline ARGS` in this process, with exactly these HELPLINE_* settings and no .env."""
    with monkeypatch.context() as patch:
        patch.chdir(tmp_path)
        for name in ("HELPLINE_DATABASE_URL", "HELPLINE_MIGRATOR_URL", "HELPLINE_ADMIN_URL"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        capsys.readouterr()
        with warnings.catch_warnings():
            # A command's engine is meant to live until its process ends; here that is now.
            warnings.simplefilter("ignore", ResourceWarning)
            code = main(args)
            gc.collect()
        captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def roles_of(server: Server, login: str) -> list[str]:
    with server.admin() as admin:
        rows = admin.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles l ON l.oid = m.member WHERE l.rolname = %s ORDER BY 1",
            (login,),
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_db_init_sets_up_an_empty_server_in_order_and_can_be_repeated(
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    service_password, migrator_password = secrets.token_hex(8), secrets.token_hex(8)
    env = {
        "HELPLINE_DATABASE_URL": server.url("helpline_service", service_password, "helpline"),
        "HELPLINE_MIGRATOR_URL": server.url("helpline_migrator", migrator_password, "helpline"),
    }
    init = ["db", "init", "--admin-url", server.admin_url]
    first = helpline(init, env, monkeypatch, capsys, tmp_path)
    assert (first.code, first.err) == (0, ""), first
    migrations = sorted(path.stem for path in (REPO / "sql" / "migrations").glob("*.sql"))
    assert first.out.splitlines() == [
        "created role helpline_owner (owns the schema; no login)",
        "created role helpline_app (reads and writes rows; no login)",
        "created database helpline owned by helpline_owner; only its roles may connect",
        "schema helpline owned by helpline_owner",
        "created login helpline_migrator in helpline_owner",
        "created login helpline_service in helpline_app",
        *[f"applied {name} as helpline_migrator" for name in migrations],
        "helpline_service connects and the schema is current",
    ]
    assert service_password not in first.out + first.err
    assert roles_of(server, "helpline_migrator") == ["helpline_owner"]
    assert roles_of(server, "helpline_service") == ["helpline_app"]

    again = helpline(init, env, monkeypatch, capsys, tmp_path)
    assert again.code == 0, again
    assert again.out.splitlines() == [
        "role helpline_owner exists",
        "role helpline_app exists",
        "database helpline exists (owner helpline_owner); helpline_owner may create in it",
        "schema helpline owned by helpline_owner",
        "login helpline_migrator exists (in helpline_owner); its password is unchanged",
        "login helpline_service exists (in helpline_app); its password is unchanged",
        "helpline_service connects and the schema is current",
    ]

    # The service login works the product and cannot change the schema.
    status = helpline(["status"], env, monkeypatch, capsys, tmp_path)
    assert status.code == 0 and "no submissions yet" in status.out, status
    with (
        psycopg.connect(env["HELPLINE_DATABASE_URL"]) as service,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        service.execute("CREATE TABLE helpline.intruder (id int)")
    # A wrong password is refused: the logins really have the passwords of their URLs.
    wrong = env["HELPLINE_DATABASE_URL"].replace(service_password, "not-the-password")
    refused = helpline(["status"], {"HELPLINE_DATABASE_URL": wrong}, monkeypatch, capsys, tmp_path)
    assert refused.code == 1
    assert 'password authentication failed for user "helpline_service"' in refused.err


def run_sql_block(server: Server, block: str, passwords: dict[str, str]) -> None:
    """The page's statements in order, as psql would run them (\\connect switches database)."""
    connection = server.admin()
    try:
        for statement in filter(None, (s.strip() for s in block.split(";"))):
            for placeholder, value in passwords.items():
                statement = statement.replace(placeholder, value)
            for line in statement.splitlines():
                if line.startswith("\\connect "):
                    connection.close()
                    connection = server.admin(line.split()[1])
            sql = "\n".join(line for line in statement.splitlines() if not line.startswith("\\"))
            if sql.strip():
                connection.execute(sql.encode())
    finally:
        connection.close()


def test_the_operations_sql_block_works_on_an_empty_database_then_db_upgrade_as_the_migrator(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    page = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    section = page.split("## Running as the application role", 1)[1]
    block = section.split("```sql\n", 1)[1].split("```", 1)[0]
    passwords = {
        "MIGRATOR_PASSWORD": secrets.token_hex(8),
        "SERVICE_PASSWORD": secrets.token_hex(8),
    }
    with empty_postgres_server(secrets.token_hex(8)) as admin_url:
        server = Server(admin_url)
        run_sql_block(server, block, passwords)
        migrator = server.url("helpline_migrator", passwords["MIGRATOR_PASSWORD"], "helpline")
        upgraded = helpline(
            ["db", "upgrade"], {"HELPLINE_DATABASE_URL": migrator}, monkeypatch, capsys, tmp_path
        )
        assert upgraded.code == 0, upgraded
        assert re.fullmatch(r"(applied \d{4}_[a-z0-9_]+\n)+", upgraded.out), upgraded.out
        service = server.url("helpline_service", passwords["SERVICE_PASSWORD"], "helpline")
        status = helpline(
            ["status"], {"HELPLINE_DATABASE_URL": service}, monkeypatch, capsys, tmp_path
        )
        assert status.code == 0 and "no submissions yet" in status.out, status


def test_a_login_that_may_not_create_the_schema_is_told_to_run_db_init(
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    password = secrets.token_hex(8)
    with server.admin() as admin:
        admin.execute("CREATE DATABASE bare")
        admin.execute(f"CREATE ROLE someone LOGIN PASSWORD '{password}'")
    url = server.url("someone", password, "bare")
    result = helpline(
        ["db", "upgrade"], {"HELPLINE_DATABASE_URL": url}, monkeypatch, capsys, tmp_path
    )
    assert result.code == 1
    assert result.err == (
        "error: This login may not create the helpline schema, and nobody has yet; run "
        "`helpline db init` once with a Postgres superuser's --admin-url (it creates the "
        "schema's owner role and the logins), then use the migrator login for `helpline db "
        "upgrade`.\n"
    )
    with server.admin("bare") as admin:
        assert admin.execute("SELECT to_regnamespace('helpline')").fetchone() == (None,)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "same login twice",
            "error: The migrator and the service need two different logins: the service must "
            "not be able to change the schema.",
        ),
        (
            "admin may not create roles",
            "error: The login in postgresql://helpline_migrator:***@127.0.0.1:",
        ),
        (
            "two databases",
            "error: The migrator's URL and HELPLINE_DATABASE_URL must name the same server and "
            "database.",
        ),
    ],
)
def test_db_init_refuses_bad_urls_with_one_line(
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    case: str,
    expected: str,
) -> None:
    # Runs after the first test has made the migrator: a login that exists but is no superuser.
    migrator = server.url("helpline_migrator", "x", "helpline")
    service = server.url("helpline_service", "y", "helpline")
    admin = server.admin_url
    if case == "same login twice":
        service = migrator
    elif case == "admin may not create roles":
        with server.admin() as connection:
            connection.execute(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                "'helpline_migrator') THEN CREATE ROLE helpline_migrator LOGIN; END IF; END $$"
            )
            connection.execute("ALTER ROLE helpline_migrator PASSWORD 'x'")
        admin = server.url("helpline_migrator", "x", "postgres")
    else:
        service = server.url("helpline_service", "y", "elsewhere")
    env = {"HELPLINE_DATABASE_URL": service, "HELPLINE_MIGRATOR_URL": migrator}
    result = helpline(["db", "init", "--admin-url", admin], env, monkeypatch, capsys, tmp_path)
    assert result.code == 1
    assert result.err.startswith(expected), result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_db_init_without_an_admin_url_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = helpline(["db", "init"], {}, monkeypatch, capsys, tmp_path)
    assert result.code == 2
    # In this process the program is called pytest, hence the end of the line is compared.
    assert result.err.startswith(
        "error: Missing option '--admin-url' (env var: 'HELPLINE_ADMIN_URL'). (see '"
    )
    assert result.err.endswith(" db init --help')\n") and result.err.count("\n") == 1
    helped = helpline(["db", "init", "--help"], {}, monkeypatch, capsys, tmp_path)
    assert helped.code == 0 and " db init [OPTIONS]" in helped.out
    assert "HELPLINE_MIGRATOR_URL" in helped.out


def site_env(server: Server, prefix: str, database: str | None = None) -> dict[str, str]:
    database = database or prefix
    return {
        "HELPLINE_DATABASE_URL": server.url(f"{database}_service", "service-pw", database),
        "HELPLINE_MIGRATOR_URL": server.url(f"{database}_migrator", "migrator-pw", database),
        "HELPLINE_ROLE_PREFIX": prefix,
    }


def drop_sites(server: Server, databases: list[str], roles: list[str]) -> None:
    with server.admin() as admin:
        for database in databases:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in roles:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_two_databases_on_one_server_have_roles_of_their_own_and_cannot_touch_each_other(
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    token = secrets.token_hex(3)
    first, second = f"site_a_{token}", f"site_b_{token}"
    third = f"site_c_{token}"
    init = ["db", "init", "--admin-url", server.admin_url]
    roles = [
        f"{site}_{kind}" for site in (first, second, third) for kind in ("service", "migrator")
    ]
    roles += [f"{site}_{kind}" for site in (first, second) for kind in ("owner", "app")]
    try:
        for site in (first, second):
            done = helpline(init, site_env(server, site), monkeypatch, capsys, tmp_path)
            assert (done.code, done.err) == (0, ""), done
            assert done.out.splitlines()[:3] == [
                f"created role {site}_owner (owns the schema; no login)",
                f"created role {site}_app (reads and writes rows; no login)",
                f"created database {site} owned by {site}_owner; only its roles may connect",
            ]
            assert roles_of(server, f"{site}_service") == [f"{site}_app"]
            status = helpline(["status"], site_env(server, site), monkeypatch, capsys, tmp_path)
            assert status.code == 0 and "no submissions yet" in status.out, status
            with server.admin(site) as admin:
                grantees = admin.execute(
                    "SELECT DISTINCT grantee::text FROM information_schema.role_table_grants "
                    "WHERE table_schema = 'helpline' ORDER BY 1"
                ).fetchall()
            assert [row[0] for row in grantees] == [f"{site}_app", f"{site}_owner"]

        for mine, theirs in ((first, second), (second, first)):
            into_theirs = server.url(f"{mine}_service", "service-pw", theirs)
            with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
                psycopg.connect(into_theirs).close()
            # Even if someone opened the door to every login, the tables stay shut.
            with server.admin(theirs) as admin:
                admin.execute(f'GRANT CONNECT ON DATABASE "{theirs}" TO PUBLIC')
            with psycopg.connect(into_theirs, autocommit=True) as intruder:
                for statement in (
                    "SELECT count(*) FROM helpline.submissions",
                    "DELETE FROM helpline.submissions",
                    "UPDATE helpline.force_areas SET name = 'x'",
                    "CREATE TABLE helpline.intruder (id int)",
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        intruder.execute(statement)
            with server.admin(theirs) as admin:
                admin.execute(f'REVOKE CONNECT ON DATABASE "{theirs}" FROM PUBLIC')

        # A third database may not borrow the first one's roles: one line, nothing created.
        borrowed = site_env(server, first, third)
        refused = helpline(init, borrowed, monkeypatch, capsys, tmp_path)
        assert refused.code == 1 and refused.out == "", refused
        assert refused.err.strip() == (
            f"error: Role {first}_owner already holds rights in database {first}: give {third} "
            f"roles of its own with HELPLINE_ROLE_PREFIX (e.g. HELPLINE_ROLE_PREFIX={third}), "
            "then run this again."
        )
        with server.admin() as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (third,))
            assert found.fetchone() is None
    finally:
        drop_sites(server, [first, second, third], roles)

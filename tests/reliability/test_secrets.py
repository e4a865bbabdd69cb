"""Secrets: database and SMTP passwords never appear in output, logs, errors or artifacts.

Commands run with a password in the URL against a port nothing listens on and against the real
server (as a login role created here); mail goes to a real SMTP server (aiosmtpd) with STARTTLS
and a login. Everything they print or log, every file they write and every ledger text is
searched for the password.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import ssl
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from flows.commands import run_send
from flows.core.settings import Settings
from flows.delivery.mail import Mailer
from tests.reliability.conftest import (
    SECRET,
    CaseLog,
    cli_environment,
    load_report_data,
    one_line,
    run_main,
    write_counts_file,
)
from tests.support.loopback import Inbox, free_port, serving, starttls_login
from tests.support.partner_files import records, write_xlsx

pytestmark = [pytest.mark.integration]

SECRET_FORMS = (SECRET, base64.b64encode(SECRET.encode()).decode(), SECRET.replace("-", "%2D"))
# Where the CLI saves a traceback it did not expect: a new file each time (save_traceback).
ERROR_FILES = "helpline-error-*.txt"
RECIPIENTS = (
    '[[recipient]]\nemail = "analysis@example.org"\nname = "Analysts"\nscope = "national"\n'
)


def assert_secret_free(*texts: str) -> None:
    for text in texts:
        for form in SECRET_FORMS:
            assert form not in text, f"password found in: {text[:300]!r}"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([caplog.text, *(record.getMessage() for record in caplog.records)])


def files_text(folder: Path) -> str:
    """Every file under folder as text, workbooks unzipped part by part."""
    texts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts.append(data.decode("utf-8", "replace"))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return "\n".join(texts)


def ledger_text(engine: Engine) -> str:
    queries = [
        "SELECT coalesce(reason, '') || ' ' || validation::text FROM helpline.submissions",
        "SELECT path FROM helpline.editions",
        "SELECT coalesce(detail, '') FROM helpline.deliveries",
    ]
    with engine.connect() as connection:
        return "\n".join(
            str(value)
            for query in queries
            for value in connection.execute(sa.text(query)).scalars()
        )


def error_files() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(ERROR_FILES))


def errors_since(before: set[Path]) -> str:
    """Every traceback saved since `before` was listed (other test processes' too: none may
    hold the password either)."""
    return "\n".join(path.read_text(errors="replace") for path in sorted(error_files() - before))


UNREACHABLE = {
    "password in the URL": f"postgresql://helpline:{SECRET}@127.0.0.1:1/helpline",
    "postgres:// scheme": f"postgres://helpline:{SECRET}@127.0.0.1:1/helpline",
    "driver and options": f"postgresql+psycopg://helpline:{SECRET}@127.0.0.1:1/helpline?sslmode=disable",
    "no user name": f"postgresql://:{SECRET}@127.0.0.1:1/helpline",
    "password as a query parameter": f"postgresql://helpline@127.0.0.1:1/helpline?password={SECRET}",
    "percent-encoded password": f"postgresql://helpline:{SECRET}%40x@127.0.0.1:1/helpline",
    "a scheme that is not postgres": f"mysql://helpline:{SECRET}@127.0.0.1:1/helpline",
    "a port that is not a number": f"postgresql://helpline:{SECRET}@127.0.0.1:port/helpline",
}
COMMANDS = [
    ["status"],
    ["db", "upgrade"],
    ["submissions", "list"],
    ["report", "--period", "2018-H1"],
    ["ingest-inbox"],
]


@pytest.mark.parametrize(
    "url",
    list(UNREACHABLE.values()),
    ids=list(UNREACHABLE),
)
def test_a_password_in_an_unreachable_url_is_never_shown(
    url: str,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    cases: CaseLog,
) -> None:
    caplog.set_level(logging.DEBUG)
    cli_environment(partner_settings, monkeypatch)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", url)
    a_file = write_xlsx(tmp_path / "f.xlsx", records("A", dt.date(2018, 1, 1), "Lancs", 5))
    before = error_files()
    for command in [*COMMANDS, ["ingest", "--partner", "t-records", str(a_file)]]:
        with cases.case():
            result = run_main(command, capsys)
            assert result.code == 1, (command, result)
            line = one_line(result.text)
            assert line.startswith("error: "), line
            assert_secret_free(result.text, log_text(caplog), errors_since(before))
    assert_secret_free(files_text(tmp_path))


@pytest.fixture
def login_url(database_url: str, engine: Engine) -> Iterator[str]:
    """A login role with the secret password, a member of helpline_app; dropped afterwards."""
    role = f"helpline_rel_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as admin:
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


def test_a_password_for_the_real_server_is_never_shown(
    login_url: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    cases: CaseLog,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = error_files()
    cli_environment(partner_settings, monkeypatch)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", login_url)
    partner_settings.recipients_file.write_text(RECIPIENTS)
    counts = write_counts_file(tmp_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    out = tmp_path / "report.xlsx"
    commands = [
        (["status"], 0),
        (["ingest", "--partner", "t-counts", str(counts)], 0),
        (["ingest", "--partner", "t-records", str(broken)], 1),
        (["report", "--period", "2018-H1", "--out", str(out)], 0),
        (["backfill", "--from", "2018-H1", "--to", "2018-H1"], 0),
        (["send", "--period", "2018-H1"], 0),  # no SMTP host, HELPLINE_MAIL_OUTBOX: .eml files
        (["submissions", "list"], 0),
        (["status"], 0),
    ]
    for command, code in commands:
        with cases.case():
            result = run_main(command, capsys)
            assert result.code == code, (command, result)
            assert "Traceback" not in result.text
            assert_secret_free(result.text, log_text(caplog))
            if command == ["status"]:
                assert "database: postgresql+psycopg://helpline_rel_" in result.out
                assert ":***@" in result.out
    with cases.case():
        assert out.is_file() and list((partner_settings.output_dir / "outbox").glob("*.eml"))
        assert_secret_free(files_text(tmp_path), ledger_text(engine), errors_since(before))


def test_status_with_the_password_as_a_query_parameter(
    login_url: str,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    query_url = sa.engine.make_url(login_url).set(password=None)
    query_url = query_url.update_query_dict({"password": SECRET})
    monkeypatch.setenv("HELPLINE_DATABASE_URL", query_url.render_as_string(False))
    with cases.case():
        result = run_main(["status"], capsys)
        assert result.code == 0, result
        assert ":***@" in result.out or "password=***" in result.out
        assert_secret_free(result.text, log_text(caplog))


# ---- SMTP -------------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    inbox = Inbox(password="the-right-one")
    options, cert = starttls_login(inbox, tmp_path)
    with serving(inbox, **options) as port:
        yield inbox, port, cert


def test_the_smtp_password_is_never_shown(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    smtp_server: tuple[Inbox, int, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    cases: CaseLog,
) -> None:
    caplog.set_level(logging.DEBUG)
    handler, port, cert = smtp_server
    before = error_files()
    load_report_data(engine, partner_settings, tmp_path)
    partner_settings.recipients_file.write_text(RECIPIENTS)
    smtp = partner_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_username": "helpline",
            "smtp_password": SecretStr(SECRET),
            "smtp_starttls": True,
        }
    )
    trusted = ssl.create_default_context(cafile=str(cert))
    lines: list[str] = []
    with cases.case():  # the server refuses the login: a permanent failure, password not echoed
        mailer = Mailer(smtp, ssl_context=trusted, first_delay=0.01, timeout=10)
        code = run_send(smtp, "2018-H1", False, lines.append, mailer=mailer)
        assert code == 1 and handler.messages == [], lines
        assert "refused the login" in lines[0], lines
    with cases.case():  # nothing listens: retried, then unavailable
        down = smtp.model_copy(update={"smtp_port": free_port()})
        mailer = Mailer(down, ssl_context=trusted, first_delay=0.01, timeout=5)
        code = run_send(down, "2018-H1", False, lines.append, mailer=mailer)
        assert code == 1, lines
    with cases.case():  # the CLI, whose system trust store does not know this certificate
        cli_environment(smtp, monkeypatch)
        monkeypatch.setenv("HELPLINE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HELPLINE_SMTP_PORT", str(port))
        monkeypatch.setenv("HELPLINE_SMTP_USERNAME", "helpline")
        monkeypatch.setenv("HELPLINE_SMTP_PASSWORD", SECRET)
        result = run_main(["send", "--period", "2018-H1"], capsys)
        assert result.code == 1, result
        assert "Traceback" not in result.text
        lines.append(result.text)
    with cases.case():
        assert_secret_free(*lines, log_text(caplog), ledger_text(engine), errors_since(before))
        assert_secret_free(files_text(tmp_path / "output"))

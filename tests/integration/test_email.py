"""`send` against a real SMTP server on loopback (aiosmtpd), the delivery ledger and the outbox."""

from __future__ import annotations

import io
import logging
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from flows.commands import ingest_files, run_send
from flows.core.database import run_query
from flows.core.errors import ConfigurationError
from flows.core.periods import Period
from flows.core.settings import Settings
from flows.delivery.mail import Mailer
from flows.delivery.recipients import load_recipients
from flows.delivery.sending import edition_delivery, send_period
from flows.demo import write_demo_files
from flows.report.backfill import build_period_range
from tests.conftest import DATA_TABLES, REPO
from tests.support.cli_run import helpline_in_process
from tests.support.loopback import Inbox, free_port, serving, starttls_login

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PASSWORD = "s3cr3t-Pa55"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECIPIENTS = """
[[recipient]]
email = "analysis@example.org"
name = "National analysis team"
scope = "national"

[[recipient]]
email = "north-west@example.org"
name = "North West partnership"
scope = "region:North West"

[[recipient]]
email = "lancs@example.org"
name = "Lancashire insight team"
scope = "force:E23000003"
"""


@pytest.fixture(scope="module")
def demo_engine(migrated_engine: Engine, database_url: str, tmp_path_factory: Any) -> Engine:
    """Demo partner files loaded once for this module (the `engine` fixture would empty them)."""
    folder = tmp_path_factory.mktemp("demo")
    with migrated_engine.begin() as connection:
        tables = ", ".join(f"helpline.{t}" for t in (*DATA_TABLES, "deliveries"))
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    settings = Settings(
        database_url=database_url,
        partners_dir=REPO / "deploy" / "partners",
        output_dir=folder / "output",
        inbox_dir=folder / "inbox",
        state_dir=folder / "state",
        _env_file=None,
    )
    for demo in write_demo_files(folder / "files"):
        outcomes = ingest_files(migrated_engine, settings, demo.partner_id, [demo.path], print)
        assert all(outcome.ok for outcome in outcomes)
    return migrated_engine


@pytest.fixture
def ledger(demo_engine: Engine) -> Engine:
    with demo_engine.begin() as connection:
        connection.execute(sa.text("TRUNCATE helpline.deliveries RESTART IDENTITY"))
    return demo_engine


@pytest.fixture
def mail_settings(settings: Settings, ledger: Engine) -> Settings:
    settings.recipients_file.write_text(RECIPIENTS, encoding="utf-8")
    return settings.model_copy(update={"smtp_starttls": False, "mail_from": "reports@example.org"})


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest) -> Iterator[tuple[Inbox, int]]:
    options: dict[str, Any] = dict(getattr(request, "param", {}))
    inbox = Inbox(options.pop("refuse_first", 0), PASSWORD)
    if options.pop("auth", False):
        options.update(authenticator=inbox.authenticate, auth_required=True)
    with serving(inbox, **options) as port:
        yield inbox, port


def quick(settings: Settings, port: int, **changes: Any) -> Mailer:
    """A mailer for the test server: short timeout, tiny retry delays."""
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    return Mailer(smtp, first_delay=0.01, timeout=10, **changes)


def send(
    settings: Settings, mailer: Mailer | None = None, force: bool = False
) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = run_send(
        mailer.settings if mailer else settings, "2018-H1", force, lines.append, mailer=mailer
    )
    return code, lines


def attachment(message: EmailMessage) -> EmailMessage:
    (part,) = list(message.iter_attachments())
    assert isinstance(part, EmailMessage)
    return part


def table_rows(content: bytes, name: str) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content))[name]
    return [[cell.value for cell in row] for row in sheet[sheet.tables[name].ref]][1:]


def ledger_rows(engine: Engine) -> list[tuple[str, str, str, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT recipient_email, scope, status, forced FROM helpline.deliveries ORDER BY id"
            )
        )
        return [tuple(row) for row in rows]


def test_each_recipient_gets_their_scope_once(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    inbox, port = smtp_server
    code, lines = send(mail_settings, quick(mail_settings, port))
    assert code == 0, lines
    assert lines == [
        "analysis@example.org (national): sent",
        "north-west@example.org (region:North West): sent",
        "lancs@example.org (force:E23000003): sent",
        "2018-H1: 3 sent",
    ]
    received = {rcpt[0]: message for rcpt, message in inbox.messages}
    assert sorted(received) == [
        "analysis@example.org",
        "lancs@example.org",
        "north-west@example.org",
    ]
    for message in received.values():
        assert attachment(message).get_content_type() == XLSX
        assert message["From"].addresses[0].addr_spec == "reports@example.org"
    lancs = table_rows(attachment(received["lancs@example.org"]).get_content(), "force_areas")
    assert [row[:2] for row in lancs] == [["E23000003", "Lancashire"]]
    north_west = table_rows(
        attachment(received["north-west@example.org"]).get_content(), "force_areas"
    )
    assert {row[2] for row in north_west} == {"North West"} and len(north_west) == 5
    assert (
        len(table_rows(attachment(received["analysis@example.org"]).get_content(), "force_areas"))
        == 43
    )
    national = received["analysis@example.org"]
    body = national.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "North West: 1,747 contacts in Jul to Dec 2017, 3,549 in Jan to Jun 2018" in body
    # Every figure the email quotes is one the workbook publishes, [c] and all.
    for region, previous, current, _, change in table_rows(
        attachment(national).get_content(), "regions"
    ):
        counts = [f"{v:,}" if isinstance(v, int) else str(v) for v in (previous, current)]
        # openpyxl reads a whole-number percentage such as 23.0 back as the int 23
        pct = f"{change:+.1f}%" if isinstance(change, int | float) else str(change)
        line = f"{region}: {counts[0]} contacts in Jul to Dec 2017, {counts[1]} in Jan to Jun 2018"
        assert f"{line} (change {pct})" in body
    # A force area's workbook has no regions table: its email quotes no figures at all.
    lancs_body = received["lancs@example.org"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    quoted = lancs_body.split("covering Lancashire.")[1].split("Counts from")[0]
    assert "workbook's tables" in quoted and not any(ch.isdigit() for ch in quoted)

    code, again = send(mail_settings, quick(mail_settings, port))
    assert code == 0 and len(inbox.messages) == 3, again
    assert (
        all(" already sent on " in line for line in again[:3])
        and again[3] == "2018-H1: 3 already sent"
    )
    assert [row[2] for row in ledger_rows(ledger)] == ["sent"] * 3


def test_force_resends_and_is_recorded_as_forced(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    inbox, port = smtp_server
    send(mail_settings, quick(mail_settings, port))
    code, lines = send(mail_settings, quick(mail_settings, port), force=True)
    assert code == 0 and len(inbox.messages) == 6
    assert lines[0] == "analysis@example.org (national): sent again (--force)"
    assert [row[3] for row in ledger_rows(ledger)] == [False] * 3 + [True] * 3


@pytest.mark.parametrize("smtp_server", [{"refuse_first": 1}], indirect=True)
def test_a_421_refusal_is_retried_and_the_message_arrives(
    mail_settings: Settings, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    code, lines = send(mail_settings, quick(mail_settings, port))
    assert code == 0, lines
    assert inbox.attempts == 4 and len(inbox.messages) == 3  # one refusal, then each delivered


def test_a_server_that_is_down_fails_the_run_and_a_later_send_delivers(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    inbox, port = smtp_server
    code, lines = send(mail_settings, quick(mail_settings, free_port()))
    assert code == 1
    assert (
        "unavailable after 3 attempt(s): connection refused" in lines[0]
        and lines[0].split(": ")[1] == "failed"
    )
    assert [row[2] for row in ledger_rows(ledger)] == ["failed"] * 3
    code, lines = send(mail_settings, quick(mail_settings, port))
    assert code == 0 and len(inbox.messages) == 3, lines


def test_an_interrupted_send_is_not_repeated_without_force(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    inbox, port = smtp_server
    with ledger.begin() as connection:  # as if a run died after claiming, before settling
        run_query(
            connection,
            "claim_delivery",
            period="2018-H1",
            scope="national",
            recipient_email="analysis@example.org",
            workbook_sha256="0" * 64,
            forced=False,
            message_id="<lost@example.org>",
        )
    code, lines = send(mail_settings, quick(mail_settings, port))
    assert code == 1 and "did not finish; check whether it arrived" in lines[0]
    assert len(inbox.messages) == 2
    code, lines = send(mail_settings, quick(mail_settings, port), force=True)
    assert code == 0 and len(inbox.messages) == 5


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    inbox = Inbox(password=PASSWORD)
    options, cert = starttls_login(inbox, tmp_path)
    with serving(inbox, **options) as port:
        yield inbox, port, cert


def tls_settings(settings: Settings, password: str = PASSWORD) -> Settings:
    return settings.model_copy(
        update={
            "smtp_starttls": True,
            "smtp_username": "helpline",
            "smtp_password": SecretStr(password),
        }
    )


def test_starttls_and_login_with_a_trusted_certificate_never_show_the_password(
    mail_settings: Settings,
    tls_server: tuple[Inbox, int, Path],
    ledger: Engine,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    inbox, port, cert = tls_server
    trusted = ssl.create_default_context(cafile=str(cert))
    code, lines = send(mail_settings, quick(tls_settings(mail_settings), port, ssl_context=trusted))
    assert code == 0, lines
    assert len(inbox.messages) == 3 and inbox.logins == [b"helpline"] * 3
    captured = capsys.readouterr()
    with ledger.connect() as connection:
        details = " ".join(
            connection.execute(
                sa.text("SELECT coalesce(detail, '') FROM helpline.deliveries")
            ).scalars()
        )
    logs = [record.getMessage() for record in caplog.records]  # ours and the server's
    for text in (*lines, captured.out, captured.err, details, *logs, caplog.text):
        assert PASSWORD not in text


def test_a_wrong_password_is_a_permanent_failure_without_echoing_it(
    mail_settings: Settings, tls_server: tuple[Inbox, int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    inbox, port, cert = tls_server
    wrong = "Wr0ng-" + PASSWORD
    mailer = quick(
        tls_settings(mail_settings, wrong),
        port,
        ssl_context=ssl.create_default_context(cafile=str(cert)),
    )
    code, lines = send(mail_settings, mailer)
    assert code == 1 and inbox.messages == []
    assert "the mail server refused the login (535 5.7.8" in lines[0]
    assert all(wrong not in text for text in (*lines, caplog.text))


def test_an_untrusted_certificate_is_refused_without_retrying(
    mail_settings: Settings, tls_server: tuple[Inbox, int, Path]
) -> None:
    inbox, port, _ = tls_server
    waits: list[float] = []
    code, lines = send(mail_settings, quick(tls_settings(mail_settings), port, sleep=waits.append))
    assert code == 1 and inbox.messages == [] and waits == []
    assert (
        "TLS with the mail server failed" in lines[0]
        and "certificate verify failed" in lines[0]
        and PASSWORD not in " ".join(lines)
    )


def test_without_an_smtp_host_eml_files_are_written_and_block_no_real_send(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    settings = mail_settings.model_copy(
        update={"smtp_password": SecretStr(PASSWORD), "smtp_username": "helpline"}
    )
    code, lines = send(settings)
    assert code == 0 and all(": written to " in line for line in lines[:3]), lines
    files = sorted((settings.output_dir / "outbox").glob("*.eml"))
    assert len(files) == 3
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes()
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        part = attachment(parsed)
        assert part.get_content_type() == XLSX
        assert (part.get_filename() or "").startswith("helpline-contacts-2018-H1-")
    assert [row[2] for row in ledger_rows(ledger)] == ["outbox"] * 3
    inbox, port = smtp_server
    code, lines = send(mail_settings, quick(mail_settings, port))
    assert code == 0 and len(inbox.messages) == 3, lines


def test_backfill_send_mails_each_recipient_once(
    mail_settings: Settings, smtp_server: tuple[Inbox, int], ledger: Engine
) -> None:
    inbox, port = smtp_server
    mailer = quick(mail_settings, port)
    deliver = edition_delivery(ledger, mailer.settings, mailer=mailer)
    period = Period(2018, 1)
    (first,) = build_period_range(ledger, mailer.settings, period, period, deliver=deliver)
    (second,) = build_period_range(ledger, mailer.settings, period, period, deliver=deliver)
    assert first.state == "done" and first.detail.endswith("emailed: 3 sent")
    assert second.detail.endswith("emailed: 3 already sent")
    assert len(inbox.messages) == 3


def test_the_application_role_can_use_the_ledger(ledger: Engine) -> None:
    keys = {"period": "2018-H1", "scope": "national", "recipient_email": "a@example.org"}
    with ledger.begin() as connection:
        connection.execute(sa.text("SET LOCAL ROLE helpline_app"))
        claimed = run_query(
            connection,
            "claim_delivery",
            workbook_sha256="1" * 64,
            forced=False,
            message_id=None,
            **keys,
        ).scalar_one()
        again = run_query(
            connection,
            "claim_delivery",
            workbook_sha256="1" * 64,
            forced=False,
            message_id=None,
            **{**keys, "recipient_email": "A@Example.org"},
        ).first()
        run_query(connection, "finish_delivery", id=claimed, status="sent", detail="sent")
        assert again is None  # the same mailbox in other letter case is the same person
        assert run_query(connection, "find_delivery", **keys).one().status == "sent"


EXAMPLE_CONTACT = "HELPLINE_CONTACT_EMAIL is still the example address analysis@example.org"


EXAMPLE = {"HELPLINE_CONTACT_EMAIL": "analysis@example.org"}


def test_send_refuses_the_example_contact_address_in_one_line(
    mail_settings: Settings,
    ledger: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = helpline_in_process(
        ["send", "--period", "2018-H1"], mail_settings, monkeypatch, capsys, **EXAMPLE
    )
    assert result == (
        1,
        "",
        f"error: {EXAMPLE_CONTACT}; set it to the address recipients should write to, then send.\n",
    )
    assert ledger_rows(ledger) == []
    assert not (mail_settings.output_dir / "outbox").exists()


def test_backfill_send_refuses_the_example_contact_address_before_any_period(
    mail_settings: Settings,
    ledger: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["backfill", "--from", "2018-H1", "--to", "2018-H1", "--send"]
    code, out, err = helpline_in_process(args, mail_settings, monkeypatch, capsys, **EXAMPLE)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: {EXAMPLE_CONTACT}; set it to the address recipients should write to, then send."
    ]
    assert ledger_rows(ledger) == []
    assert not mail_settings.output_dir.exists() or not any(mail_settings.output_dir.iterdir())


def test_every_send_of_a_flow_refuses_the_example_contact_address(
    mail_settings: Settings, ledger: Engine
) -> None:
    """send_period is what the scheduled report and a backfill with send=true go through."""
    example = mail_settings.model_copy(update={"contact_email": "analysis@example.org"})
    recipients = load_recipients(example.recipients_file)
    with pytest.raises(ConfigurationError) as refused:
        send_period(ledger, example, Period.parse("2018-H1"), recipients, force=False)
    assert refused.value.message == (
        f"{EXAMPLE_CONTACT}; set it to the address recipients should write to, then send."
    )
    assert ledger_rows(ledger) == []


@pytest.mark.parametrize(
    ("contact", "warning"),
    [
        (
            "analysis@example.org",
            f"warning: {EXAMPLE_CONTACT}, which this workbook's Cover gives as the contact; set "
            "it before sending.\n",
        ),
        ("statistics@helpline.test", ""),
    ],
)
def test_report_warns_only_about_the_example_contact_address(
    contact: str,
    warning: str,
    mail_settings: Settings,
    ledger: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_file = mail_settings.output_dir / "look.xlsx"
    args = ["report", "--period", "2018-H1", "--out", str(out_file)]
    code, out, err = helpline_in_process(
        args, mail_settings, monkeypatch, capsys, HELPLINE_CONTACT_EMAIL=contact
    )
    assert (code, err) == (0, warning)
    assert out.startswith("2018-H1 (national): ")
    cover = load_workbook(out_file)["Cover"]
    texts = [cell.value for row in cover.iter_rows() for cell in row if cell.value]
    assert f"Contact: {contact}." in texts


def test_without_an_smtp_host_or_the_outbox_a_send_refuses_before_anything(
    mail_settings: Settings, ledger: Engine
) -> None:
    settings = mail_settings.model_copy(update={"mail_outbox": False})
    with pytest.raises(ConfigurationError) as refused:
        send(settings)
    assert refused.value.message == (
        "Cannot email: HELPLINE_SMTP_HOST is not set (set it, or set HELPLINE_MAIL_OUTBOX=true "
        "to write .eml files instead); nobody was emailed."
    )
    assert ledger_rows(ledger) == []
    assert not (settings.output_dir / "outbox").exists()
    assert not list(settings.output_dir.glob("*.xlsx"))  # no workbook built either

"""Recipients files, the message we build, error classification and the .eml outbox (no servers)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from flows.core.errors import ConfigurationError, DeliveryUnavailable, HelplineError
from flows.core.periods import Period
from flows.core.safe_text import one_line
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.delivery.mail import (
    XLSX_TYPE,
    Mailer,
    build_message,
    classify,
    describe,
    redact,
)
from flows.delivery.recipients import Recipient, load_recipients, parse_recipients
from flows.report.edition import Edition, HeadlineRow
from tests.support.loopback import free_port

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "s3cr3t-Pa55"
GOOD = """
[[recipient]]
email = "analysis@Example.ORG"
name = "National  analysis team"
scope = "national"

[[recipient]]
email = "lancs@example.org"
name = "Lancashire"
scope = "force:E23000003"
"""


def make_settings(tmp_path: Path, **changes: object) -> Settings:
    options: dict[str, object] = {"mail_outbox": True, **changes}
    return Settings(output_dir=tmp_path / "output", _env_file=None, **options)  # type: ignore[arg-type]


NATIONAL = Scope("national")


def make_edition(tmp_path: Path, scope: Scope = NATIONAL) -> Edition:
    path = tmp_path / f"helpline-contacts-2018-H1-{scope.slug}.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    headline = (
        HeadlineRow("North West", 1747, 3549, 103.1),
        HeadlineRow("Wales", "[c]", 812, "[c]"),
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Edition(Period(2018, 1), scope, path, digest, headline, ("A key point.",), 3)


def recipient(
    name: str = "National analysis team", email: str = "analysis@example.org"
) -> Recipient:
    return Recipient(email=email, name=name, scope=Scope("national"))


# --- the recipients file ---------------------------------------------------------------------


def test_recipients_are_parsed_and_normalised() -> None:
    first, second = parse_recipients(GOOD, Path("r.toml"))
    assert (first.email, first.name, first.scope) == (
        "analysis@example.org",
        "National analysis team",
        Scope("national"),
    )
    assert second.scope == Scope("force", "E23000003") and second.scope_label == "Lancashire"


def test_shipped_recipients_file_has_a_national_a_region_and_a_force_recipient() -> None:
    scopes = [str(r.scope) for r in load_recipients(REPO / "deploy" / "recipients.toml")]
    assert scopes == ["national", "region:North West", "force:E23000003"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('email = "a@example.org"\nscope = "national"', "recipient 2, key 'name' is missing"),
        (
            'email = "not-an-address"\nname = "X"\nscope = "national"',
            "recipient 2, key 'email': 'not-an-address' is not",
        ),
        ('email = "a@localhost"\nname = "X"\nscope = "national"', "recipient 2, key 'email'"),
        (
            'email = "a@example.org"\nname = "X"\nscope = "region:Atlantis"',
            "recipient 2, key 'scope': 'region:Atlantis' is not a scope",
        ),
        (
            'email = "a@example.org"\nname = "X"\nscope = "force:E23999999"',
            "recipient 2, key 'scope'",
        ),
        (
            'email = "a@example.org"\nname = "X"\nscope = 3',
            "recipient 2, key 'scope': must be text",
        ),
        (
            'email = "a@example.org"\nname = "X"\nscope = "national"\nphone = "1"',
            "recipient 2, key 'phone' is not known",
        ),
        (
            'email = "a@example.org"\nname = "Eve\\r\\nBcc: all@example.org"\nscope = "national"',
            "recipient 2, key 'name': contains a line break",
        ),
        (
            'email = "a@example.org\\nBcc: x@example.org"\nname = "X"\nscope = "national"',
            "recipient 2, key 'email': contains a line break",
        ),
        (
            'email = "analysis@example.org"\nname = "Again"\nscope = "national"',
            "recipient 2, key 'email': analysis@example.org is already listed",
        ),
    ],
)
def test_a_bad_recipient_names_the_file_the_recipient_and_the_key(
    entry: str, expected: str
) -> None:
    text = GOOD.split("[[recipient]]")[1]
    with pytest.raises(ConfigurationError) as raised:
        parse_recipients(f"[[recipient]]{text}\n[[recipient]]\n{entry}\n", Path("deploy/r.toml"))
    assert str(raised.value).startswith("deploy/r.toml: ")
    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "no recipients"),
        ("[[recipient]\n", "not valid TOML"),
        ("people = 1", "unexpected top-level key 'people'"),
    ],
)
def test_a_bad_recipients_file_is_one_clear_error(text: str, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        parse_recipients(text, Path("r.toml"))


def test_a_missing_recipients_file_says_which_setting_to_use(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HELPLINE_RECIPIENTS_FILE"):
        load_recipients(tmp_path / "nope.toml")


# --- the message -------------------------------------------------------------------------------


def test_message_names_the_period_and_published_figures_and_attaches_the_workbook(
    tmp_path: Path,
) -> None:
    edition = make_edition(tmp_path)
    message = build_message(make_settings(tmp_path), edition, recipient())
    assert (
        message["Subject"]
        == "Helpline contacts by police force area, January to June 2018: England and Wales"
    )
    assert message["To"] == "National analysis team <analysis@example.org>"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "January to June 2018 (2018-H1)" in body
        assert (
            "North West: 1,747 contacts in Jul to Dec 2017, 3,549 in Jan to Jun 2018 "
            "(change +103.1%)" in body
        )
        # A suppressed count stays [c]: the email never says more than the workbook.
        assert "Wales: [c] contacts in Jul to Dec 2017, 812 in Jan to Jun 2018 (change [c])" in body
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "/".join(XLSX_TYPE)
    assert attachments[0].get_filename() == edition.path.name
    assert attachments[0].get_content() == edition.path.read_bytes()


def test_a_force_area_message_without_a_headline_quotes_no_figures(tmp_path: Path) -> None:
    edition = make_edition(tmp_path, Scope("force", "E23000003"))
    edition = Edition(edition.period, edition.scope, edition.path, edition.sha256, (), (), 0)
    message = build_message(make_settings(tmp_path), edition, recipient())
    assert message["Subject"].endswith("January to June 2018: Lancashire")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    quoted = text.split("covering Lancashire.")[1].split("Counts from")[0]
    assert "workbook's tables" in quoted and not any(ch.isdigit() for ch in quoted)


def test_html_body_escapes_what_it_shows(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, organisation="Team <script>alert(1)</script>")
    message = build_message(settings, make_edition(tmp_path), recipient())
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_recipient_name_with_a_line_break_is_refused_not_sent(tmp_path: Path) -> None:
    forged = Recipient.model_construct(
        email="analysis@example.org", name="Eve\r\nBcc: all@example.org", scope=Scope("national")
    )
    with pytest.raises(HelplineError, match="refusing to email") as raised:
        build_message(make_settings(tmp_path), make_edition(tmp_path), forged)
    assert "\n" not in str(raised.value)


def test_a_subject_with_a_line_break_is_folded_to_one_line(tmp_path: Path) -> None:
    edition = make_edition(tmp_path, Scope("region", "North West\r\nBcc: all@example.org"))
    message = build_message(make_settings(tmp_path), edition, recipient())
    assert message["Subject"].endswith(": North West Bcc: all@example.org")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and len(parsed.get_all("To") or []) == 1
    assert one_line("a\r\n b\tc") == "a b c"


def test_a_mail_from_with_a_line_break_is_a_configuration_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, mail_from="me@example.org\r\nBcc: x@example.org")
    with pytest.raises(ConfigurationError, match="HELPLINE_MAIL_FROM"):
        build_message(settings, make_edition(tmp_path), recipient())


# --- sending -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPDataError(421, b"try later"), True),
        (smtplib.SMTPSenderRefused(451, b"greylisted", "a@example.org"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (ssl.SSLCertVerificationError("certificate verify failed"), False),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), False),
    ],
)
def test_errors_are_classified_transient_or_permanent(
    error: BaseException, transient: bool
) -> None:
    assert classify(error) is transient
    assert "\n" not in describe(error)


def test_redact_hides_the_password() -> None:
    assert redact(f"535 bad password {PASSWORD}", PASSWORD) == "535 bad password ***"
    assert redact("nothing secret", None) == "nothing secret"


def test_a_refused_connection_is_retried_with_backoff_then_unavailable(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_username="u",
        smtp_password=PASSWORD,
    )
    waits: list[float] = []
    mailer = Mailer(settings, attempts=3, first_delay=0.5, timeout=2, sleep=waits.append)
    message = build_message(settings, make_edition(tmp_path), recipient())
    with pytest.raises(DeliveryUnavailable) as raised:
        mailer.send(message)
    assert waits == [0.5, 1.0]
    assert "after 3 attempt(s)" in str(raised.value) and PASSWORD not in str(raised.value)


def test_login_without_starttls_is_refused_before_connecting(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_username="u",
        smtp_password=PASSWORD,
        smtp_starttls=False,
    )
    mailer = Mailer(settings, sleep=lambda _: None)
    with pytest.raises(HelplineError, match="unencrypted") as raised:
        mailer.send(build_message(settings, make_edition(tmp_path), recipient()))
    assert not isinstance(raised.value, DeliveryUnavailable)


def test_without_an_smtp_host_the_message_is_an_eml_file(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    edition = make_edition(tmp_path)
    outcome = Mailer(settings).send(
        build_message(settings, edition, recipient()), "2018-H1-national-a@example.org"
    )
    files = list((tmp_path / "output" / "outbox").glob("*.eml"))
    assert len(files) == 1 and str(files[0]) in outcome
    assert files[0].name.startswith("2018-H1-national-a_example.org-")
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    (attachment,) = parsed.iter_attachments()
    assert (
        attachment.get_content_type()
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert attachment.get_filename() == "helpline-contacts-2018-H1-national.xlsx"
    assert attachment.get_content() == edition.path.read_bytes()

"""Emailing a workbook: the message, then SMTP (STARTTLS, login, retries) or an .eml outbox."""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from flows.core.errors import ConfigurationError, DeliveryUnavailable, HelplineError
from flows.core.safe_text import one_line
from flows.core.settings import Settings
from flows.delivery.recipients import Recipient, check_display_name, check_email

if TYPE_CHECKING:  # types only: sending mail should not import the whole report builder
    from flows.report.edition import Edition

log = logging.getLogger(__name__)

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def subject_for(edition: Edition) -> str:
    return one_line(
        f"Helpline contacts by police force area, {edition.period.long_label}: "
        f"{edition.scope.label}"
    )


def body_lines(edition: Edition, recipient: Recipient) -> tuple[str, list[str]]:
    """The greeting and one line per headline row, all from the published (suppressed) table."""
    period = edition.period
    intro = (
        f"Dear {recipient.name}, attached is the helpline contacts workbook for "
        f"{period.long_label} ({period}), compared with {period.previous().long_label}, "
        f"covering {one_line(edition.scope.label)}."
    )
    rows = []
    for headline in edition.headline:
        region, previous, current, change = headline.shown()
        rows.append(
            f"{region}: {previous} contacts in {period.previous().label}, {current} in "
            f"{period.label} (change {change})"
        )
    return intro, rows


def sender_address(settings: Settings) -> str:
    try:
        return check_email(settings.mail_from, local_domain=True)
    except ValueError as error:
        raise ConfigurationError(f"HELPLINE_MAIL_FROM: {error}; give one address.") from None


def recipient_address(recipient: Recipient) -> Address:
    """Re-checked here, not only when the file is read: a Recipient can be built in code too."""
    try:
        return Address(
            display_name=check_display_name(recipient.name),
            addr_spec=check_email(recipient.email),
        )
    except ValueError as error:
        # A line break here could add headers (e.g. Bcc:) to the message: refuse, do not clean.
        raise HelplineError(f"refusing to email {recipient.email!r}: {error}.") from None


def build_message(settings: Settings, edition: Edition, recipient: Recipient) -> EmailMessage:
    """One recipient's message with the workbook attached; headers are checked for injection."""
    sender = sender_address(settings)
    message = EmailMessage()
    message["Subject"] = subject_for(edition)
    message["From"] = Address(display_name=one_line(settings.organisation), addr_spec=sender)
    message["To"] = recipient_address(recipient)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("helpline", domain=sender.rpartition("@")[2] or None)
    intro, rows = body_lines(edition, recipient)
    notes = (
        f"Counts from 1 to {settings.suppression_threshold - 1} and figures that would reveal "
        "them are shown as [c]; the Notes sheet explains every symbol. The Cover sheet has the "
        "key points."
    )
    if not rows:  # a force area's workbook has no regions table, so no headline to quote
        rows = ["The figures are in the workbook's tables, starting with force_areas."]
    text = [intro, "", *rows, "", notes, "", settings.organisation]
    message.set_content("\n".join(text) + "\n")
    items = "".join(f"<li>{html.escape(row)}</li>" for row in rows)
    message.add_alternative(
        f"<html><body><p>{html.escape(intro)}</p><ul>{items}</ul>"
        f"<p>{html.escape(notes)}</p><p>{html.escape(settings.organisation)}</p>"
        "</body></html>\n",
        subtype="html",
    )
    try:
        workbook = Path(edition.path).read_bytes()
    except OSError as error:
        raise HelplineError(f"cannot read the workbook {edition.path}: {error.strerror}") from None
    message.add_attachment(
        workbook,
        maintype=XLSX_TYPE[0],
        subtype=XLSX_TYPE[1],
        filename=one_line(Path(edition.path).name),
    )
    return message


def redact(text: str, secret: str | None) -> str:
    """The text with the password (if any) replaced, for errors and logs."""
    return text.replace(secret, "***") if secret else text


def classify(error: BaseException) -> bool:
    """True when trying again later may work (4xx replies, timeouts, refused connections)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, ssl.SSLError | ssl.CertificateError | smtplib.SMTPNotSupportedError):
        return False  # a certificate or TLS problem is configuration, not bad luck
    return isinstance(error, smtplib.SMTPServerDisconnected | TimeoutError | OSError)


@dataclass(frozen=True)
class Mailer:
    """How messages leave: SMTP when a host is configured, else .eml files in the outbox when
    HELPLINE_MAIL_OUTBOX chooses it; with neither, check() refuses before anything is built."""

    settings: Settings
    ssl_context: ssl.SSLContext | None = None  # None: the system's trusted certificates
    attempts: int = 3
    first_delay: float = 2.0  # seconds; doubled after each transient failure
    timeout: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @property
    def uses_outbox(self) -> bool:
        return not self.settings.smtp_host and self.settings.mail_outbox

    def check(self) -> None:
        """Refuse at once when no message could leave: a run that sent nothing must fail."""
        if not self.settings.smtp_host and not self.settings.mail_outbox:
            raise ConfigurationError(
                "Cannot email: HELPLINE_SMTP_HOST is not set (set it, or set "
                "HELPLINE_MAIL_OUTBOX=true to write .eml files instead); nobody was emailed."
            )

    @property
    def outbox(self) -> Path:
        return self.settings.output_dir / "outbox"

    def send(self, message: EmailMessage, label: str = "message") -> str:
        """Deliver the message; returns where it went. DeliveryUnavailable means try later.

        label names the .eml file in outbox mode, e.g. 2018-H1-national-analysis@example.org.
        """
        self.check()
        if self.uses_outbox:
            return f"written to {self.write_eml(message, label)} (HELPLINE_MAIL_OUTBOX)"
        password = self._password()
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                self._send_once(message, password)
                return "sent"
            except (smtplib.SMTPException, OSError) as error:
                reason = redact(describe(error), password)
                if not classify(error):
                    raise HelplineError(permanent_failure(error, reason)) from None
                if attempt == self.attempts:
                    raise DeliveryUnavailable(
                        f"mail server {self.settings.smtp_host} unavailable after {attempt} "
                        f"attempt(s): {reason}"
                    ) from None
                log.warning("attempt %d to send failed (%s); retrying", attempt, reason)
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _password(self) -> str | None:
        secret = self.settings.smtp_password
        return secret.get_secret_value() if secret is not None else None

    def _send_once(self, message: EmailMessage, password: str | None) -> None:
        settings = self.settings
        host = settings.smtp_host or ""
        if settings.smtp_username and not settings.smtp_starttls:
            raise HelplineError(
                "HELPLINE_SMTP_USERNAME is set but HELPLINE_SMTP_STARTTLS is off: refusing to "
                "send the password unencrypted; turn STARTTLS on."
            )
        smtp = smtplib.SMTP(host, settings.smtp_port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, password or "")
            smtp.send_message(message)
        finally:
            # Once DATA is accepted the message is sent; a failed goodbye must not cause a resend.
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def write_eml(self, message: EmailMessage, label: str) -> Path:
        """Write the message as an .eml file, atomically so no half-written file is seen."""
        # The Message-ID's unique part keeps a forced resend from overwriting the first file.
        token = str(message["Message-ID"]).strip("<>").partition("@")[0]
        path = self.outbox / f"{_UNSAFE_FILE_CHARS.sub('_', label)}-{token}.eml"
        partial = path.with_suffix(".eml.part")
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as handle:
                BytesGenerator(handle, policy=SMTP_POLICY).flatten(message)
            partial.replace(path)
        except OSError as error:
            raise HelplineError(f"cannot write {path}: {error.strerror or error}") from None
        return path


def permanent_failure(error: BaseException, reason: str) -> str:
    """What went wrong for good, and which setting to look at."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"the mail server refused the login ({reason}); check HELPLINE_SMTP_USERNAME and "
            "HELPLINE_SMTP_PASSWORD"
        )
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return f"TLS with the mail server failed ({reason}); is its certificate trusted here?"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            f"the mail server does not support what was asked ({reason}); STARTTLS is on "
            "(HELPLINE_SMTP_STARTTLS) and needs a server that offers it"
        )
    return f"the mail server refused the message: {reason}"


def describe(error: BaseException) -> str:
    """A one-line reason for a mail error, with the server's reply decoded."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, refusal = next(iter(error.recipients.values()), (0, b""))
        return one_line(f"recipient refused ({code} {_text(refusal)})")
    if isinstance(error, smtplib.SMTPResponseException):
        return one_line(f"{error.smtp_code} {_text(error.smtp_error)}")
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return one_line(str(error)) or type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply

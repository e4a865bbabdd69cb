"""Sending each recipient the workbook of their scope, once, by the delivery ledger: the use
case behind `send`, `backfill --send` and the scheduled report's send."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from flows.core.database import run_query, translate_database_errors
from flows.core.errors import DeliveryUnavailable, HelplineError, NoDataForPeriod
from flows.core.periods import LONDON, Period
from flows.core.scope import Scope
from flows.core.settings import Settings, refuse_example_contact
from flows.delivery.mail import Mailer, build_message
from flows.delivery.recipients import Recipient, group_by_scope, load_recipients
from flows.report.edition import Edition, build_edition

log = logging.getLogger(__name__)
Say = Callable[[str], object]


@dataclass(frozen=True)
class DeliveryResult:
    email: str
    scope: Scope
    state: str  # sent, written (outbox), already sent, or failed
    detail: str
    transient: bool = False  # failed only because the mail server was unavailable: retry later

    @property
    def ok(self) -> bool:
        return self.state != "failed"

    def line(self) -> str:
        return f"{self.email} ({self.scope}): {self.detail}"


def _ledger_keys(edition: Edition, recipient: Recipient) -> dict[str, str]:
    return {
        "period": str(edition.period),
        "scope": str(edition.scope),
        "recipient_email": recipient.key,
    }


def _already(row: Any, edition: Edition, recipient: Recipient) -> DeliveryResult:
    when = f"{row.attempted_at.astimezone(LONDON):%Y-%m-%d %H:%M}"
    if row.status == "sending":
        # The earlier run stopped between claiming and settling: the message may have gone.
        return DeliveryResult(
            recipient.email,
            edition.scope,
            "failed",
            f"failed: a send started on {when} did not finish; check whether it arrived, then "
            "use --force to send it again",
        )
    detail = f"already sent on {when}"
    if row.workbook_sha256 != edition.sha256:
        detail += " (the workbook has changed since; use --force to send the new one)"
    return DeliveryResult(recipient.email, edition.scope, "already sent", detail)


def _find_previous(engine: Engine, keys: Mapping[str, str]) -> Any:
    with translate_database_errors("reading the delivery ledger"), engine.connect() as connection:
        return run_query(connection, "find_delivery", **keys).first()


def _settle(engine: Engine, delivery_id: int, status: str, detail: str) -> None:
    with translate_database_errors("updating the delivery ledger"), engine.begin() as connection:
        run_query(connection, "finish_delivery", id=delivery_id, status=status, detail=detail)


def deliver_to(
    engine: Engine, mailer: Mailer, edition: Edition, recipient: Recipient, force: bool
) -> DeliveryResult:
    """Email one recipient unless the ledger says they already have this period's workbook."""
    keys = _ledger_keys(edition, recipient)
    previous = _find_previous(engine, keys)
    if previous is not None and not force:
        return _already(previous, edition, recipient)
    message = build_message(mailer.settings, edition, recipient)
    row = {**keys, "workbook_sha256": edition.sha256, "message_id": str(message["Message-ID"])}
    label = f"{edition.period}-{edition.scope.slug}-{recipient.email}"
    if mailer.uses_outbox:
        where = mailer.send(message, label)
        with translate_database_errors("recording the delivery"), engine.begin() as connection:
            run_query(connection, "record_outbox_delivery", forced=force, detail=where, **row)
        return DeliveryResult(recipient.email, edition.scope, "written", where)
    # Only a resend is marked forced: a first send stays under the once-only index even with
    # --force, so a plain run racing a forced one still cannot mail the person twice.
    forced = previous is not None
    with translate_database_errors("claiming the delivery"), engine.begin() as connection:
        claimed = run_query(connection, "claim_delivery", forced=forced, **row).first()
    if claimed is None:  # another run claimed it between our look and our claim
        winner = _find_previous(engine, keys)
        if winner is not None:
            return _already(winner, edition, recipient)
        raise HelplineError("another run is sending to this recipient; try again shortly")
    try:
        outcome = mailer.send(message, label)
    except HelplineError as error:
        _settle(engine, claimed.id, "failed", error.message)
        return DeliveryResult(
            recipient.email,
            edition.scope,
            "failed",
            f"failed: {error.message}",
            transient=isinstance(error, DeliveryUnavailable),
        )
    try:
        _settle(engine, claimed.id, "sent", outcome)
    except HelplineError as error:
        # The mail went; the ledger still holds the claim, which blocks a resend: say both.
        return DeliveryResult(
            recipient.email,
            edition.scope,
            "sent",
            f"sent, but the ledger could not be updated ({error.message})",
        )
    log.info("emailed %s the %s workbook for %s", recipient.email, edition.scope, edition.period)
    detail = "sent again (--force)" if forced else "sent"
    return DeliveryResult(recipient.email, edition.scope, "sent", detail)


def deliver_edition(
    engine: Engine,
    settings: Settings,
    edition: Edition,
    recipients: list[Recipient],
    force: bool,
    *,
    mailer: Mailer | None = None,
) -> list[DeliveryResult]:
    """Email this edition to each recipient (all must have its scope); one result each."""
    wrong = [r.email for r in recipients if r.scope != edition.scope]
    if wrong:
        # A scoped recipient must never receive rows outside their scope.
        raise HelplineError(
            f"The {edition.scope} workbook cannot go to {', '.join(wrong)}: their scope differs."
        )
    chosen = mailer or Mailer(settings)
    results = []
    for recipient in recipients:
        try:
            result = deliver_to(engine, chosen, edition, recipient, force)
        except HelplineError as error:
            result = DeliveryResult(
                recipient.email, edition.scope, "failed", f"failed: {error.message}"
            )
        results.append(result)
    return results


def ready_mailer(settings: Settings, mailer: Mailer | None = None) -> Mailer:
    """The mailer for a send that may go: one line, before any work, while the Cover's contact
    is still the example address or while no message could leave (no SMTP host, no outbox)."""
    refuse_example_contact(settings)
    chosen = mailer or Mailer(settings)
    chosen.check()
    return chosen


def send_period(
    engine: Engine,
    settings: Settings,
    period: Period,
    recipients: list[Recipient],
    force: bool,
    *,
    mailer: Mailer | None = None,
    built: Mapping[Scope, Edition] | None = None,
    on_result: Callable[[DeliveryResult], object] | None = None,
) -> list[DeliveryResult]:
    """Build each distinct scope's workbook once (or reuse one in built) and deliver it."""
    chosen = ready_mailer(settings, mailer)  # every send, by hand or scheduled, comes here
    results: list[DeliveryResult] = []
    for scope, group in group_by_scope(recipients).items():
        try:
            edition = (built or {}).get(scope) or build_edition(engine, settings, period, scope)
        except NoDataForPeriod:
            raise  # nobody can be sent anything: one clear error rather than a line per person
        except HelplineError as error:
            reason = f"failed: the workbook could not be built: {error.message}"
            scoped = [DeliveryResult(r.email, scope, "failed", reason) for r in group]
        else:
            scoped = deliver_edition(engine, settings, edition, group, force, mailer=chosen)
        for result in scoped:
            if on_result is not None:
                on_result(result)
        results.extend(scoped)
    return results


_STATES = ("sent", "written", "already sent", "failed")


def summary(results: list[DeliveryResult]) -> str:
    """E.g. '2 sent, 1 already sent'."""
    counts = {state: sum(r.state == state for r in results) for state in _STATES}
    return ", ".join(f"{count} {state}" for state, count in counts.items() if count) or "nobody"


def edition_delivery(
    engine: Engine, settings: Settings, *, mailer: Mailer | None = None
) -> Callable[[Edition], str]:
    """Deliver each built edition to its scope's recipients; never resends (no --force).

    Used by `backfill --send` and the flows; a failure raises, naming who missed out.
    """
    ready_mailer(settings, mailer)  # before any workbook is built
    recipients = load_recipients(settings.recipients_file)

    def deliver(edition: Edition) -> str:
        results = send_period(
            engine,
            settings,
            edition.period,
            recipients,
            force=False,
            mailer=mailer,
            built={edition.scope: edition},
        )
        failed = [result for result in results if not result.ok]
        if failed:
            # When only the mail server was down, say so, so that flows may retry.
            error = DeliveryUnavailable if all(r.transient for r in failed) else HelplineError
            raise error(f"emailing: {summary(results)}: " + "; ".join(r.line() for r in failed))
        return f"emailed: {summary(results)}"

    return deliver

"""Who receives which workbook: deploy/recipients.toml (or HELPLINE_RECIPIENTS_FILE), validated."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from flows.core.errors import ConfigurationError, HelplineError
from flows.core.safe_text import has_unsafe_text
from flows.core.scope import Scope

# Deliberately stricter than RFC 5322: no quoted local parts, comments or IP-literal domains,
# so that what we accept is also safe to put in a header and to match case-insensitively.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
# The sender may be a local mailbox such as helpline-reporting@localhost (the default).
_LOCAL_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*")
MAX_NAME_LENGTH = 200


def check_email(value: str, *, local_domain: bool = False) -> str:
    """The address with its domain lower-cased, or ValueError saying why it is refused."""
    if has_unsafe_text(value):
        raise ValueError("contains a line break or control character")
    address = value.strip()
    pattern = _LOCAL_EMAIL if local_domain else _EMAIL
    if len(address) > 254 or pattern.fullmatch(address) is None:
        raise ValueError(f"{address!r} is not an email address such as analysis@example.org")
    local, _, domain = address.rpartition("@")
    if len(local) > 64:
        raise ValueError(f"{address!r} has a part before the @ longer than 64 characters")
    return f"{local}@{domain.lower()}"


def check_display_name(value: str) -> str:
    if has_unsafe_text(value):
        raise ValueError("contains a line break or control character")
    name = " ".join(value.split())
    if not name:
        raise ValueError("is empty; give the recipient's or team's name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"is longer than {MAX_NAME_LENGTH} characters")
    return name


def _parse_scope(value: object) -> Scope:
    if isinstance(value, Scope):
        return Scope.parse(str(value))  # re-checked: a hand-made Scope could name no real area
    if not isinstance(value, str):
        raise ValueError("must be text: national, region:NAME or force:NAME")
    try:
        return Scope.parse(value)
    except HelplineError as error:
        # pydantic reports ValueErrors with the key they belong to; keep the helpful text.
        raise ValueError(error.message) from None


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str
    name: str
    scope: Annotated[Scope, BeforeValidator(_parse_scope)]

    @field_validator("email", mode="after")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("name", mode="after")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_display_name(value)

    @property
    def key(self) -> str:
        """What the delivery ledger matches on: mailboxes do not differ by letter case in use."""
        return self.email.lower()

    @property
    def scope_label(self) -> str:
        """The scope in words, e.g. 'Lancashire' for force:E23000003."""
        return self.scope.label


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "?"
    kind = first["type"]
    if kind == "missing":
        return f"key {key!r} is missing (each recipient needs email, name and scope)"
    if kind == "extra_forbidden":
        return f"key {key!r} is not known (use only email, name and scope)"
    message = str(first["msg"]).removeprefix("Value error, ").rstrip(".")
    return f"key {key!r}: {message}"


def parse_recipients(source: str, path: Path) -> list[Recipient]:
    """Recipients from TOML text; every problem names the file, recipient number and key."""
    try:
        document: dict[str, Any] = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML ({error}).") from None
    unknown = sorted(set(document) - {"recipient"})
    if unknown:
        raise ConfigurationError(
            f"{path}: unexpected top-level key {unknown[0]!r}; list people as [[recipient]] tables."
        )
    entries = document.get("recipient", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(
            f"{path}: no recipients; add at least one [[recipient]] table with email, name "
            "and scope."
        )
    recipients: list[Recipient] = []
    seen: dict[tuple[str, Scope], int] = {}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{path}: recipient {index} is not a [[recipient]] table.")
        try:
            recipient = Recipient.model_validate(entry)
        except ValidationError as error:
            raise ConfigurationError(f"{path}: recipient {index}, {_describe(error)}.") from None
        first = seen.setdefault((recipient.key, recipient.scope), index)
        if first != index:
            raise ConfigurationError(
                f"{path}: recipient {index}, key 'email': {recipient.email} is already listed "
                f"with scope {recipient.scope} as recipient {first}; remove one."
            )
        recipients.append(recipient)
    return recipients


def load_recipients(path: Path) -> list[Recipient]:
    """The recipients file named by HELPLINE_RECIPIENTS_FILE (default deploy/recipients.toml)."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path}: no recipients file; create it or set HELPLINE_RECIPIENTS_FILE."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{path}: cannot read the recipients file ({error}).") from None
    return parse_recipients(source, path)


def group_by_scope(recipients: list[Recipient]) -> dict[Scope, list[Recipient]]:
    """Recipients per scope, scopes in order of first appearance, so one build serves many."""
    groups: dict[Scope, list[Recipient]] = {}
    for recipient in recipients:
        groups.setdefault(recipient.scope, []).append(recipient)
    return groups

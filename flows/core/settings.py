"""The one settings class: every knob comes from HELPLINE_* environment variables or .env."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.core.errors import ConfigurationError

# The default contact address: a placeholder, so that nothing is mailed out naming it.
EXAMPLE_CONTACT_EMAIL = "analysis@example.org"
_STILL_THE_EXAMPLE = f"HELPLINE_CONTACT_EMAIL is still the example address {EXAMPLE_CONTACT_EMAIL}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HELPLINE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: SecretStr | None = Field(
        default=None, description="postgresql://user@host:port/db; unset: embedded Postgres"
    )
    state_dir: Path = Path(".helpline")
    partners_dir: Path = Path("deploy/partners")
    inbox_dir: Path = Path("inbox")
    output_dir: Path = Path("output")
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    # With no SMTP host, write each message as an .eml file under OUTPUT_DIR/outbox instead of
    # failing; only a demo or a test should choose this: nobody receives those files.
    mail_outbox: bool = False
    mail_from: str = "helpline-reporting@localhost"
    recipients_file: Path = Path("deploy/recipients.toml")
    suppression_threshold: int = Field(default=5, ge=2)
    max_uncompressed_mb: int = Field(default=512, ge=1, le=16_384)
    # The child process that reads each partner file: above what a 1M-row file needs, and
    # below what would let one hostile file take a server's memory or a day.
    read_memory_mb: int = Field(default=2048, ge=256, le=65_536)
    read_cpu_seconds: int = Field(default=120, ge=1, le=86_400)
    read_wall_seconds: float = Field(default=600, gt=0, le=86_400, allow_inf_nan=False)
    organisation: str = "Helpline Network Analysis Team"
    contact_email: str = EXAMPLE_CONTACT_EMAIL
    # The Prefect flows' first retry delay in seconds, doubled for each later retry.
    retry_backoff_seconds: float = Field(default=5.0, ge=0, le=3600, allow_inf_nan=False)

    # Operations (`make deploy`): a run whose heartbeats (every 30 s) stop for this long is
    # marked Crashed; Failed, Crashed and Late runs are posted to the alert webhook, if any.
    crash_after_seconds: int = Field(default=90, ge=60, le=3600)
    alert_webhook_url: SecretStr | None = None
    # The group roles `db init` creates: PREFIX_owner and PREFIX_app (see docs/operations.md).
    role_prefix: str = Field(default="helpline", pattern=r"^[a-z][a-z0-9_]{0,40}$")

    @field_validator("alert_webhook_url", mode="before")
    @classmethod
    def _blank_webhook_means_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_url_means_embedded(cls, value: object) -> object:
        if value in ("", None):
            return None
        if isinstance(value, str) and not _well_formed_url(value):
            # Never quote the value: it holds the password, and a malformed one shows it.
            raise ValueError(
                "is not a URL of the form postgresql://user:password@host:port/database; "
                "percent-encode any @, :, / or % in the user name or password (@ as %40, : as "
                "%3A, / as %2F, % as %25). The value is not shown, as it holds the password"
            )
        return value

    @property
    def max_uncompressed_bytes(self) -> int:
        return self.max_uncompressed_mb * 1024 * 1024


def _well_formed_url(url: str) -> bool:
    """Whether the URL parses with one host and a numeric port (a password holding a bare "@"
    moves part of itself into the host, or a bare ":" into the port)."""
    from sqlalchemy.engine import make_url  # imported here: most commands never need it

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse failure is the same fault, said one way
        return False
    return "@" not in (parsed.host or "")


def load_settings() -> Settings:
    """The settings from the environment (and .env), or one line naming the bad setting."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "HELPLINE_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{name}: {message}.") from None


def uses_example_contact(settings: Settings) -> bool:
    return settings.contact_email.strip().lower() == EXAMPLE_CONTACT_EMAIL


def example_contact_warning(settings: Settings) -> str | None:
    """For `helpline report`: a workbook for a look is fine, but say what its Cover names."""
    if not uses_example_contact(settings):
        return None
    return (
        f"{_STILL_THE_EXAMPLE}, which this workbook's Cover gives as the contact; "
        "set it before sending."
    )


def refuse_example_contact(settings: Settings) -> None:
    """Before any send: no recipient gets a workbook whose Cover names the placeholder."""
    if uses_example_contact(settings):
        raise ConfigurationError(
            f"{_STILL_THE_EXAMPLE}; set it to the address recipients should write to, then send."
        )

"""The one settings class: every knob comes from HELPLINE_* environment variables or .env."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.core.errors import ConfigurationError


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
    contact_email: str = "analysis@example.org"
    # The Prefect flows' first retry delay in seconds, doubled for each later retry.
    retry_backoff_seconds: float = Field(default=5.0, ge=0, le=3600, allow_inf_nan=False)

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

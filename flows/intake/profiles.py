"""Partner profiles: how each partner's spreadsheet maps onto the canonical contact form."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.core.errors import ConfigurationError

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RECORDS_COLUMNS = ("contact_ref", "contact_date", "force_area")
COUNTS_COLUMNS = ("month", "force_area", "contacts")
OPTIONAL_COLUMNS = ("caller_type", "channel")


class ValueMaps(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force_area: dict[str, str] = Field(default_factory=dict)
    caller_type: dict[str, str] = Field(default_factory=dict)
    channel: dict[str, str] = Field(default_factory=dict)


class PartnerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    layout: Literal["records", "counts"]
    sheet: str | None = None
    header_row: int | Literal["auto"] = "auto"
    encoding: str = "utf-8"
    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"
    on_invalid_rows: Literal["reject_file", "quarantine_rows"] = "reject_file"
    columns: dict[str, str]
    values: ValueMaps = Field(default_factory=ValueMaps)
    drop_columns: tuple[str, ...] = ()
    max_rows: int = Field(default=5_000_000, ge=1)

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        # The id names inbox folders and ledger rows, so it must never be a path.
        if not PARTNER_ID.match(value):
            raise ValueError("must be lower-case letters, digits and hyphens, e.g. nw-helpline")
        return value

    @field_validator("header_row")
    @classmethod
    def _positive_row(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be 'auto' or a row number from 1")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{value!r} is not a text encoding Python knows") from None
        return value

    @model_validator(mode="after")
    def _columns_fit_layout(self) -> PartnerProfile:
        required = RECORDS_COLUMNS if self.layout == "records" else COUNTS_COLUMNS
        missing = [name for name in required if not self.columns.get(name, "").strip()]
        if missing:
            raise ValueError(f"[columns] needs {', '.join(missing)} for the {self.layout} layout")
        allowed = set(required) | set(OPTIONAL_COLUMNS)
        unknown = sorted(set(self.columns) - allowed)
        if unknown:
            raise ValueError(
                f"[columns] has {', '.join(unknown)}, which the {self.layout} layout does not use"
            )
        return self

    @property
    def wanted_headings(self) -> list[str]:
        """The partner's headings to read, in canonical order."""
        return list(self.columns.values())


def load_profile(path: Path) -> PartnerProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"Partner profile {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"Partner profile {path.name} is not valid TOML: {error}."
        ) from None
    try:
        profile = PartnerProfile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        key = ".".join(str(part) for part in first["loc"])
        where = f"key {key!r} " if key else ""
        raise ConfigurationError(
            f"Partner profile {path.name}: {where}{message[0].lower()}{message[1:]}."
        ) from None
    if profile.id != path.stem:
        raise ConfigurationError(
            f"Partner profile {path.name}: key 'id' is {profile.id!r}; it must match the file name."
        )
    return profile


def find_profile(partners_dir: Path, partner_id: str) -> PartnerProfile:
    if not PARTNER_ID.match(partner_id):
        raise ConfigurationError(
            f"{partner_id!r} is not a partner id; ids are lower-case letters, digits and hyphens."
        )
    path = partners_dir / f"{partner_id}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in partners_dir.glob("*.toml")) if partners_dir.is_dir() else []
        raise ConfigurationError(
            f"No profile for partner {partner_id!r} in {partners_dir}/ "
            f"(profiles found: {', '.join(known) or 'none'}). Add {partner_id}.toml there."
        )
    return load_profile(path)

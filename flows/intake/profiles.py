"""Partner profiles: how each partner's spreadsheet maps onto the canonical contact form."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.errors import ConfigurationError

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RECORDS_COLUMNS = ("contact_ref", "contact_date", "force_area")
COUNTS_COLUMNS = ("month", "force_area", "contacts")
OPTIONAL_COLUMNS = ("caller_type", "channel")
# What the melted crosstab's columns are called: rule messages name them ("Count is negative").
CROSSTAB_TABLE_COLUMNS = {
    "month": "Month",
    "force_area": "Force area",
    "contacts": "Count",
    "caller_type": "Caller type",
    "channel": "Channel",
}
# Bounds for max_useful_columns: every month from January 2000 to some thirty years on, each
# force area of England and Wales, and the Total columns beside them.
MAX_MONTHS = 360
FORCE_AREAS = 43
# A heading row below Excel's last row, or more rows than a file this product reads can hold,
# is a typing mistake in the profile, said when it is loaded rather than blamed on a file.
LAST_SHEET_ROW = 1_048_576
MAX_ROWS = 50_000_000


class ValueMaps(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force_area: dict[str, str] = Field(default_factory=dict)
    caller_type: dict[str, str] = Field(default_factory=dict)
    channel: dict[str, str] = Field(default_factory=dict)


class CrosstabShape(BaseModel):
    """Where a crosstab keeps its force areas and months ("down": row labels; "across":
    column headings), what a second heading row holds, and what a blank cell means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    force_areas: Literal["down", "across"]
    months: Literal["across", "down", "sheet name"]
    categories: Literal["channel", "caller_type"] | None = None
    blank_cells: Literal["error", "zero"] = "error"

    @model_validator(mode="after")
    def _two_axes(self) -> CrosstabShape:
        if self.force_areas == self.months:
            raise ValueError(f'force_areas and months cannot both be "{self.months}"')
        if self.months == "sheet name" and self.force_areas != "down":
            raise ValueError('months = "sheet name" needs force_areas = "down"')
        return self

    @property
    def across(self) -> str:
        """What the (first) heading row holds: months, force areas or categories."""
        if self.months == "across":
            return "month"
        return "force_area" if self.force_areas == "across" else "category"

    @property
    def down(self) -> str:
        return "force_area" if self.force_areas == "down" else "month"

    @property
    def two_heading_rows(self) -> bool:
        return self.categories is not None and self.across != "category"


class PartnerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    layout: Literal["records", "counts", "crosstab"]
    sheet: str | None = None
    # crosstab only: "all", "months" (sheets named as a month), a pattern such as "* 2017",
    # or a list of sheet names; each is read with the same [crosstab] mapping.
    sheets: str | tuple[str, ...] | None = None
    crosstab: CrosstabShape | None = None
    header_row: int | Literal["auto"] = "auto"
    encoding: str = "utf-8"
    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"
    on_invalid_rows: Literal["reject_file", "quarantine_rows"] = "reject_file"
    columns: dict[str, str] = Field(default_factory=dict)
    values: ValueMaps = Field(default_factory=ValueMaps)
    drop_columns: tuple[str, ...] = ()
    max_rows: int = Field(default=5_000_000, ge=1, le=MAX_ROWS)
    # Hidden rows and columns holding figures: refuse the file (the default), read only what
    # is visible, or include them; the feedback report says which (flows.intake.hidden_cells).
    hidden_cells: Literal["refuse", "visible", "include"] = "refuse"

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
        if isinstance(value, int) and not 1 <= value <= LAST_SHEET_ROW:
            raise ValueError(f"must be 'auto' or a row number from 1 to {LAST_SHEET_ROW:,}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            text_encoding = codecs.lookup(value)._is_text_encoding
        except LookupError:
            text_encoding = False
        if not text_encoding:  # "hex" and "rot13" are codecs, but of bytes to bytes
            raise ValueError(
                f"{value!r} is not a text encoding; use one such as utf-8, cp1252 or latin-1"
            )
        return value

    @model_validator(mode="after")
    def _columns_fit_layout(self) -> PartnerProfile:
        if self.layout == "crosstab":
            return self._crosstab_fits()
        if self.crosstab is not None or self.sheets is not None:
            key = "[crosstab]" if self.crosstab is not None else "sheets"
            raise ValueError(
                f'{key} is only for layout = "crosstab"; {self.layout} reads one sheet'
            )
        required = self.required_roles
        missing = [name for name in required if not self.columns.get(name, "").strip()]
        if missing:
            raise ValueError(f"[columns] needs {', '.join(missing)} for the {self.layout} layout")
        allowed = set(required) | set(OPTIONAL_COLUMNS)
        return self._no_unknown_columns(allowed)

    def _no_unknown_columns(self, allowed: set[str]) -> PartnerProfile:
        unknown = sorted(set(self.columns) - allowed)
        if unknown:
            raise ValueError(
                f"[columns] has {', '.join(unknown)}, which the {self.layout} layout does not use"
            )
        return self

    def _crosstab_fits(self) -> PartnerProfile:
        if self.crosstab is None:
            raise ValueError(
                "the crosstab layout needs a [crosstab] table saying where force areas and months "
                'are, e.g. force_areas = "down" and months = "across"'
            )
        if self.sheet is not None and self.sheets is not None:
            raise ValueError("give sheet (one sheet) or sheets (several), not both")
        if self.sheets is not None and not self.sheets:
            raise ValueError('sheets lists no sheet; name some, or use "all"')
        if self.reads_several_sheets and self.on_invalid_rows == "quarantine_rows":
            # Quarantine holds rows back by their number, and every sheet has a row 14.
            raise ValueError(
                'on_invalid_rows = "quarantine_rows" needs one sheet (row numbers repeat across '
                'sheets); use "reject_file" with sheets'
            )
        # The only heading a crosstab may name is the one over its row labels.
        return self._no_unknown_columns({self.crosstab.down})

    @property
    def reads_several_sheets(self) -> bool:
        if isinstance(self.sheets, tuple):
            return len(self.sheets) > 1
        return self.sheets is not None and (
            self.sheets in ("all", "months") or any(c in self.sheets for c in "*?[")
        )

    @property
    def required_roles(self) -> tuple[str, ...]:
        """The [columns] a records or counts table cannot do without (a crosstab: none)."""
        if self.layout == "crosstab":
            return ()
        return RECORDS_COLUMNS if self.layout == "records" else COUNTS_COLUMNS

    @property
    def wanted_headings(self) -> list[str]:
        """The partner's headings to read, in canonical order."""
        return list(self.columns.values())

    @property
    def table_columns(self) -> dict[str, str]:
        """Role -> the column of the table read that holds it: the [columns] headings, or for a
        crosstab the columns it is melted into (the row labels keep the partner's heading)."""
        if self.crosstab is None:
            return dict(self.columns)
        roles = ("month", "force_area", "contacts", *filter(None, [self.crosstab.categories]))
        named = {role: CROSSTAB_TABLE_COLUMNS[role] for role in roles}
        return named | {role: heading for role, heading in self.columns.items() if role in named}

    def melted_as_counts(self) -> PartnerProfile:
        """This crosstab profile as the counts profile that reads its melted table."""
        update = {"layout": "counts", "columns": self.table_columns, "crosstab": None}
        return self.model_copy(update=update | {"sheet": None, "sheets": None})

    @property
    def max_useful_columns(self) -> int:
        """The most columns of a sheet this profile can read: the mapped headings and those it
        drops, or for a crosstab its row labels and every heading that can hold a month, force
        area, channel or caller type, each with its Total, plus the grand Total. The reading
        guards allow SPARE_COLUMNS more (what an export carries beside the table) and refuse a
        wider sheet before it is parsed: a heading in column XFD would otherwise cost gigabytes."""
        if self.crosstab is None:
            return len(set(self.columns.values()) | set(self.drop_columns))
        shape = self.crosstab
        vocabulary = CALLER_TYPES if shape.categories == "caller_type" else CHANNELS
        spellings = getattr(self.values, shape.categories or "channel")
        per_heading = len(vocabulary) + len(spellings) + 1 if shape.categories else 1
        headings = {"month": MAX_MONTHS, "force_area": FORCE_AREAS, "category": 1}[shape.across]
        return 1 + headings * per_heading + per_heading + 1 + len(self.drop_columns)


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

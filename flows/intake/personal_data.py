"""Refusing files that carry personal data: contact tables must never hold it.

Headings are checked by name; the values of every mapped column are scanned in full, every
text cell of every row, with one RE2 pass per column over the column's Arrow text buffer
(pyarrow, no copy), so a phone number in the last row of a million is found as surely as one
in the first."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from flows.core.errors import FileRejected
from flows.core.force_areas import spelling_key
from flows.intake.cell_parsing import cells_of
from flows.intake.reading.cell_columns import TEXT, CellColumn

_PERSONAL_HEADING = re.compile(
    r"(phone|mobile|telephone|tel(no)?$|email|e-?mail|name|address|postcode|postalcode|zip"
    r"|dateofbirth|dob$|birth|nhsnumber|nino)"
)
# Headings that contain a personal-data word but are not personal data themselves.
_HARMLESS_HEADINGS = {"forcename", "policeforcename", "servicename", "partnername", "sheetname"}
# RE2 syntax (pyarrow's regex engine: linear time, no look-behind).
PERSONAL_VALUE = (
    r"(?:[\w.+-]+@[\w-]+\.[\w.]+"  # email address
    r"|(?:\+44\s?7\d{3}|\b07\d{3})\s?\d{3}\s?\d{3}\b"  # UK mobile number
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b)"  # UK postcode
)


def check_headings(
    file_name: str, headings: Iterable[str], mapped: Iterable[str], dropped: Iterable[str]
) -> None:
    """Reject a file with a personal-data column the profile neither maps nor drops."""
    allowed = {spelling_key(h) for h in (*mapped, *dropped)}
    for heading in headings:
        key = spelling_key(heading)
        if not key or key in allowed or key in _HARMLESS_HEADINGS:
            continue
        if _PERSONAL_HEADING.search(key):
            raise FileRejected(
                f"{file_name}: column {heading!r} looks like personal data; ask the partner to "
                "remove it, or list it under drop_columns in their profile."
            )


def first_personal_value(column: CellColumn | pd.Series) -> int | None:
    """The position of the first text cell that looks like personal data, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pd.Series):  # Python values (a melted crosstab): as partner cells
        column = cells_of(column)
    if not (column.kinds == TEXT).any():  # numbers and dates cannot hold an address
        return None
    found = pc.index(pc.match_substring_regex(column.text(), PERSONAL_VALUE), pa.scalar(True))
    position = found.as_py()
    return None if position < 0 else int(position)


def check_values(
    file_name: str,
    columns: Mapping[str, CellColumn | pd.Series],
    row_numbers: Sequence[int] | np.ndarray,
    found: Iterable[int | None] | None = None,
) -> None:
    """Reject a file whose mapped columns hold email addresses, phone numbers or postcodes,
    naming the first such column in order; `found` is each column's first_personal_value when
    the caller has searched them already (on threads, see flows.intake.partner_file)."""
    positions = map(first_personal_value, columns.values()) if found is None else found
    for heading, position in zip(columns, positions, strict=True):
        if position is not None:
            raise FileRejected(
                f"{file_name}: column {heading!r} holds what looks like personal data "
                f"(an email address, phone number or postcode) at row "
                f"{int(row_numbers[position])}; ask the partner to send the file without it."
            )

"""Refusing files that carry personal data: contact tables must never hold it.

Headings are checked by name; the values of every mapped column are scanned in full, every
text cell of every row, with one RE2 pass per column (pyarrow), so a phone number in the last
row of a million is found as surely as one in the first."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from flows.core.errors import FileRejected
from flows.core.force_areas import spelling_key

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
_TEXT_ONLY = {"string", "empty"}
_NO_TEXT = {"integer", "floating", "mixed-integer-float", "datetime", "datetime64", "date"}


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


def first_personal_value(values: pd.Series) -> int | None:
    """The position of the first text cell that looks like personal data, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = infer_dtype(values, skipna=True)
    if kind in _NO_TEXT:
        return None
    cells = values.to_numpy(dtype=object)
    if kind in _TEXT_ONLY:
        positions = None
    else:  # a column mixing text with numbers or dates: only its text can hold an address
        is_text = np.fromiter((cell.__class__ is str for cell in cells), bool, len(cells))
        positions = np.flatnonzero(is_text)
        cells = cells[positions]
    text = pa.array(cells, type=pa.string(), from_pandas=True)
    found = pc.index(pc.match_substring_regex(text, PERSONAL_VALUE), True).as_py()
    if found < 0:
        return None
    return int(found) if positions is None else int(positions[found])


def check_values(
    file_name: str, columns: Mapping[str, pd.Series], row_numbers: Sequence[int] | np.ndarray
) -> None:
    """Reject a file whose mapped columns hold email addresses, phone numbers or postcodes."""
    for heading, values in columns.items():
        position = first_personal_value(values)
        if position is not None:
            raise FileRejected(
                f"{file_name}: column {heading!r} holds what looks like personal data "
                f"(an email address, phone number or postcode) at row "
                f"{int(row_numbers[position])}; ask the partner to send the file without it."
            )

"""Refusing files that carry personal data: contact tables must never hold it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from flows.core.errors import FileRejected
from flows.core.force_areas import spelling_key

_PERSONAL_HEADING = re.compile(
    r"(phone|mobile|telephone|tel(no)?$|email|e-?mail|name|address|postcode|postalcode|zip"
    r"|dateofbirth|dob$|birth|nhsnumber|nino)"
)
# Headings that contain a personal-data word but are not personal data themselves.
_HARMLESS_HEADINGS = {"forcename", "policeforcename", "servicename", "partnername", "sheetname"}
_PERSONAL_VALUE = re.compile(
    r"(?:[\w.+-]+@[\w-]+\.[\w.]+"  # email address
    r"|(?:\+44\s?7\d{3}|\b07\d{3})\s?\d{3}\s?\d{3}\b"  # UK mobile number
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b)"  # UK postcode
)
_SAMPLE = 2000


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


def check_values(
    file_name: str, columns: Mapping[str, pd.Series], row_numbers: Sequence[int]
) -> None:
    """Reject a file whose mapped text columns hold email addresses, phone numbers or postcodes."""
    for heading, values in columns.items():
        sample = values.head(_SAMPLE).dropna().astype(str)
        hits = sample[sample.str.contains(_PERSONAL_VALUE, regex=True)]
        if len(hits):
            row = int(row_numbers[hits.index[0]])
            raise FileRejected(
                f"{file_name}: column {heading!r} holds what looks like personal data "
                f"(an email address, phone number or postcode) at row {row}; ask the partner "
                "to send the file without it."
            )

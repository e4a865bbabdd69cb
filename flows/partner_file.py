"""A partner file's first steps: its fingerprint, the read, and the checks on its text.

Partner text (headings, cells, file names) may hold control characters that a workbook cell,
a Postgres text column or a terminal cannot take; it is cleaned here, once, on the way in."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from flows.errors import FileRejected
from flows.header_tables import RawTable
from flows.personal_data import check_headings, check_values
from flows.profiles import PartnerProfile
from flows.readers import read_table
from flows.settings import Settings


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Control characters (C0 but tab, line feed and carriage return; DEL) cannot go in a workbook
# cell (the feedback report), a Postgres text column (NUL) or a terminal line, so partner text
# never keeps them: each becomes U+FFFD, the replacement character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def _column_text(values: pd.Series) -> str:
    """The column's text cells joined by line feeds (all of a CSV's cells are text)."""
    present = values[values.notna()]
    try:
        return "\n".join(present)
    except TypeError:  # a spreadsheet column mixes text with numbers and dates
        return "\n".join(value for value in present if isinstance(value, str))


def _clean_cells(raw: RawTable) -> RawTable:
    """The table with control characters replaced in its headings and text cells."""
    frame = raw.frame
    for position in range(frame.shape[1]):  # by position: two roles may share a heading
        values = frame.iloc[:, position]
        if _CONTROL.search(_column_text(values)):  # one scan per column; rarely true
            frame.iloc[:, position] = values.map(
                lambda value: clean_text(value) if isinstance(value, str) else value
            )
    headings = [clean_text(heading) for heading in raw.headings]
    return RawTable(frame, raw.row_numbers, raw.sheet, raw.header_row, headings)


def read_partner_file(path: Path, profile: PartnerProfile, settings: Settings) -> RawTable:
    """Guards first, then the read, then the personal-data checks: any failure is FileRejected."""
    if not path.is_file():
        raise FileRejected(f"{path.name}: no such file.")
    raw = read_table(
        path,
        wanted=list(dict.fromkeys(profile.wanted_headings)),  # two roles may share a heading
        sheet=profile.sheet,
        header_row=profile.header_row,
        encoding=profile.encoding,
        max_uncompressed_bytes=settings.max_uncompressed_bytes,
    )
    raw = _clean_cells(raw)
    check_headings(path.name, raw.headings, profile.wanted_headings, profile.drop_columns)
    text_roles = ("contact_ref", "caller_type", "channel")
    text_columns = {
        heading: raw.frame[heading]
        for role, heading in profile.columns.items()
        if role in text_roles and heading in raw.frame
    }
    check_values(path.name, text_columns, list(raw.row_numbers))
    return raw

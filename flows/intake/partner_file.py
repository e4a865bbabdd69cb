"""A partner file's first steps: its fingerprint, the read, and the checks on its text.

Partner text (headings, cells, file names) may hold control characters that a workbook cell,
a Postgres text column or a terminal cannot take; it is cleaned here, once, on the way in."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from flows.core.errors import FileRejected
from flows.core.safe_text import UNSAFE_CHARACTERS, clean_text
from flows.core.settings import Settings
from flows.intake.crosstab_file import read_crosstab_file
from flows.intake.header_tables import RawTable
from flows.intake.personal_data import check_headings, check_values
from flows.intake.profiles import PartnerProfile
from flows.intake.readers import read_table


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _column_text(values: pd.Series) -> str:
    """The column's text cells joined by spaces (all of a CSV's cells are text)."""
    present = values[values.notna()]
    try:
        return " ".join(present)
    except TypeError:  # a spreadsheet column mixes text with numbers and dates
        return " ".join(value for value in present if isinstance(value, str))


def _clean_cells(raw: RawTable) -> RawTable:
    """The table with control characters replaced in its headings and text cells."""
    frame = raw.frame
    for position in range(frame.shape[1]):  # by position: two roles may share a heading
        values = frame.iloc[:, position]
        if UNSAFE_CHARACTERS.search(_column_text(values)):  # one scan per column; rarely true
            frame.iloc[:, position] = values.map(
                lambda value: clean_text(value) if isinstance(value, str) else value
            )
    headings = [clean_text(heading) for heading in raw.headings]
    return RawTable(frame, raw.row_numbers, raw.sheet, raw.header_row, headings)


def read_partner_file(path: Path, profile: PartnerProfile, settings: Settings) -> RawTable:
    """Guards first, then the read, then the personal-data checks: any failure is FileRejected."""
    if not path.is_file():
        raise FileRejected(f"{path.name}: no such file.")
    if profile.layout == "crosstab":  # melted into counts rows as it is read
        return read_crosstab_file(path, profile, settings)
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
    mapped = dict.fromkeys(profile.columns.values())  # two roles may share a heading
    columns = {heading: raw.frame[heading] for heading in mapped if heading in raw.frame}
    check_values(path.name, columns, raw.row_numbers)
    return raw

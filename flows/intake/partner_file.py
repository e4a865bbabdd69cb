"""A partner file's first steps: the read in a contained child, and the
personal-data checks on what it holds.

The read runs in a child process with limits (flows.intake.reading.contained_read); partner
text comes back with unsafe characters already escaped (flows.intake.reading.cell_columns), so it
is safe to store and show."""

from __future__ import annotations

import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from flows.core.errors import FileRejected
from flows.core.settings import Settings
from flows.intake.crosstab.melt import SheetGrid
from flows.intake.crosstab.melted_file import CrosstabTable, crosstab_options, melt_crosstab
from flows.intake.csv_quotes import check_closed_quotes
from flows.intake.date_system import months_in_1900_system, table_in_1900_system
from flows.intake.hidden_cells import apply_to_grids, apply_to_table
from flows.intake.ods_structure import scan_ods_structure
from flows.intake.personal_data import check_headings, check_values, first_personal_value
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import CellTable, ReadResult
from flows.intake.reading.contained_read import read_in_child
from flows.intake.reading.read_request import MB, ReadLimits, ReadRequest
from flows.intake.reading.sheet_structure import WorkbookStructure
from flows.intake.workbook_structure import ScanBudget, ScanStopped, scan_structure


def read_request(path: Path, profile: PartnerProfile) -> ReadRequest:
    """What the reading child needs to know: the file and the profile's reading keys."""
    return ReadRequest(
        path=path,
        layout=profile.layout,
        wanted=tuple(dict.fromkeys(profile.wanted_headings)),  # two roles may share a heading
        sheet=profile.sheet,
        header_row=profile.header_row,
        encoding=profile.encoding,
        useful_columns=profile.max_useful_columns,
        profile_id=profile.id,
        options=crosstab_options(profile) if profile.layout == "crosstab" else {},
    )


def read_within_settings(request: ReadRequest, settings: Settings) -> ReadResult:
    """The read in the child, bounded by the settings: the sizes its guards allow and the
    memory, CPU and wall-clock limits of the child itself (one memory figure for both)."""
    bounded = replace(
        request,
        max_uncompressed_bytes=settings.max_uncompressed_bytes,
        memory_bytes=settings.read_memory_mb * MB,
    )
    limits = ReadLimits(
        memory_bytes=bounded.memory_bytes,
        cpu_seconds=settings.read_cpu_seconds,
        wall_seconds=settings.read_wall_seconds,
    )
    return read_in_child(bounded, limits)


def read_partner_file(
    path: Path, profile: PartnerProfile, settings: Settings
) -> tuple[CellTable | CrosstabTable, tuple[str, ...]]:
    """Guards, the read and the first cleaning (in the child), the workbook's structure applied
    (hidden figures, the 1904 date system), then the personal-data checks: any failure is
    FileRejected (a profile that does not fit the file: ConfigurationError). With the table,
    the notes the feedback report adds (e.g. hidden figures read or left out)."""
    if not path.is_file():
        raise FileRejected(f"{path.name}: no such file.")
    result, structure = read_with_structure(path, profile, settings)
    if profile.layout == "crosstab":  # its grids melted into counts rows
        return read_crosstab(path, profile, result, structure)
    table = result.table
    required = [profile.columns[role] for role in profile.required_roles]
    table, notes = apply_to_table(path.name, table, structure, profile.hidden_cells, required)
    if structure.date1904:
        table = table_in_1900_system(table, _date_headings(profile))
    check_table(path, table, profile)
    return table, notes + sheet_notes(structure, table.sheet)


def check_table(path: Path, table: CellTable, profile: PartnerProfile) -> None:
    """A CSV's unclosed quote, then personal data in the headings and in every mapped column:
    FileRejected for the first found, in that order. The column scans run on two threads
    (pyarrow's regular expressions release the interpreter), so on two cores a million rows
    are checked in about half the time."""
    mapped = dict.fromkeys(profile.columns.values())  # two roles may share a heading
    columns = {heading: table.columns[heading] for heading in mapped}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="checks") as pool:
        quotes = (
            pool.submit(check_closed_quotes, path, table) if path.suffix.lower() == ".csv" else None
        )
        found = pool.map(first_personal_value, columns.values())
        try:
            if quotes is not None:
                quotes.result()
            check_headings(path.name, table.headings, profile.wanted_headings, profile.drop_columns)
            check_values(path.name, columns, table.row_numbers, found)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the scans not yet begun are not begun
            raise


def read_with_structure(
    path: Path, profile: PartnerProfile, settings: Settings
) -> tuple[ReadResult, WorkbookStructure]:
    """The read in its child and, meanwhile in a thread of this process, the scan of the
    workbook's structure (hidden rows and sheets, date system): the scan costs no time of its
    own. It inflates no more than the guards allow, and stops when the read fails. An .xls has
    no XML to scan: the child reads its structure with xlrd and returns it with the cells."""
    budget = ScanBudget(settings.max_uncompressed_bytes)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="structure") as pool:
        if path.suffix.lower() == ".ods":
            scanning = pool.submit(scan_ods_structure, path, budget)
        else:
            scanning = pool.submit(scan_structure, path, None, budget)
        try:
            result = read_within_settings(read_request(path, profile), settings)
        except BaseException:
            budget.stop.set()
            raise
        try:
            scanned = scanning.result()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error, ScanStopped):
            raise FileRejected(
                f"{path.name} is corrupt: its workbook structure cannot be read; ask the partner "
                "to save it again and resend it."
            ) from None
    # an .xls is scanned in the reading child (flows.intake.reading.xls_structure)
    return result, result.details.get("structure", scanned)


def read_crosstab(
    path: Path, profile: PartnerProfile, result: ReadResult, structure: WorkbookStructure
) -> tuple[CrosstabTable, tuple[str, ...]]:
    grids = result.details["grids"]
    grids, notes = apply_to_grids(path.name, grids, structure, profile.hidden_cells)
    sheets = [SheetGrid(name, rows, merged=merged) for name, rows, merged in grids]
    table = melt_crosstab(path.name, profile, result.details["choice"], sheets)
    if structure.date1904:
        month = profile.table_columns["month"]
        frame = table.frame.copy()
        frame[month] = months_in_1900_system(frame[month])
        table = replace(table, frame=frame)
    return table, notes


def _date_headings(profile: PartnerProfile) -> list[str]:
    return [profile.columns[role] for role in ("contact_date", "month") if role in profile.columns]


def sheet_notes(structure: WorkbookStructure, read: str | None) -> tuple[str, ...]:
    """The hidden sheets of a workbook, for the feedback: the one read (the profile named it)
    and those left out."""
    notes = []
    if read in structure.hidden_sheets:
        notes.append(
            f'Sheet "{read}" is hidden in the workbook; it was read as the profile names it.'
        )
    others = [f'"{name}"' for name in structure.hidden_sheets if name != read]
    if others:
        notes.append(f"Hidden sheets not read: {', '.join(others)}.")
    return tuple(notes)

"""A partner file's first steps: the read in a contained child, and the
personal-data checks on what it holds.

The read runs in a child process with limits (flows.intake.reading.contained_read); partner
text comes back with unsafe characters already escaped (flows.intake.reading.cell_columns), so it
is safe to store and show."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flows.core.errors import FileRejected
from flows.core.settings import Settings
from flows.intake.crosstab.melted_file import CrosstabTable, crosstab_options, melt_grids
from flows.intake.personal_data import check_headings, check_values
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import CellTable, ReadResult
from flows.intake.reading.contained_read import read_in_child
from flows.intake.reading.read_request import MB, ReadLimits, ReadRequest


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
) -> CellTable | CrosstabTable:
    """Guards, the read and the first cleaning (in the child), then the personal-data checks:
    any failure is FileRejected (a profile that does not fit the file: ConfigurationError)."""
    if not path.is_file():
        raise FileRejected(f"{path.name}: no such file.")
    result = read_within_settings(read_request(path, profile), settings)
    if profile.layout == "crosstab":  # its grids melted into counts rows
        return melt_grids(path.name, profile, result)
    table = result.table
    check_headings(path.name, table.headings, profile.wanted_headings, profile.drop_columns)
    mapped = dict.fromkeys(profile.columns.values())  # two roles may share a heading
    check_values(path.name, {h: table.columns[h] for h in mapped}, table.row_numbers)
    return table

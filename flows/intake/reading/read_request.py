"""What the reading child is asked to read, and within which limits (plain, picklable data).

Kept free of heavy imports: the parent builds these, the child unpickles them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MB = 2**20
DEFAULT_MAX_UNCOMPRESSED_BYTES = 512 * MB
DEFAULT_READ_MEMORY_BYTES = 2048 * MB
SPARE_COLUMNS = 1000  # columns a sheet may have beyond those its profile can use


@dataclass(frozen=True)
class ReadRequest:
    """One partner file and how its profile says to read it."""

    path: Path
    layout: str  # the profile's layout: picks the extraction (readers.EXTRACTIONS)
    wanted: tuple[str, ...]  # the partner's headings to read, in canonical order, no repeats
    sheet: str | None = None
    header_row: int | Literal["auto"] = "auto"
    encoding: str = "utf-8"
    useful_columns: int | None = None  # PartnerProfile.max_useful_columns (None: the wanted)
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES
    memory_bytes: int = DEFAULT_READ_MEMORY_BYTES  # sizes the guards' cell budget
    profile_id: str = ""
    options: Mapping[str, object] = field(default_factory=dict)  # a layout's own settings

    @property
    def useful(self) -> int:
        return len(self.wanted) if self.useful_columns is None else self.useful_columns


@dataclass(frozen=True)
class ReadLimits:
    """The reading child's limits (HELPLINE_READ_MEMORY_MB, _CPU_SECONDS, _WALL_SECONDS)."""

    memory_bytes: int = DEFAULT_READ_MEMORY_BYTES
    cpu_seconds: int = 120
    wall_seconds: float = 600.0

    @property
    def memory_text(self) -> str:
        return f"{self.memory_bytes / MB:,.0f} MB"

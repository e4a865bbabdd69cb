"""The canonical contact frame every partner layout is turned into, and its fixed vocabularies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

UNKNOWN = "unknown"
# Published categories are a fixed vocabulary, so no partner free text reaches a workbook. Every
# edition lists them all, in this order (unknown last), with zeros.
CALLER_TYPES = ("child", "young person", "parent or carer", "professional", "other adult", UNKNOWN)
CHANNELS = ("phone", "online chat", "email", "text message", "police referral", UNKNOWN)


class PartnerCells(Protocol):
    """A column of the partner's cells as they sent them (flows.intake.reading.cell_columns)."""

    def shown(self, position: int, limit: int = 80) -> str:
        """The cell at `position` as the partner typed it; "(blank)" when empty."""
        ...


@dataclass(frozen=True)
class NormalisedFile:
    layout: str
    frame: pd.DataFrame  # canonical columns; one row per partner row
    source_rows: np.ndarray  # the partner's row number for each frame row
    raw_values: Mapping[str, PartnerCells]  # role -> partner's original cells, for examples
    headings: Mapping[str, str]  # role -> partner's heading, for messages

    @property
    def months(self) -> pd.Series:
        return self.frame["month"]

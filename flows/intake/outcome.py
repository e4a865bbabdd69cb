"""What became of one partner file: the line `helpline ingest` prints and the feedback's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.intake.validation import ValidationReport


@dataclass(frozen=True)
class IngestOutcome:
    file_name: str
    partner_id: str
    status: str  # accepted, duplicate, rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    first_month: date | None = None
    last_month: date | None = None
    replaced_months: tuple[date, ...] = ()
    reason: str | None = None
    submission_id: int | None = None
    feedback_path: Path | None = None
    validation: ValidationReport | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status in ("accepted", "duplicate")

    def line(self) -> str:
        """The one line `helpline ingest` prints for this file."""
        if self.status == "duplicate":
            return f"{self.file_name}: skipped, duplicate of submission {self.reason}"
        if self.status == "rejected":
            return f"{self.file_name}: rejected: {self.reason}"
        months = f"{_month(self.first_month)} to {_month(self.last_month)}"
        replaced = (
            f"; replaced {len(self.replaced_months)} month(s) of earlier data"
            if self.replaced_months
            else ""
        )
        held = f"; {self.rows_quarantined} row(s) quarantined" if self.rows_quarantined else ""
        return (
            f"{self.file_name}: accepted, {self.rows_loaded:,} rows, months {months}"
            f"{replaced}{held} (submission {self.submission_id})"
        )


def _month(day: date | None) -> str:
    return day.strftime("%b %Y") if day else "none"

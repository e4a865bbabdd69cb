"""Ingesting one partner file: the plain-function recipe behind `helpline ingest` and the flows."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from flows.errors import DatabaseUnavailable, FileRejected, HelplineError
from flows.feedback import write_feedback_report
from flows.force_areas import ForceAreaResolver, load_force_areas
from flows.loading import (
    LedgerEntry,
    find_duplicate,
    load_submission,
    record_outcome,
    refs_loaded_elsewhere,
    staging_frame,
)
from flows.normalise import NormalisedFile, normalise
from flows.partner_file import clean_text, file_sha256, read_partner_file
from flows.periods import LONDON
from flows.profiles import PartnerProfile
from flows.settings import Settings
from flows.validation import ValidationReport, load_suite, run_suite


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


def mark_refs_loaded_elsewhere(
    normalised: NormalisedFile, engine: Engine, partner_id: str
) -> NormalisedFile:
    """Flag references this partner already sent for a month the file does not replace."""
    frame = normalised.frame
    months = frame["month"].dropna()
    frame["ref_loaded_for_month"] = None
    if months.empty:
        return normalised
    existing = refs_loaded_elsewhere(engine, partner_id, months.min().date(), months.max().date())
    if not existing.empty:
        month_by_ref = dict(zip(existing["contact_ref"], existing["month"], strict=True))
        elsewhere = frame["contact_ref"].map(month_by_ref)
        differs = elsewhere.notna() & (pd.to_datetime(elsewhere) != frame["month"])
        frame["ref_loaded_for_month"] = elsewhere.where(differs, None).astype("object")
    return normalised


def _quiet_great_expectations() -> None:
    """GX sets one of its loggers to INFO when imported, so every ingest printed a log line on
    stderr ("Created temporary directory ... for ephemeral docs site"): import it, then quiet it."""
    from great_expectations.data_context.types import base

    logging.getLogger(base.__name__).setLevel(logging.WARNING)


def validate_file(normalised: NormalisedFile, profile: PartnerProfile) -> ValidationReport:
    _quiet_great_expectations()
    today = datetime.now(LONDON).date()
    suite = load_suite(
        profile.layout,
        {
            "today": today.isoformat(),
            "force_area_codes": [area.code for area in load_force_areas()],
            "max_rows": profile.max_rows,
        },
    )
    return run_suite(
        normalised.frame,
        suite,
        source_rows=normalised.source_rows,
        raw_values=normalised.raw_values,
        # the profile's headings name the rules in the feedback report: no control characters
        headings={role: clean_text(heading) for role, heading in normalised.headings.items()},
    )


def rows_to_keep(
    normalised: NormalisedFile, report: ValidationReport, profile: PartnerProfile
) -> pd.Series | None:
    """Which rows load: all of them, the valid ones under quarantine_rows, or None (reject)."""
    if report.passed:
        return pd.Series(True, index=normalised.frame.index)
    file_level = any(not failure.source_rows for failure in report.failures)
    if profile.on_invalid_rows != "quarantine_rows" or file_level:
        return None
    invalid = pd.Series(normalised.source_rows).isin(report.invalid_rows)
    keep = ~invalid
    return keep if keep.any() else None


def ingest_file(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    path: Path,
    on_stage: Callable[[str], object] | None = None,
) -> IngestOutcome:
    """Read, validate and load one file; on_stage hears each step's name (for progress bars)."""
    stage = on_stage or (lambda _name: None)
    try:
        sha256 = file_sha256(path)
    except OSError:  # gone (e.g. moved by an inbox sweep) or unreadable: the read says which
        sha256 = "0" * 64
    name = clean_text(path.name)  # a file name, like a cell, can hold control characters
    base = LedgerEntry(profile.id, sha256, name, profile.layout, rows_read=0, status="rejected")
    with engine.connect() as connection:
        earlier = find_duplicate(connection, profile.id, sha256)
    if earlier is not None:
        record_outcome(
            engine,
            _with(
                base,
                status="duplicate",
                duplicate_of=earlier,
                reason=f"same file as submission {earlier}",
            ),
        )
        return IngestOutcome(name, profile.id, "duplicate", reason=str(earlier))
    try:
        stage("reading")
        raw = read_partner_file(path, profile, settings)
    except FileRejected as rejection:
        return _reject(engine, settings, base, rejection.message, None)
    resolver = ForceAreaResolver(load_force_areas(), profile.values.force_area)
    normalised = normalise(raw, profile, resolver)
    if profile.layout == "records":
        normalised = mark_refs_loaded_elsewhere(normalised, engine, profile.id)
    stage("validating")
    report = validate_file(normalised, profile)
    base = _with(base, rows_read=len(normalised.frame), validation=report.summary())
    keep = rows_to_keep(normalised, report, profile)
    if keep is None:
        return _reject(engine, settings, base, report.first_reason(), report)
    months = normalised.frame.loc[keep, "month"]
    quarantined = sorted(
        (row, failure.rule) for failure in report.failures for row in failure.source_rows
    )
    entry = _with(
        base,
        status="loaded",
        rows_loaded=int(keep.sum()),
        rows_quarantined=int((~keep).sum()),
        first_month=months.min().date(),
        last_month=months.max().date(),
    )
    try:
        stage("loading")
        result = load_submission(engine, entry, staging_frame(normalised, keep), quarantined)
    except DatabaseUnavailable as failure:
        _record_failure(engine, entry, failure.message)
        raise
    if result.status == "duplicate":
        return IngestOutcome(name, profile.id, "duplicate", reason=str(result.duplicate_of))
    outcome = IngestOutcome(
        name,
        profile.id,
        "accepted",
        entry.rows_read,
        entry.rows_loaded,
        entry.rows_quarantined,
        entry.first_month,
        entry.last_month,
        result.replaced_months,
        submission_id=result.submission_id,
        validation=report,
    )
    return _with_feedback(outcome, settings, sha256)


def _with(entry: LedgerEntry, **changes: object) -> LedgerEntry:
    return LedgerEntry(**{**entry.__dict__, **changes})


def _reject(
    engine: Engine,
    settings: Settings,
    entry: LedgerEntry,
    reason: str,
    report: ValidationReport | None,
) -> IngestOutcome:
    reason = clean_text(reason)  # it may quote partner or profile text
    submission_id = record_outcome(engine, _with(entry, status="rejected", reason=reason))
    outcome = IngestOutcome(
        entry.file_name,
        entry.partner_id,
        "rejected",
        entry.rows_read,
        reason=reason,
        submission_id=submission_id,
        validation=report,
    )
    return _with_feedback(outcome, settings, entry.sha256)


def _record_failure(engine: Engine, entry: LedgerEntry, reason: str) -> None:
    # Best effort: the database may still be down, and the original error matters more.
    with contextlib.suppress(DatabaseUnavailable):
        record_outcome(engine, _with(entry, status="failed", rows_loaded=0, reason=reason))


def _with_feedback(outcome: IngestOutcome, settings: Settings, sha256: str) -> IngestOutcome:
    folder = settings.output_dir / "feedback" / outcome.partner_id
    try:
        path = write_feedback_report(
            outcome, folder / f"{Path(outcome.file_name).stem}-{sha256[:8]}.xlsx"
        )
    except OSError as error:  # the outcome stands (it is in the ledger); say both in one line
        raise HelplineError(
            f"{outcome.line()}; but its feedback report could not be written to {folder} "
            f"({error.strerror or error}): choose a writable HELPLINE_OUTPUT_DIR."
        ) from None
    return IngestOutcome(**{**outcome.__dict__, "feedback_path": path})

"""Ingesting one partner file: the recipe behind `helpline ingest`, the inbox and the flows.

Check the file, read its table, clean it, normalise it, validate it, load it, write feedback.
Every file ends in the ledger, whatever became of it; the ledger's bookkeeping lives in
flows.ledger, the steps in this wing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from flows.core.canonical import NormalisedFile
from flows.core.errors import FileRejected, HelplineError
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.feedback import write_feedback_report
from flows.intake.header_tables import RawTable
from flows.intake.normalise import normalise
from flows.intake.outcome import IngestOutcome
from flows.intake.partner_file import file_sha256, read_partner_file
from flows.intake.partner_totals import check_partner_totals
from flows.intake.profiles import PartnerProfile
from flows.intake.validation import ValidationReport, rows_to_keep, validate_file
from flows.ledger.entries import LedgerEntry, earlier_copy, record_duplicate, record_rejection
from flows.ledger.loading import load_submission, refs_loaded_elsewhere, staging_frame

Stage = Callable[[str], object]


def ingest_file(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    path: Path,
    on_stage: Stage | None = None,
) -> IngestOutcome:
    """Read, validate and load one file; on_stage hears each step's name (for progress bars)."""
    stage = on_stage or _quietly
    entry = receive_file(path, profile)
    earlier = earlier_copy(engine, entry)
    if earlier is not None:
        return skip_duplicate(engine, entry, earlier)
    try:
        stage("reading")
        raw = read_partner_file(path, profile, settings)  # guards, read, clean, personal data
    except FileRejected as rejection:
        return reject_file(engine, settings, entry, rejection.message)
    normalised = normalise_file(engine, raw, profile)
    stage("validating")
    report = check_partner_totals(validate_file(normalised, profile), raw)
    entry = replace(entry, rows_read=len(normalised.frame), validation=report.summary())
    keep = rows_to_keep(normalised, report, profile)
    if keep is None:
        return reject_file(engine, settings, entry, report.first_reason(), report)
    stage("loading")
    return load_file(engine, settings, entry, normalised, keep, report)


def _quietly(_stage: str) -> None:
    return None


def receive_file(path: Path, profile: PartnerProfile) -> LedgerEntry:
    """The ledger's view of a file before it is read: its fingerprint and its (clean) name."""
    try:
        sha256 = file_sha256(path)
    except OSError:  # gone (e.g. moved by an inbox sweep) or unreadable: the read says which
        sha256 = "0" * 64
    name = clean_text(path.name)  # a file name, like a cell, can hold control characters
    return LedgerEntry(profile.id, sha256, name, profile.layout, rows_read=0, status="rejected")


def skip_duplicate(engine: Engine, entry: LedgerEntry, earlier: int) -> IngestOutcome:
    record_duplicate(engine, entry, earlier)
    return IngestOutcome(entry.file_name, entry.partner_id, "duplicate", reason=str(earlier))


def normalise_file(engine: Engine, raw: RawTable, profile: PartnerProfile) -> NormalisedFile:
    resolver = ForceAreaResolver(load_force_areas(), profile.values.force_area)
    normalised = normalise(raw, profile, resolver)
    if profile.layout == "records":
        mark_refs_loaded_elsewhere(normalised, engine, profile.id)
    return normalised


def mark_refs_loaded_elsewhere(normalised: NormalisedFile, engine: Engine, partner_id: str) -> None:
    """Flag references this partner already sent for a month the file does not replace."""
    frame = normalised.frame
    months = frame["month"].dropna()
    frame["ref_loaded_for_month"] = None
    if months.empty:
        return
    existing = refs_loaded_elsewhere(engine, partner_id, months.min().date(), months.max().date())
    if not existing.empty:
        month_by_ref = dict(zip(existing["contact_ref"], existing["month"], strict=True))
        elsewhere = frame["contact_ref"].map(month_by_ref)
        differs = elsewhere.notna() & (pd.to_datetime(elsewhere) != frame["month"])
        frame["ref_loaded_for_month"] = elsewhere.where(differs, None).astype("object")


def reject_file(
    engine: Engine,
    settings: Settings,
    entry: LedgerEntry,
    reason: str,
    report: ValidationReport | None = None,
) -> IngestOutcome:
    reason = clean_text(reason)  # it may quote partner or profile text
    submission_id = record_rejection(engine, entry, reason)
    outcome = IngestOutcome(
        entry.file_name,
        entry.partner_id,
        "rejected",
        entry.rows_read,
        reason=reason,
        submission_id=submission_id,
        validation=report,
    )
    return write_feedback(settings, outcome, entry.sha256)


def load_file(
    engine: Engine,
    settings: Settings,
    entry: LedgerEntry,
    normalised: NormalisedFile,
    keep: pd.Series,
    report: ValidationReport,
) -> IngestOutcome:
    """Load the rows to keep; the file replaces this partner's data for the months it covers."""
    months = normalised.frame.loc[keep, "month"]
    entry = replace(
        entry,
        status="loaded",
        rows_loaded=int(keep.sum()),
        rows_quarantined=int((~keep).sum()),
        first_month=months.min().date(),
        last_month=months.max().date(),
    )
    held_back = sorted((row, fail.rule) for fail in report.failures for row in fail.source_rows)
    try:
        result = load_submission(engine, entry, staging_frame(normalised, keep), held_back)
    except FileRejected as refusal:  # a value the database cannot hold: the file's own fault
        return reject_file(engine, settings, entry, refusal.message, report)
    if result.status == "duplicate":  # the same bytes arrived by another route meanwhile
        return IngestOutcome(
            entry.file_name, entry.partner_id, "duplicate", reason=str(result.duplicate_of)
        )
    outcome = IngestOutcome(
        entry.file_name,
        entry.partner_id,
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
    return write_feedback(settings, outcome, entry.sha256)


def write_feedback(settings: Settings, outcome: IngestOutcome, sha256: str) -> IngestOutcome:
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
    return replace(outcome, feedback_path=path)

"""Ingesting one partner file: the recipe behind `helpline ingest`, the inbox and the flows.

Check the file, read its table, clean it, normalise it, validate it, load it, write feedback.
Every file ends in the ledger, whatever became of it; the ledger's bookkeeping lives in
flows.ledger, the steps in this wing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from flows.core.canonical import NormalisedFile
from flows.core.error_details import save_traceback
from flows.core.errors import ConfigurationError, FileRejected, HelplineError, Interrupted
from flows.core.file_names import fitted_name
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.core.safe_text import clean_text, shortened
from flows.core.settings import Settings
from flows.intake.feedback import write_feedback_report
from flows.intake.normalise import normalise
from flows.intake.outcome import IngestOutcome
from flows.intake.partner_file import file_sha256, read_partner_file
from flows.intake.partner_totals import check_partner_totals
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import CellTable
from flows.intake.reading.contained_read import prepare_reader
from flows.intake.reading.header_tables import RawTable
from flows.intake.validation import (
    ValidationReport,
    preload_great_expectations,
    rows_to_keep,
    validate_file,
)
from flows.ledger.entries import (
    LedgerEntry,
    as_rejection,
    earlier_copy,
    record_duplicate,
    record_rejection,
)
from flows.ledger.load_ahead import LoadAhead
from flows.ledger.loading import (
    load_submission,
    loaded_entry,
    refs_loaded_elsewhere,
    staging_frame,
)

Stage = Callable[[str], object]
MAX_REASON_CHARACTERS = 1_000  # a reason quotes at most a few hundred characters of the file


def ingest_file(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    path: Path,
    on_stage: Stage | None = None,
) -> IngestOutcome:
    """Read, validate and load one file; on_stage hears each step's name (for progress bars).

    Whatever the file's content makes a step do, only that file is rejected: a FileRejected,
    and also an unexpected error or a reader panic before the load commits (it is the file that
    made the product fail). Configuration faults and outages are raised for the caller; Ctrl-C
    becomes Interrupted, which says whether the file was loaded.
    """
    progress = _Progress(on_stage or _quietly)
    prepare_reader()  # the reader's process starts while the file is hashed and looked up
    preload_great_expectations()  # and validation's imports load while the file is read
    entry = receive_file(path, profile)
    try:
        return _ingest(engine, settings, profile, path, entry, progress)
    except KeyboardInterrupt:
        raise Interrupted(entry.file_name, loaded=progress.committed) from None
    except FileRejected as rejection:
        if progress.committed:
            raise
        return reject_file(engine, settings, entry, rejection.message)
    except (HelplineError, SQLAlchemyError, psycopg.Error):  # the database's, not the file's
        raise
    except BaseException as error:
        if progress.committed or not is_file_fault(error):
            raise
        return reject_file(engine, settings, entry, unexpected_reason(settings, error))


class _Progress:
    """The stage reached, told to the caller; after `writing feedback` the load has committed."""

    def __init__(self, listener: Stage) -> None:
        self.listener = listener
        self.committed = False

    def __call__(self, stage: str) -> None:
        self.committed = self.committed or stage == COMMITTED_STAGE
        self.listener(stage)


COMMITTED_STAGE = "writing feedback"


def _ingest(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    path: Path,
    entry: LedgerEntry,
    stage: Stage,
) -> IngestOutcome:
    earlier = earlier_copy(engine, entry)
    if earlier is not None:
        return skip_duplicate(engine, entry, earlier)
    try:
        stage("reading")
        raw = read_partner_file(path, profile, settings)  # guards, read, clean, personal data
        normalised = normalise_file(engine, raw, profile)
    except FileRejected as rejection:
        return reject_file(engine, settings, entry, rejection.message)
    stage("validating")
    entry = replace(entry, rows_read=len(normalised.frame))
    ahead = load_ahead(engine, entry, normalised)
    try:
        report = check_partner_totals(validate_file(normalised, profile), raw)
        entry = replace(entry, validation=report.summary())
        keep = rows_to_keep(normalised, report, profile)
        if keep is None:
            return reject_file(engine, settings, entry, report.first_reason(), report, ahead)
        stage("loading")
        return load_file(engine, settings, entry, normalised, keep, report, stage, ahead)
    finally:
        ahead.abandon()  # after a commit, or on the way out of an error: nothing to undo


def _quietly(_stage: str) -> None:
    return None


def is_file_fault(error: BaseException) -> bool:
    """An error a file's content can cause: any Exception, or a reader's Rust panic (which
    derives from BaseException); never an exit, a generator closing or an interrupt."""
    if isinstance(error, Exception):
        return True
    return type(error).__name__ == "PanicException"


def unexpected_reason(settings: Settings, error: BaseException) -> str:
    """One line for the ledger and the feedback; the traceback kept under the state folder."""
    details = save_traceback(error, settings.state_dir / "errors")
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    where = f"; details in {details}" if details is not None else ""
    return (
        f"could not be processed ({type(error).__name__}: {shortened(text, 200)}); ask the "
        f"partner to save it again with only the contact table, and report it if it recurs{where}"
    )


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


def normalise_file(
    engine: Engine, raw: CellTable | RawTable, profile: PartnerProfile
) -> NormalisedFile:
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
    ahead: LoadAhead | None = None,
) -> IngestOutcome:
    """The rejection in the ledger (settling the load ahead, if one began) and its feedback."""
    reason = shortened(clean_text(reason), MAX_REASON_CHARACTERS)  # may quote partner text
    settled = ahead.finish(as_rejection(entry, reason)) if ahead is not None else None
    submission_id = (
        settled.submission_id if settled is not None else record_rejection(engine, entry, reason)
    )
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


def load_ahead(engine: Engine, entry: LedgerEntry, normalised: NormalisedFile) -> LoadAhead:
    """Every row's load, begun while the file is validated (flows.ledger.load_ahead)."""
    every_row = pd.Series(True, index=normalised.frame.index)
    return LoadAhead(
        engine,
        lambda: (loaded_entry(entry, normalised, every_row), staging_frame(normalised, every_row)),
    )


def load_file(
    engine: Engine,
    settings: Settings,
    entry: LedgerEntry,
    normalised: NormalisedFile,
    keep: pd.Series,
    report: ValidationReport,
    stage: Stage = _quietly,
    ahead: LoadAhead | None = None,
) -> IngestOutcome:
    """Load the rows to keep; the file replaces this partner's data for the months it covers.
    With a load ahead, only the rows held back are undone (when there are any)."""
    entry = loaded_entry(entry, normalised, keep)
    held_back = sorted((row, fail.rule) for fail in report.failures for row in fail.source_rows)
    result = None
    if ahead is not None:
        kept = None if keep.all() else staging_frame(normalised, keep)
        result = ahead.finish(entry, kept, tuple(held_back))
    if result is None:
        try:
            result = load_submission(engine, entry, staging_frame(normalised, keep), held_back)
        except FileRejected as refusal:  # a value the database cannot hold: the file's fault
            return reject_file(engine, settings, entry, refusal.message, report)
    stage(COMMITTED_STAGE)
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


def feedback_path(settings: Settings, outcome: IngestOutcome, sha256: str) -> Path:
    """output/feedback/<partner>/<name>-<sha256 prefix>.xlsx; a long name shortened and hashed."""
    folder = settings.output_dir / "feedback" / outcome.partner_id
    return folder / fitted_name(Path(outcome.file_name).stem, f"-{sha256[:8]}.xlsx")


def write_feedback(settings: Settings, outcome: IngestOutcome, sha256: str) -> IngestOutcome:
    path = feedback_path(settings, outcome, sha256)
    folder = path.parent
    try:
        path = write_feedback_report(outcome, path)
    except OSError as error:  # the outcome stands (it is in the ledger); say both in one line
        raise ConfigurationError(
            f"{outcome.line()}; but its feedback report could not be written to {folder} "
            f"({error.strerror or error}): choose a writable HELPLINE_OUTPUT_DIR."
        ) from None
    return replace(outcome, feedback_path=path)

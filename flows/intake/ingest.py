"""Ingesting one partner file: the recipe behind `helpline ingest`, the inbox and the flows.

Check the file, read its table, clean it, normalise it, validate it, load it, write feedback.
Every file ends in the ledger, whatever became of it; the ledger's bookkeeping lives in
flows.ledger, the steps in this wing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

import pandas as pd
import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from flows.core.allocation import return_freed_memory
from flows.core.canonical import NormalisedFile
from flows.core.errors import (
    ConfigurationError,
    FileRejected,
    HelplineError,
    Interrupted,
)
from flows.core.file_names import fitted_name
from flows.core.force_areas import ForceAreaResolver, load_force_areas
from flows.core.safe_text import clean_text, shortened
from flows.core.settings import Settings
from flows.intake.crosstab.melted_file import CrosstabTable
from flows.intake.feedback import write_feedback_report
from flows.intake.file_faults import is_file_fault, unexpected_reason
from flows.intake.force_names import explain_force_names
from flows.intake.hidden_cells import totals_explained
from flows.intake.normalise import normalise
from flows.intake.outcome import IngestOutcome
from flows.intake.partner_file import read_partner_file
from flows.intake.partner_totals import check_partner_totals
from flows.intake.profiles import PartnerProfile
from flows.intake.reading.cell_columns import CellTable
from flows.intake.reading.contained_read import prepare_reader
from flows.intake.reading.header_tables import RawTable
from flows.intake.snapshot import Snapshot, file_snapshot
from flows.intake.validation import (
    ValidationReport,
    preload_great_expectations,
    rows_to_keep,
    validate_file,
)
from flows.ledger.early_load import EarlyLoad
from flows.ledger.loading import (
    LoadResult,
    load_submission,
    loaded_entry,
    refs_loaded_elsewhere,
    staging_frame,
)
from flows.ledger.submissions import LedgerEntry, earlier_copy, record_duplicate, record_rejection

Stage = Callable[[str], object]
MAX_REASON_CHARACTERS = 1_000  # a reason quotes at most a few hundred characters of the file


def ingest_file(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    path: Path,
    on_stage: Stage | None = None,
) -> IngestOutcome:
    """Read, validate and load one file through its private snapshot (flows.intake.snapshot);
    on_stage hears each step's name (for progress bars)."""
    start_warming_up()
    with file_snapshot(path, snapshot_folder(settings)) as snapshot:
        return ingest_snapshot(engine, settings, profile, snapshot, on_stage)


def start_warming_up() -> None:
    """The reader's process starts while the file is copied and hashed, and validation's
    imports load in a thread while it is read; both happen once per process, as does the
    choice of allocators that give freed memory back (flows.core.allocation)."""
    return_freed_memory()
    prepare_reader()
    preload_great_expectations()


def snapshot_folder(settings: Settings) -> Path:
    """Where partner files are copied while they are ingested: private, under the state folder."""
    return settings.state_dir / "snapshots"


def ingest_snapshot(
    engine: Engine,
    settings: Settings,
    profile: PartnerProfile,
    snapshot: Snapshot,
    on_stage: Stage | None = None,
) -> IngestOutcome:
    """Read, validate and load one file's snapshot: the ledger's hash is the snapshot's.

    Whatever the file's content makes a step do, only that file is rejected: a FileRejected,
    and also an unexpected error or a reader panic before the load commits (it is the file that
    made the product fail). Configuration faults and outages are raised for the caller; Ctrl-C
    becomes Interrupted, which says whether the file was loaded.
    """
    progress = _Progress(on_stage or _quietly)
    entry = receive_file(snapshot, profile)
    try:
        return _ingest(engine, settings, profile, snapshot.path, entry, progress)
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
    """The stage reached, told to the caller; at `loaded` the load has committed."""

    def __init__(self, listener: Stage) -> None:
        self.listener = listener
        self.committed = False

    def __call__(self, stage: str) -> None:
        self.committed = self.committed or stage == COMMITTED_STAGE
        self.listener(stage)


COMMITTED_STAGE = "loaded"


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
        raw, notes = read_partner_file(path, profile, settings)  # guards, read, clean, ...
        normalised = normalise_file(engine, raw, profile)
        crosstab = raw if isinstance(raw, CrosstabTable) else None  # for its Totals
        del raw  # the examples quote normalised.raw_values: the table itself is let go
    except FileRejected as rejection:
        return reject_file(engine, settings, entry, rejection.message)
    stage("validating")
    with start_loading(engine, entry, normalised) as early:  # copies while this validates
        resolver = ForceAreaResolver(load_force_areas(), profile.values.force_area)
        report = explain_force_names(validate_file(normalised, profile), resolver)
        report = check_partner_totals(report, crosstab)
        report = replace(report, notes=report.notes + notes)
        entry = replace(entry, rows_read=len(normalised.frame), validation=report.summary())
        keep = rows_to_keep(normalised, report, profile)
        if keep is not None:
            stage("loading")
            return load_file(engine, settings, entry, normalised, keep, report, stage, early)
    reason = totals_explained(report.first_reason(), notes)
    return reject_file(engine, settings, entry, reason, report)


def _quietly(_stage: str) -> None:
    return None


def start_loading(
    engine: Engine, entry: LedgerEntry, normalised: NormalisedFile
) -> AbstractContextManager[EarlyLoad | None]:
    """A records file's rows start copying into its load transaction now (flows.ledger.
    early_load); a counts file has only its summed rows, copied when it is accepted."""
    if entry.layout != "records":
        return nullcontext(None)
    every = pd.Series(True, index=normalised.frame.index)
    return EarlyLoad(engine, entry, staging_frame(normalised, every))


def receive_file(snapshot: Snapshot, profile: PartnerProfile) -> LedgerEntry:
    """The ledger's view of a file before it is read: its snapshot's fingerprint (zeros when the
    file could not be opened: the read says why) and its (clean) name."""
    name = clean_text(snapshot.origin.name)  # a file name, like a cell, can hold control chars
    return LedgerEntry(
        profile.id, snapshot.sha256, name, profile.layout, rows_read=0, status="rejected"
    )


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
) -> IngestOutcome:
    """The feedback report first, then the ledger row: a report that cannot be written (a full
    disk) records nothing, so the retried file gets one ledger row, not one per attempt."""
    reason = shortened(clean_text(reason), MAX_REASON_CHARACTERS)  # may quote partner text
    outcome = IngestOutcome(
        entry.file_name,
        entry.partner_id,
        "rejected",
        entry.rows_read,
        reason=reason,
        validation=report,
    )
    written = write_feedback(settings, outcome, entry.sha256)
    submission_id = record_rejection(engine, entry, reason)
    return replace(written, submission_id=submission_id)


def load_file(
    engine: Engine,
    settings: Settings,
    entry: LedgerEntry,
    normalised: NormalisedFile,
    keep: pd.Series,
    report: ValidationReport,
    stage: Stage = _quietly,
    early: EarlyLoad | None = None,
) -> IngestOutcome:
    """Load the rows to keep; the file replaces this partner's data for the months it covers.

    The feedback report is written before the load commits (it names no submission): a report
    that cannot be written leaves the database and the ledger as they were."""
    entry = loaded_entry(entry, normalised, keep)
    outcome = IngestOutcome(
        entry.file_name,
        entry.partner_id,
        "accepted",
        entry.rows_read,
        entry.rows_loaded,
        entry.rows_quarantined,
        entry.first_month,
        entry.last_month,
        validation=report,
    )
    outcome = write_feedback(settings, outcome, entry.sha256)
    try:
        result = commit_load(engine, entry, normalised, keep, report, early)
    except FileRejected as refusal:  # a value the database cannot hold: the file's own fault
        return reject_file(engine, settings, entry, refusal.message, report)
    except BaseException:
        _remove(outcome.feedback_path)  # it would say "Accepted" of a file that was not loaded
        raise
    stage(COMMITTED_STAGE)
    if result.status == "duplicate":  # the same bytes arrived by another route meanwhile
        _remove(outcome.feedback_path)
        return IngestOutcome(
            entry.file_name, entry.partner_id, "duplicate", reason=str(result.duplicate_of)
        )
    return replace(
        outcome, replaced_months=result.replaced_months, submission_id=result.submission_id
    )


def commit_load(
    engine: Engine,
    entry: LedgerEntry,
    normalised: NormalisedFile,
    keep: pd.Series,
    report: ValidationReport,
    early: EarlyLoad | None = None,
) -> LoadResult:
    """The early copy committed when every row is kept; otherwise it is rolled back and the rows
    to keep are loaded, the others recorded as quarantined."""
    if early is not None and bool(keep.all()):
        result = early.finish(entry)
        if result is not None:
            return result
    elif early is not None:
        early.abandon()
    held_back = sorted((row, fail.rule) for fail in report.failures for row in fail.source_rows)
    return load_submission(engine, entry, staging_frame(normalised, keep), held_back)


def feedback_path(settings: Settings, outcome: IngestOutcome, sha256: str) -> Path:
    """output/feedback/<partner>/<name>-<sha256 prefix>.xlsx; a long name shortened and hashed."""
    folder = settings.output_dir / "feedback" / outcome.partner_id
    return folder / fitted_name(Path(outcome.file_name).stem, f"-{sha256[:8]}.xlsx")


def write_feedback(settings: Settings, outcome: IngestOutcome, sha256: str) -> IngestOutcome:
    """The report, or one line saying the machine could not write it (a full disk, a read-only
    folder): a fault of ours, not the file's, raised before anything is recorded."""
    path = feedback_path(settings, outcome, sha256)
    folder = path.parent
    try:
        path = write_feedback_report(outcome, path)
    except OSError as error:
        _remove(path)  # a half-written workbook would not open
        raise ConfigurationError(
            f"{outcome.file_name}: nothing loaded or recorded: its feedback report could not be "
            f"written to {clean_text(str(folder))} ({error.strerror or error}): free some space "
            "or choose a writable HELPLINE_OUTPUT_DIR, then ingest the file again."
        ) from None
    return replace(outcome, feedback_path=path)


def _remove(path: Path | None) -> None:
    try:
        if path is not None:
            path.unlink(missing_ok=True)
    except OSError:  # the report is a courtesy; the outcome stands without it
        return

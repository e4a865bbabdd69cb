"""The inbox sweep: each waiting partner file is ingested, then filed as processed or rejected."""

from __future__ import annotations

import logging
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.core.errors import ConfigurationError
from flows.core.file_names import fitted_name
from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.inbox_claims import claim_file
from flows.intake.ingest import ingest_snapshot, snapshot_folder, start_warming_up
from flows.intake.outcome import IngestOutcome
from flows.intake.profiles import PARTNER_ID, find_profile
from flows.intake.snapshot import Snapshot, file_snapshot
from flows.intake.sweep_checks import (
    RESERVED_FOLDERS,
    check_sweep_folders,
    check_sweep_profiles,
)

log = logging.getLogger(__name__)
NAME_MAX = 255  # bytes in one file name on the usual file systems
# Names that office software and browsers give files that are still being written.
_TEMPORARY_PREFIXES = ("~$", ".", "~")
_TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
SETTLE_SECONDS = 2.0


@dataclass(frozen=True)
class WaitingFile:
    partner_id: str
    path: Path


def is_temporary(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith(_TEMPORARY_PREFIXES) or name.endswith(_TEMPORARY_SUFFIXES)


def is_settled(path: Path, settle_seconds: float = SETTLE_SECONDS) -> bool:
    """Unchanged for settle_seconds and the same size a moment later: not still being written."""
    first = path.stat()
    if time.time() - first.st_mtime < settle_seconds:
        return False
    time.sleep(0.2)
    second = path.stat()
    return (first.st_size, first.st_mtime) == (second.st_size, second.st_mtime)


def list_waiting_files(inbox: Path, settle_seconds: float = SETTLE_SECONDS) -> list[WaitingFile]:
    """Files ready to ingest, oldest first; anything outside the inbox ignored, and entries
    that are not regular files (symlinks, FIFOs, folders, devices) left where they are, with
    one warning per sweep naming them."""
    if not inbox.is_dir():
        return []
    root = inbox.resolve()
    waiting: list[tuple[float, str, WaitingFile]] = []
    irregular: list[str] = []
    for folder in sorted(inbox.iterdir()):
        if folder.name in RESERVED_FOLDERS or not folder.is_dir() or folder.is_symlink():
            continue
        if not PARTNER_ID.match(folder.name):
            continue
        for path in sorted(folder.iterdir()):
            if is_temporary(path):
                continue
            kind = irregular_kind(path)
            if kind is not None:
                irregular.append(f"{clean_text(folder.name)}/{clean_text(path.name)} ({kind})")
                continue
            if path.resolve().parent != root / folder.name:
                continue
            if not is_settled(path, settle_seconds):
                continue
            waiting.append((path.stat().st_mtime, path.name, WaitingFile(folder.name, path)))
    if irregular:
        log.warning(
            "Left in the inbox, not regular files: %s; replace each with the file itself, or "
            "remove it.",
            ", ".join(irregular),
        )
    return [item for _, _, item in sorted(waiting)]


def irregular_kind(path: Path) -> str | None:
    """What an inbox entry is when it is not a regular file (None when it is one)."""
    try:
        mode = path.lstat().st_mode
    except OSError:  # gone meanwhile: nothing to say
        return None
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a device"


def file_away(path: Path, destination: Path, feedback: Path | None) -> Path:
    """Move the file (and its feedback report beside it) without overwriting an earlier one.

    The file keeps its name, with a counter when that name is taken; the feedback copy's name is
    shortened and hashed when the partner's name leaves no room for `.feedback.xlsx`.
    """
    try:
        destination.mkdir(parents=True, exist_ok=True)
        target = destination / path.name
        counter = 1
        while target.exists():
            target = destination / fitted_name(f"{path.stem}.{counter}", path.suffix, NAME_MAX)
            counter += 1
        shutil.move(str(path), target)
        if feedback is not None and feedback.is_file():
            shutil.copy2(feedback, destination / fitted_name(target.stem, ".feedback.xlsx"))
    except OSError as error:
        raise ConfigurationError(
            f"Cannot move {clean_text(path.name)} to {clean_text(str(destination))} "
            f"({error.strerror or error}): choose a writable HELPLINE_INBOX_DIR."
        ) from None
    return target


@dataclass(frozen=True)
class SweepResult:
    """One waiting file after a sweep: ingested (see outcome) or left in the inbox."""

    partner_id: str
    file_name: str
    outcome: IngestOutcome | None  # None: no profile, or another sweep is ingesting it
    reason: str | None = None
    taken_by_another_sweep: bool = False

    @property
    def state(self) -> str:
        if self.taken_by_another_sweep:
            return "taken by another sweep"
        return self.outcome.status if self.outcome is not None else "left in the inbox"

    @property
    def ok(self) -> bool:
        return self.taken_by_another_sweep or (self.outcome is not None and self.outcome.ok)

    def line(self) -> str:
        if self.taken_by_another_sweep:
            return f"{self.partner_id}/{self.file_name}: left to the sweep already ingesting it"
        if self.outcome is None:
            return f"{self.partner_id}/{self.file_name}: left in the inbox: {self.reason}"
        return f"{self.partner_id}/{self.outcome.line()}"

    @property
    def detail(self) -> str:
        """The line without the file's name: what became of the file, and why."""
        if self.taken_by_another_sweep:
            return "left to the sweep already ingesting it"
        if self.outcome is None:
            return f"left in the inbox: {self.reason}"
        return self.outcome.line().removeprefix(f"{self.outcome.file_name}: ")

    @property
    def validation_note(self) -> str:
        """What validation made of the file: every file of a sweep gets one, even unread ones."""
        outcome = self.outcome
        if self.taken_by_another_sweep:
            return "not validated here: another sweep is ingesting it"
        if outcome is None:
            return f"not validated, left in the inbox: {self.reason}"
        if outcome.status == "duplicate":
            return f"not validated, a duplicate of submission {outcome.reason}"
        report = outcome.validation
        if report is None:
            return f"rejected before validation: {outcome.reason}"
        broken = "; ".join(f"{f.rule} ({f.rows_affected} rows)" for f in report.failures)
        if outcome.status == "rejected":
            return f"rejected by validation: {broken or outcome.reason}"
        return f"accepted, failing rows quarantined: {broken}" if broken else "every rule passed"


def sweep_file(engine: Engine, settings: Settings, waiting: WaitingFile) -> SweepResult:
    """Ingest one waiting file and file it under processed/ or rejected/ with its feedback.

    Anything the file's content causes rejects this file only (ingest_snapshot sees to that), so the
    sweep goes on with the next; a configuration fault or an outage is raised to stop or retry.
    """
    name = clean_text(waiting.path.name)
    try:
        profile = find_profile(settings.partners_dir, waiting.partner_id)
    except ConfigurationError as problem:
        log.warning("%s/%s: left in the inbox: %s", waiting.partner_id, name, problem.message)
        return SweepResult(waiting.partner_id, name, None, problem.message)
    with claim_file(engine, f"{waiting.partner_id}/{waiting.path.name}", waiting.path) as claimed:
        if not claimed:
            return SweepResult(waiting.partner_id, name, None, taken_by_another_sweep=True)
        start_warming_up()
        with file_snapshot(waiting.path, snapshot_folder(settings)) as snapshot:
            outcome = ingest_snapshot(engine, settings, profile, snapshot)
            folder = settings.inbox_dir / (
                "rejected" if outcome.status == "rejected" else "processed"
            )
            file_snapshot_away(snapshot, folder / waiting.partner_id, outcome.feedback_path)
    return SweepResult(waiting.partner_id, name, outcome, outcome.reason)


def file_snapshot_away(snapshot: Snapshot, destination: Path, feedback: Path | None) -> Path:
    """File the bytes that were ingested (the snapshot), then remove the original from the
    inbox, unless it was replaced or rewritten meanwhile: that is a new file, left in the
    inbox for the next sweep rather than filed under the old file's outcome."""
    if not snapshot.taken:  # never opened (gone, or not readable): file it as it is, if here
        return file_away(snapshot.origin, destination, feedback)
    filed = file_away(snapshot.path, destination, feedback)
    if snapshot.origin_unchanged():
        try:
            snapshot.origin.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise ConfigurationError(
                f"Cannot remove {clean_text(snapshot.origin.name)} from the inbox after filing "
                f"it ({error.strerror or error}): choose a writable HELPLINE_INBOX_DIR."
            ) from None
    else:
        log.warning(
            "%s changed while it was being ingested; the new version is left in the inbox for "
            "the next sweep.",
            clean_text(snapshot.origin.name),
        )
    return filed


def sweep_plan(settings: Settings, settle_seconds: float = SETTLE_SECONDS) -> list[WaitingFile]:
    """The files a sweep takes, oldest first, once its folders and profiles are known good."""
    waiting = list_waiting_files(settings.inbox_dir, settle_seconds)
    if waiting:
        check_sweep_folders(settings)
        check_sweep_profiles(settings, (item.partner_id for item in waiting))
    return waiting


def sweep_inbox(
    engine: Engine,
    settings: Settings,
    say: Callable[[str], object] = print,
    settle_seconds: float = SETTLE_SECONDS,
) -> list[SweepResult]:
    """Every settled file, oldest first; one result (and one line said) per file."""
    results = []
    for waiting in sweep_plan(settings, settle_seconds):
        result = sweep_file(engine, settings, waiting)
        say(result.line())
        results.append(result)
    return results

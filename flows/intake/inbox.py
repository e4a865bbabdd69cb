"""The inbox sweep: each waiting partner file is ingested, then filed as processed or rejected."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from flows.core.errors import ConfigurationError
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.outcome import IngestOutcome
from flows.intake.profiles import PARTNER_ID, find_profile

RESERVED_FOLDERS = {"processed", "rejected"}
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
    """Files ready to ingest, oldest first; symlinks and anything outside the inbox ignored."""
    if not inbox.is_dir():
        return []
    root = inbox.resolve()
    waiting: list[tuple[float, str, WaitingFile]] = []
    for folder in sorted(inbox.iterdir()):
        if folder.name in RESERVED_FOLDERS or not folder.is_dir() or folder.is_symlink():
            continue
        if not PARTNER_ID.match(folder.name):
            continue
        for path in sorted(folder.iterdir()):
            if path.is_symlink() or not path.is_file() or is_temporary(path):
                continue
            if path.resolve().parent != root / folder.name:
                continue
            if not is_settled(path, settle_seconds):
                continue
            waiting.append((path.stat().st_mtime, path.name, WaitingFile(folder.name, path)))
    return [item for _, _, item in sorted(waiting)]


def file_away(path: Path, destination: Path, feedback: Path | None) -> Path:
    """Move the file (and its feedback report beside it) without overwriting an earlier one."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / path.name
    counter = 1
    while target.exists():
        target = destination / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    shutil.move(str(path), target)
    if feedback is not None and feedback.is_file():
        shutil.copy2(feedback, destination / f"{target.stem}.feedback.xlsx")
    return target


def sweep_inbox(
    engine: Engine,
    settings: Settings,
    say: Callable[[str], object] = print,
    settle_seconds: float = SETTLE_SECONDS,
) -> list[IngestOutcome]:
    inbox = settings.inbox_dir
    outcomes = []
    for waiting in list_waiting_files(inbox, settle_seconds):
        try:
            profile = find_profile(settings.partners_dir, waiting.partner_id)
        except ConfigurationError as problem:
            say(f"{waiting.partner_id}/{waiting.path.name}: left in the inbox: {problem.message}")
            continue
        outcome = ingest_file(engine, settings, profile, waiting.path)
        folder = "rejected" if outcome.status == "rejected" else "processed"
        file_away(waiting.path, inbox / folder / waiting.partner_id, outcome.feedback_path)
        say(f"{waiting.partner_id}/{outcome.line()}")
        outcomes.append(outcome)
    return outcomes

"""One private copy of a partner file: the bytes hashed are the bytes read and the bytes filed.

A file is opened once and copied into a private folder (mode 0700) while it is hashed. The read,
the ledger's hash and the inbox's filing all use that copy, so a file replaced or rewritten at
its path while it is ingested can never lend its hash to another file's figures.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flows.core.errors import ConfigurationError
from flows.core.safe_text import clean_text

CHUNK = 1 << 20
UNREAD_SHA256 = "0" * 64  # the ledger's hash of a file that could not be opened
PREFIX = "helpline-snapshot-"
STALE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Snapshot:
    """The private copy (same file name as the original) and what the original was then."""

    path: Path
    sha256: str
    origin: Path
    identity: tuple[int, int, int, int] | None  # device, inode, size, mtime of the original

    @property
    def taken(self) -> bool:
        return self.identity is not None

    def origin_unchanged(self) -> bool:
        """The original path still holds the very file that was copied (same inode, size and
        modification time): only then may filing remove it."""
        if self.identity is None:
            return False
        try:
            return _identity(self.origin.lstat()) == self.identity
        except OSError:
            return False


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


@contextmanager
def file_snapshot(path: Path, folder: Path | None = None) -> Iterator[Snapshot]:
    """A private copy of path, in a new folder under `folder` (the state folder's snapshots;
    default: the system's temporary folder), for the length of the block; removed afterwards.

    A file that cannot be opened (gone, unreadable, not a regular file) gives an untaken
    snapshot whose path is the original: the read then says what is wrong with it, in the
    file's terms. A copy that cannot be written (a full disk) is the machine's fault:
    ConfigurationError, before anything is recorded.
    """
    private = _private_folder(folder)
    try:
        copy = private / path.name
        try:
            source = _open_source(path)
        except (OSError, ValueError):  # ValueError: a name the file system cannot hold
            yield Snapshot(path, UNREAD_SHA256, path, None)
            return
        sha256, identity = _copy_hashing(source, copy, private)
        yield Snapshot(copy, sha256, path, identity)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _private_folder(folder: Path | None) -> Path:
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            _remove_stale(folder)
        return Path(tempfile.mkdtemp(prefix=PREFIX, dir=folder))
    except OSError as error:
        raise _cannot_copy(folder, error) from None


def _remove_stale(folder: Path) -> None:
    """Copies left by a process that was killed (they hold partner data): gone after a day,
    long after any ingest still using one would have finished."""
    cutoff = time.time() - STALE_SECONDS
    for stale in folder.glob(f"{PREFIX}*"):
        try:
            if stale.lstat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def _cannot_copy(folder: Path | None, error: OSError) -> ConfigurationError:
    where = clean_text(str(folder)) if folder is not None else "the temporary folder"
    return ConfigurationError(
        f"Cannot make the private copy of a partner file in {where} "
        f"({error.strerror or error}): free some space or choose a writable HELPLINE_STATE_DIR; "
        "nothing was recorded."
    )


def _open_source(path: Path) -> BinaryIO:
    # Non-blocking: a FIFO given as a file must not hang the command (it is refused below).
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    reading = os.fdopen(handle, "rb")
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        reading.close()
        raise IsADirectoryError(path)
    return reading


def _copy_hashing(
    reading: BinaryIO, target: Path, folder: Path
) -> tuple[str, tuple[int, int, int, int]]:
    digest = hashlib.sha256()
    with reading:
        status = os.fstat(reading.fileno())
        try:
            with target.open("xb") as writing:
                os.fchmod(writing.fileno(), 0o600)
                for chunk in iter(lambda: reading.read(CHUNK), b""):
                    digest.update(chunk)
                    writing.write(chunk)
        except OSError as error:
            raise _cannot_copy(folder.parent, error) from None
    return digest.hexdigest(), _identity(status)

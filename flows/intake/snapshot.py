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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
UNREAD_SHA256 = "0" * 64  # the ledger's hash of a file that could not be opened


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
def file_snapshot(path: Path) -> Iterator[Snapshot]:
    """A private copy of path for the length of the block, removed afterwards.

    A file that cannot be opened (gone, unreadable, a folder) gives an untaken snapshot whose
    path is the original: the read then says what is wrong with it, in the file's terms.
    """
    folder = Path(tempfile.mkdtemp(prefix="helpline-snapshot-"))
    try:
        copy = folder / path.name
        try:
            sha256, identity = _copy_hashing(path, copy)
        except (OSError, ValueError):  # ValueError: a name the file system cannot hold
            yield Snapshot(path, UNREAD_SHA256, path, None)
            return
        yield Snapshot(copy, sha256, path, identity)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy_hashing(source: Path, target: Path) -> tuple[str, tuple[int, int, int, int]]:
    digest = hashlib.sha256()
    # Non-blocking: a FIFO given as a file must not hang the command (it is refused below).
    handle = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(handle, "rb") as reading:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise IsADirectoryError(source)
        with target.open("xb") as writing:
            os.fchmod(writing.fileno(), 0o600)
            for chunk in iter(lambda: reading.read(CHUNK), b""):
                digest.update(chunk)
                writing.write(chunk)
    return digest.hexdigest(), _identity(status)

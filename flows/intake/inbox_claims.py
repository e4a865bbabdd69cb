"""One sweep at a time per inbox file: two sweeps started together never ingest the same file.

A sweep holds an exclusive lock (flock) on the file while it ingests and files it away. Another
sweep that listed the same file finds it locked, or already moved, and leaves it alone.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def claim_file(path: Path) -> Iterator[bool]:
    """True while this process alone holds the file at path; False if another sweep has it.

    After the lock is taken the path is checked again: the holder before us may have moved
    the file away (same inode, another folder) just before letting go.
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            still_here = path.lstat().st_ino == os.fstat(handle).st_ino
        except FileNotFoundError:
            still_here = False
        yield still_here
    finally:
        os.close(handle)  # closing releases the lock

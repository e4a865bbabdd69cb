"""The private snapshot of a partner file: the bytes hashed are the bytes read and filed."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

import pytest

from flows.core.errors import ConfigurationError
from flows.intake.snapshot import PREFIX, UNREAD_SHA256, file_snapshot


def test_the_snapshot_is_a_private_copy_hashed_as_copied(tmp_path: Path) -> None:
    original = tmp_path / "jan.xlsx"
    original.write_bytes(b"PK\x03\x04 some bytes" * 1000)
    with file_snapshot(original, tmp_path / "snapshots") as snapshot:
        assert snapshot.taken and snapshot.path != original
        assert snapshot.path.name == "jan.xlsx"
        assert snapshot.path.read_bytes() == original.read_bytes()
        assert snapshot.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
        assert stat.S_IMODE(snapshot.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(snapshot.path.parent.stat().st_mode) == 0o700
        assert snapshot.origin_unchanged()
        replacement = tmp_path / "new"
        replacement.write_bytes(b"other")
        os.replace(replacement, original)
        assert not snapshot.origin_unchanged()
        copy = snapshot.path
    assert not copy.exists() and not copy.parent.exists()


@pytest.mark.parametrize("kind", ["missing", "fifo", "folder"])
def test_what_cannot_be_opened_is_left_to_the_read(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    with file_snapshot(path, tmp_path / "snapshots") as snapshot:
        assert not snapshot.taken
        assert (snapshot.path, snapshot.sha256) == (path, UNREAD_SHA256)
        assert not snapshot.origin_unchanged()


def test_a_snapshot_folder_that_cannot_be_written_is_a_configuration_fault(
    tmp_path: Path,
) -> None:
    original = tmp_path / "jan.csv"
    original.write_text("Ref\n", encoding="utf-8")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised, file_snapshot(original, blocked / "s"):
        pass
    assert raised.value.message.startswith(
        f"Cannot make the private copy of a partner file in {blocked}/s ("
    )
    assert raised.value.message.endswith(
        "): free some space or choose a writable HELPLINE_STATE_DIR; nothing was recorded."
    )


def test_copies_left_by_a_killed_process_are_removed_after_a_day(tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    stale, fresh = folder / f"{PREFIX}old", folder / f"{PREFIX}new"
    for left in (stale, fresh):
        left.mkdir(parents=True)
        (left / "partner.xlsx").write_bytes(b"partner data")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    original = tmp_path / "jan.csv"
    original.write_text("Ref\n", encoding="utf-8")
    with file_snapshot(original, folder):
        assert not stale.exists() and fresh.exists()

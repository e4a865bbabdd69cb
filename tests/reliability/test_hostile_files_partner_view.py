"""Hostile files, the partner's view: what is loaded is exactly what the partner sees, and what
goes wrong on our side (a full disk, a bad profile) is never blamed on the file.

Category "hostile files" (with test_hostile_files_reading.py and _operations.py). Each case
asserts the one line said, the ledger row and the database: unchanged, or holding exactly the
figures the partner can see.
"""

from __future__ import annotations

import errno
import hashlib
import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.core.errors import ConfigurationError
from flows.core.settings import Settings
from flows.intake import ingest as ingest_module
from flows.intake.inbox import sweep_inbox
from flows.intake.ingest import ingest_file
from flows.intake.partner_file import read_partner_file
from flows.intake.profiles import find_profile
from tests.db_state import current_totals, ledger, row_counts
from tests.partner_files import records, write_xlsx
from tests.reliability.conftest import CaseLog

pytestmark = [pytest.mark.integration]

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)
LANCASHIRE, MERSEYSIDE = "E23000003", "E23000004"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ledger_hashes(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT file_name, status, sha256 FROM helpline.submissions ORDER BY id")
        )
        return [(r.file_name, r.status, r.sha256) for r in rows]


def swapping_read(
    monkeypatch: pytest.MonkeyPatch, original: Path, replacement: bytes
) -> list[Path]:
    """Replace the file at `original` (a new inode, as a partner's re-save does) after it is
    hashed and before it is read; the paths read are returned for the test to inspect."""
    real = read_partner_file
    read: list[Path] = []

    def swap_then_read(path: Path, *args: object, **kwargs: object) -> object:
        if not read:
            swapped = original.with_name(original.name + ".new")
            swapped.write_bytes(replacement)
            os.replace(swapped, original)
        read.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "read_partner_file", swap_then_read)
    return read


# ---- 1. one snapshot per file ----------------------------------------------------------------


def test_a_file_replaced_between_hash_and_read_loads_the_bytes_hashed(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
) -> None:
    profile = find_profile(partner_settings.partners_dir, "t-records")
    path = write_xlsx(tmp_path / "jan.xlsx", records("J", JAN, "Lancashire", 6))
    first_bytes = path.read_bytes()
    second = write_xlsx(tmp_path / "other" / "jan.xlsx", records("K", FEB, "Merseyside", 9))
    second_bytes = second.read_bytes()
    with cases.case():
        read = swapping_read(monkeypatch, path, second_bytes)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert (
            outcome.line()
            == "jan.xlsx: accepted, 6 rows, months Jan 2018 to Jan 2018 (submission 1)"
        )
        assert read[0] != path  # the private copy was read, not the path
        assert ledger_hashes(engine) == [
            ("jan.xlsx", "loaded", hashlib.sha256(first_bytes).hexdigest())
        ]
        assert current_totals(engine) == {("t-records", JAN, LANCASHIRE): 6}
        assert path.read_bytes() == second_bytes  # the partner's new file is untouched
    with cases.case():  # the new file is new: it loads, it is not "skipped, duplicate"
        monkeypatch.setattr(ingest_module, "read_partner_file", read_partner_file_unpatched)
        outcome = ingest_file(engine, partner_settings, profile, path)
        assert (
            outcome.line()
            == "jan.xlsx: accepted, 9 rows, months Feb 2018 to Feb 2018 (submission 2)"
        )
        assert [row[2] for row in ledger_hashes(engine)] == [
            hashlib.sha256(first_bytes).hexdigest(),
            hashlib.sha256(second_bytes).hexdigest(),
        ]
        assert current_totals(engine) == {
            ("t-records", JAN, LANCASHIRE): 6,
            ("t-records", FEB, MERSEYSIDE): 9,
        }


read_partner_file_unpatched = read_partner_file


def settled(path: Path) -> Path:
    old = path.stat().st_mtime - 600
    os.utime(path, (old, old))
    return path


def test_an_inbox_file_replaced_during_its_sweep_files_what_was_read(
    engine: Engine,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
) -> None:
    inbox = partner_settings.inbox_dir
    path = settled(write_xlsx(inbox / "t-records" / "jan.xlsx", records("J", JAN, "Lancs", 4)))
    first_bytes = path.read_bytes()
    second_bytes = write_xlsx(
        partner_settings.state_dir / "jan.xlsx", records("K", FEB, "Lancs", 7)
    ).read_bytes()
    said: list[str] = []
    with cases.case():
        swapping_read(monkeypatch, path, second_bytes)
        sweep_inbox(engine, partner_settings, said.append, settle_seconds=0)
        assert said == [
            "t-records/jan.xlsx: accepted, 4 rows, months Jan 2018 to Jan 2018 (submission 1)"
        ]
        filed = inbox / "processed" / "t-records" / "jan.xlsx"
        assert filed.read_bytes() == first_bytes  # the bytes hashed and read are those filed
        assert path.read_bytes() == second_bytes  # the new version waits for the next sweep
        assert ledger_hashes(engine) == [("jan.xlsx", "loaded", sha256_of(filed))]
    with cases.case():
        monkeypatch.setattr(ingest_module, "read_partner_file", read_partner_file_unpatched)
        settled(path)
        said.clear()
        sweep_inbox(engine, partner_settings, said.append, settle_seconds=0)
        assert said == [
            "t-records/jan.xlsx: accepted, 7 rows, months Feb 2018 to Feb 2018 (submission 2)"
        ]
        assert not path.exists()
        assert (inbox / "processed" / "t-records" / "jan.1.xlsx").read_bytes() == second_bytes
        assert current_totals(engine) == {
            ("t-records", JAN, LANCASHIRE): 4,
            ("t-records", FEB, LANCASHIRE): 7,
        }


# ---- 7. a full disk is the machine's fault, and a retry adds no second ledger row -------------


def no_space(*_args: object, **_kwargs: object) -> Path:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    ("rows", "status"),
    [
        (records("J", JAN, "Lancashire", 5), "loaded"),
        ([["J1", "not a date", "Lancashire", "Child"]], "rejected"),
    ],
)
def test_a_full_disk_while_writing_feedback_records_nothing_until_retried(
    engine: Engine,
    partner_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    cases: CaseLog,
    rows: list[list[object]],
    status: str,
) -> None:
    inbox = partner_settings.inbox_dir
    path = settled(write_xlsx(inbox / "t-records" / "jan.xlsx", rows))
    folder = partner_settings.output_dir / "feedback" / "t-records"
    counts = row_counts(engine)
    with cases.case():
        monkeypatch.setattr(ingest_module, "write_feedback_report", no_space)
        with pytest.raises(ConfigurationError) as raised:
            sweep_inbox(engine, partner_settings, print, settle_seconds=0)
        assert raised.value.message == (
            f"jan.xlsx: nothing loaded or recorded: its feedback report could not be written to "
            f"{folder} (No space left on device): free some space or choose a writable "
            "HELPLINE_OUTPUT_DIR, then ingest the file again."
        )
        assert ledger(engine) == []
        assert row_counts(engine) == counts
        assert path.is_file()  # left in the inbox for the retry
        assert not folder.exists() or list(folder.iterdir()) == []
    for attempt in range(2):  # the retry records the file once; a third sweep finds nothing
        with cases.case():
            monkeypatch.undo()
            sweep_inbox(engine, partner_settings, print, settle_seconds=0)
            assert [row[2] for row in ledger(engine)] == [status], attempt
    expected = {("t-records", JAN, LANCASHIRE): 5} if status == "loaded" else {}
    assert current_totals(engine) == expected


def test_ingest_with_a_full_disk_says_one_line_and_exits_1(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    from tests.reliability.conftest import cli_environment, one_line, run_main

    cli_environment(partner_settings, monkeypatch)
    path = write_xlsx(tmp_path / "feb.xlsx", records("F", FEB, "Lancs", 3))
    monkeypatch.setattr(ingest_module, "write_feedback_report", no_space)
    with cases.case():
        result = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
        assert result.code == 1
        assert one_line(result.text) == (
            "error: feb.xlsx: nothing loaded or recorded: its feedback report could not be "
            f"written to {partner_settings.output_dir}/feedback/t-records (No space left on "
            "device): free some space or choose a writable HELPLINE_OUTPUT_DIR, then ingest "
            "the file again."
        )
        assert ledger(engine) == [] and current_totals(engine) == {}

"""A records file is copied into its load transaction while it is validated, and submission
numbers stay gapless whatever becomes of that copy (flows.ledger.early_load)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import flows.intake.ingest as ingest_module
from flows.core.errors import Interrupted
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.outcome import IngestOutcome
from flows.intake.profiles import find_profile
from flows.intake.validation import validate_file
from tests.support.db_state import ledger, row_counts
from tests.support.partner_files import records, write_xlsx

JAN = date(2018, 1, 1)
WAIT_SECONDS = 20.0
# pg_locks lists the whole server's locks: only this test database's are counted, as other
# test processes ingest into databases of their own at the same time.
LEDGER_LOCK_HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
    "AND classid = hashtext('helpline.ledger')::oid AND objid = 0 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
ADVISORY_LOCKS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def ingest(
    engine: Engine, settings: Settings, path: Path, partner: str = "t-records"
) -> IngestOutcome:
    return ingest_file(engine, settings, find_profile(settings.partners_dir, partner), path)


def wait_for(engine: Engine, query: str, expected: int) -> None:
    """Until `query` counts `expected`, seen from a session of its own; fails after a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(sa.text(query)).scalar_one() == expected:
                return
        time.sleep(0.05)
    pytest.fail(f"{query!r} never counted {expected} within {WAIT_SECONDS} s")


def validating_after(
    engine: Engine, seen: list[dict[str, int]], then: Callable[..., Any]
) -> Callable[..., Any]:
    """A validate_file that first waits for the copy to hold its submission number, notes what
    another session sees of the rows then, and goes on with `then`."""

    def validate(*args: Any, **kwargs: Any) -> Any:
        wait_for(engine, LEDGER_LOCK_HELD, 1)
        seen.append(row_counts(engine))
        return then(*args, **kwargs)

    return validate


def test_the_records_are_copied_while_the_file_is_validated_and_seen_only_on_commit(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, int]] = []
    validate = validating_after(engine, seen, validate_file)
    monkeypatch.setattr(ingest_module, "validate_file", validate)
    path = write_xlsx(tmp_path / "jan.xlsx", records("A", JAN, "Lancashire", 40))
    outcome = ingest(engine, partner_settings, path)
    assert (outcome.status, outcome.submission_id, outcome.rows_loaded) == ("accepted", 1, 40)
    assert seen == [dict.fromkeys(seen[0], 0)]  # the copy had begun; nothing was visible yet
    assert row_counts(engine)["contact_records"] == 40
    assert ledger(engine) == [(1, "jan.xlsx", "loaded", None)]
    wait_for(engine, ADVISORY_LOCKS, 0)


def test_ctrl_c_while_validating_rolls_the_copy_back_and_uses_up_no_number(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupt(*_: object, **__: object) -> Any:
        raise KeyboardInterrupt

    seen: list[dict[str, int]] = []
    with monkeypatch.context() as patched:
        patched.setattr(ingest_module, "validate_file", validating_after(engine, seen, interrupt))
        path = write_xlsx(tmp_path / "stopped.xlsx", records("S", JAN, "Lancashire", 30))
        with pytest.raises(Interrupted) as stopped:
            ingest(engine, partner_settings, path)
    assert stopped.value.message == "interrupted; nothing from stopped.xlsx was loaded"
    assert len(seen) == 1
    wait_for(engine, ADVISORY_LOCKS, 0)  # the copy's transaction ended with its locks
    assert ledger(engine) == []
    assert row_counts(engine)["contact_records"] == 0
    again = ingest(engine, partner_settings, path)
    assert (again.status, again.submission_id) == ("accepted", 1)


def test_two_partners_loading_at_once_take_consecutive_numbers(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    files = {
        "t-records": write_xlsx(tmp_path / "a.xlsx", records("A", JAN, "Lancashire", 2_000)),
        "t-quarantine": write_xlsx(tmp_path / "b.xlsx", records("B", JAN, "Lancashire", 2_000)),
    }
    outcomes: dict[str, IngestOutcome] = {}

    def run(partner: str) -> None:
        outcomes[partner] = ingest(engine, partner_settings, files[partner], partner)

    threads = [threading.Thread(target=run, args=(partner,)) for partner in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted((o.status, o.rows_loaded) for o in outcomes.values()) == [("accepted", 2_000)] * 2
    assert sorted(o.submission_id or 0 for o in outcomes.values()) == [1, 2]
    assert [row[2] for row in ledger(engine)] == ["loaded", "loaded"]
    assert row_counts(engine)["contact_records"] == 4_000

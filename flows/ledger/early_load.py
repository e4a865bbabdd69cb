"""A file's records copied into its load transaction while the file is still being validated.

COPY is mostly the database server's work and validation is this process's, so on two cores the
two overlap. The transaction takes the partner's lock and the next submission number, copies the
records under that number, then waits for the verdict. A file accepted whole commits with its
ledger row, counts and months (settle_load, as load_submission does). Anything else rolls the
copy back, which uses up no number (take_submission_number), and the file goes the ordinary way:
rejected, or loaded without its quarantined rows by load_submission.
"""

from __future__ import annotations

import queue
import threading
from types import TracebackType

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from flows.core.database import run_query
from flows.ledger.loading import (
    LoadResult,
    contact_counts,
    copy_records,
    failure_recorded,
    loading_errors,
    settle_load,
)
from flows.ledger.submissions import LedgerEntry, find_duplicate, take_submission_number


class _Abandoned(Exception):
    """The file was not accepted whole: the copy rolls back."""


class EarlyLoad:
    """The copy, started on a thread of its own when made; then exactly one of `finish` (the
    file is accepted whole) or `abandon` (anything else). As a context manager it abandons on
    the way out unless finished, so no path leaves the transaction, and the locks it holds,
    waiting."""

    def __init__(self, engine: Engine, entry: LedgerEntry, staged: pd.DataFrame) -> None:
        self._engine = engine
        self._staged = staged
        self._verdict: queue.SimpleQueue[tuple[LedgerEntry, pd.DataFrame] | None] = (
            queue.SimpleQueue()
        )
        self._abandoned = threading.Event()  # so a copy not yet begun is not begun
        self._result: LoadResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(entry,), name="early-load", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> EarlyLoad:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.abandon()

    def finish(self, entry: LedgerEntry) -> LoadResult | None:
        """Commit the file under `entry` (its final ledger row); None when the copy could not be
        used (the same bytes were loaded meanwhile): load it the ordinary way. A lost connection
        is recorded and raised again, as by load_submission. The counts are summed here,
        while the copy may still be running."""
        self._verdict.put((entry, contact_counts(self._staged)))
        self._thread.join()
        with failure_recorded(self._engine, entry):
            if self._error is not None:
                raise self._error
        return self._result

    def abandon(self) -> None:
        """Roll the copy back and wait for it: the next ledger write may need the locks."""
        if self._thread.is_alive():
            self._abandoned.set()
            self._verdict.put(None)
            self._thread.join()

    def _run(self, entry: LedgerEntry) -> None:
        try:
            engine = self._engine
            with loading_errors(entry), engine.connect() as connection, connection.begin():
                self._result = self._load(connection, entry)
        except _Abandoned:
            return
        except BaseException as error:  # noqa: BLE001 - handed to the thread that finishes
            self._error = error

    def _load(self, connection: Connection, entry: LedgerEntry) -> LoadResult | None:
        run_query(connection, "lock_partner", partner_id=entry.partner_id)
        if find_duplicate(connection, entry.partner_id, entry.sha256) is not None:
            return None  # load_submission records the duplicate
        submission_id = take_submission_number(connection)
        if self._abandoned.is_set():  # while this waited for the locks
            raise _Abandoned
        copy_records(connection, entry, self._staged, submission_id)
        verdict = self._verdict.get()
        if verdict is None:
            raise _Abandoned
        final, counts = verdict
        return settle_load(connection, final, counts, submission_id, [])

"""Loading a file's rows while the file is validated: the database's work beside this process's.

COPY is mostly the database's work (parsing, writing, the submission index), done by the server
on the other core while this process waits; validation is this process's own. So the load of
every row begins in a thread, inside the one load transaction, as soon as the file is
normalised, and validation runs meanwhile. When validation has spoken, `finish` settles the
same transaction: every row loaded, only the rows to keep (the rest rolled back to a savepoint
taken after the ledger row), or a rejection with no rows. Nothing is visible until it commits.

The ledger row is written first (the rows reference it) and rewritten when settled, so a
rejected or partly loaded file keeps the submission number it would have had without the load
ahead. The rows of a file validation will reject often cannot be copied (a force area left
blank): they are rolled back to the savepoint at once and the ledger row waits for the
rejection. If anything else goes wrong ahead (a value the database refuses in a file that passed,
a lost connection), everything is rolled back and the caller takes the ordinary path, which
meets the same fault and reports it as it always has.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress

import pandas as pd
import psycopg
from sqlalchemy.engine import Connection, Engine, NestedTransaction
from sqlalchemy.exc import DBAPIError

from flows.core.database import driver_connection
from flows.core.errors import DatabaseUnavailable
from flows.ledger.entries import LedgerEntry, record_failure, settle_submission
from flows.ledger.loading import (
    LoadResult,
    copy_contacts,
    loading_errors,
    open_submission,
    replace_months,
)

Prepare = Callable[[], tuple[LedgerEntry, pd.DataFrame]]


class LoadAhead:
    """Every row of a file loaded in a thread, in a transaction that `finish` settles."""

    def __init__(self, engine: Engine, prepare: Prepare) -> None:
        """`prepare` gives the ledger entry (every row loaded) and the staged rows; it runs in
        the thread, so whatever it meets only ends the load ahead."""
        self._engine = engine
        self._connection: Connection | None = None
        self._savepoint: NestedTransaction | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="load-ahead")
        self._copied: Future[int] = self._pool.submit(self._copy, engine, prepare)

    def _copy(self, engine: Engine, prepare: Prepare) -> int:
        entry, staged = prepare()
        with loading_errors(entry):  # a lost connection is DatabaseUnavailable, as in a load
            self._connection = connection = engine.connect()
            connection.begin()
            submission_id = open_submission(connection, entry)
            if submission_id < 0:
                return submission_id
            savepoint = connection.begin_nested()  # the rows, apart from the ledger row
            try:
                copy_contacts(connection, entry, staged, submission_id)
            except (DBAPIError, psycopg.DataError, psycopg.IntegrityError):
                savepoint.rollback()  # rows validation will reject: the ledger row stays
            else:
                self._savepoint = savepoint
        return submission_id

    def finish(
        self,
        entry: LedgerEntry,
        kept: pd.DataFrame | None = None,
        quarantined: tuple[tuple[int, str], ...] = (),
    ) -> LoadResult | None:
        """Settle and commit: `entry` loaded with every row (`kept` None), loaded with only the
        rows in `kept` (those in `quarantined` held back), or rejected. None when the load ahead
        failed or met a duplicate: rolled back, and the ordinary path follows. A connection lost
        while loading is what it is in a load: a `failed` ledger row, DatabaseUnavailable."""
        try:
            submission_id, connection = self._settled(), self._connection
            if submission_id is None or submission_id < 0 or connection is None:
                self.abandon()
                return None
            with loading_errors(entry):
                result = self._settle(connection, submission_id, entry, kept, quarantined)
                connection.commit()
        except DatabaseUnavailable as failure:
            self.abandon()
            if entry.status != "loaded":
                return None  # recording the rejection on its own meets the outage, or not
            record_failure(self._engine, entry, failure.message)
            raise
        except Exception:  # noqa: BLE001 - the ordinary path meets it and reports it
            self.abandon()
            return None
        self._connection = None
        connection.close()
        return result

    def _settle(
        self,
        connection: Connection,
        submission_id: int,
        entry: LedgerEntry,
        kept: pd.DataFrame | None,
        quarantined: tuple[tuple[int, str], ...],
    ) -> LoadResult:
        loaded, copied = entry.status == "loaded", self._savepoint is not None
        if loaded and kept is None and not copied:
            raise LookupError("the rows could not be copied ahead")  # the ordinary path says why
        if (kept is not None or not loaded) and self._savepoint is not None:
            self._savepoint.rollback()
        settle_submission(connection, submission_id, entry)
        if not loaded:
            return LoadResult(submission_id, entry.status)
        if kept is not None:
            copy_contacts(connection, entry, kept, submission_id)
        return replace_months(connection, entry, submission_id, list(quarantined))

    def abandon(self) -> None:
        """Roll back whatever was written and let go; a copy under way is cancelled (Ctrl-C
        during validation must not wait for a million rows)."""
        if not self._copied.done() and self._connection is not None:
            with suppress(Exception):  # thread-safe in psycopg; a finished copy ignores it
                driver_connection(self._connection).cancel_safe()
        with suppress(DatabaseUnavailable):
            self._settled()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with suppress(Exception):  # a connection already lost has nothing to roll back
            connection.rollback()
        with suppress(Exception):
            connection.close()

    def _settled(self) -> int | None:
        """The copy's submission number once it has ended; None if it failed (a lost
        connection is raised: DatabaseUnavailable)."""
        try:
            return self._copied.result()
        except DatabaseUnavailable:
            raise
        except Exception:  # noqa: BLE001 - the ordinary path meets it and reports it
            return None
        finally:
            self._pool.shutdown(wait=True)

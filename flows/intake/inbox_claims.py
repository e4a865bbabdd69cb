"""One sweep at a time per inbox file: two sweeps never ingest the same file, even on two
machines sharing the inbox (a network folder) and the database.

A sweep holds a Postgres advisory lock named by the file's place in the inbox (partner/name)
on a connection of its own while it ingests and files the file away. Another sweep that listed
the same file finds it claimed, or already moved, and leaves it alone. When a sweep is killed,
its connection closes and Postgres lets go of the claim: the next sweep takes the file again,
and the submission ledger skips it as a duplicate if it was loaded before the kill.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from flows.core.database import run_query, translate_database_errors


@contextmanager
def claim_file(engine: Engine, file_key: str, path: Path) -> Iterator[bool]:
    """True while this sweep alone holds the file (file_key: partner/name); False if another
    sweep has it, or had it and has already filed it away."""
    with translate_database_errors("claiming an inbox file"):
        connection = engine.connect()
    try:
        with translate_database_errors("claiming an inbox file"):
            claimed = run_query(connection, "claim_inbox_file", file_key=file_key).scalar_one()
            connection.commit()  # the claim is the session's, not the transaction's
        if not claimed:
            yield False
            return
        try:
            # Checked after the claim: the sweep before us may have moved it just before letting go.
            yield path.is_file() and not path.is_symlink()
        finally:
            release(connection, file_key)
    finally:
        connection.close()


def release(connection: Connection, file_key: str) -> None:
    """Let go of the claim; if the connection is broken, drop it: its end releases the claim."""
    try:
        run_query(connection, "release_inbox_file", file_key=file_key)
        connection.commit()
    except DBAPIError:
        connection.invalidate()

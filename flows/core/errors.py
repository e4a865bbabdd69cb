"""User-facing errors: each carries one sentence a data manager can act on.

One taxonomy decides what a failure does, in the CLI, the inbox sweep and the Prefect flows:

- a file's own fault (FileRejected) rejects that file, which is filed under rejected/ with
  its reason, and the run goes on with the next file;
- a configuration fault (ConfigurationError: bad credentials, a missing database, an unknown
  host, a bad setting, an unwritable output folder) aborts the run and touches no files;
- a transient outage (TransientError: connection refused or reset, a server shutting down, a
  mail server's 4xx) is retried by the flows; a retry cannot fix anything else.

Below the taxonomy: which of these a database failure is (classify_database_error), and where
an unexpected error's traceback goes (save_traceback: a private file, never the terminal).
"""

from __future__ import annotations

import os
import re
import tempfile
import traceback
from pathlib import Path
from typing import Literal

from flows.core.safe_text import clean_text, redact_url


class HelplineError(Exception):
    """An expected failure, reported as one line without a traceback (exit code 1)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One line only: a newline would let a partner-supplied value (a file name, a cell)
        # forge extra log lines, and ESC would drive the terminal; both are shown as escapes.
        super().__init__(clean_text(message.strip()))

    @property
    def message(self) -> str:
        return str(self.args[0])


class FileRejected(HelplineError):
    """A partner file that cannot be accepted; recorded in the ledger with this reason."""


class ConfigurationError(HelplineError):
    """A bad setting, partner profile, recipients file, database URL or login: fix, then rerun."""


class TransientError(HelplineError):
    """An outage that may pass: the flows retry it, the CLI reports it."""


class DatabaseUnavailable(TransientError):
    """The database could not be reached or dropped the connection."""


class DeliveryUnavailable(TransientError):
    """The mail server refused or could not be reached for now."""


class NoDataForPeriod(HelplineError):
    """A report was asked for a period with no loaded contacts."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while a file was being ingested: says whether anything from it was loaded."""

    def __init__(self, file_name: str, loaded: bool) -> None:
        name = clean_text(file_name)
        self.message = (
            f"interrupted; {name} was loaded, but its feedback report may be missing"
            if loaded
            else f"interrupted; nothing from {name} was loaded"
        )
        super().__init__(self.message)


TRANSIENT_ERRORS: tuple[type[HelplineError], ...] = (TransientError,)


# Which database failures a retry can fix, which are configuration, which are the data's fault.
# psycopg reports a failed connection without an SQLSTATE (libpq gives only text), so those are
# told apart by libpq's wording; failures on an open connection carry an SQLSTATE class.
DatabaseErrorKind = Literal["transient", "configuration", "data"]

# Connecting failed for a reason only a person can fix: the URL, the login or the server's rules.
_CONFIGURATION_TEXT = re.compile(
    r"database \".*\" does not exist|role \".*\" does not exist|password authentication failed"
    r"|no password supplied|failed to resolve host|could not translate host name"
    r"|no pg_hba\.conf entry|permission denied for database|invalid (?:dsn|connection option)"
    r"|server does not support SSL|certificate",
    re.IGNORECASE,
)
# SQLSTATE classes on an open connection.
_TRANSIENT_CLASSES = ("08", "40", "53", "55", "57")  # connection, rollback, resources, state, ops
_DATA_CLASSES = ("22", "23", "54")  # data exception, integrity, program limit (e.g. index row)
_CONFIGURATION_CLASSES = ("28", "3D", "42")  # authorisation, catalog name, access/syntax


def classify_database_error(error: BaseException | None) -> DatabaseErrorKind:
    """transient, configuration or data, for a psycopg (or SQLAlchemy-wrapped) error."""
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and len(sqlstate) == 5:
        if sqlstate.startswith(_DATA_CLASSES):
            return "data"
        if sqlstate.startswith(_CONFIGURATION_CLASSES):
            return "configuration"
        if sqlstate.startswith(_TRANSIENT_CLASSES):
            return "transient"
    if _CONFIGURATION_TEXT.search(str(error or "")):
        return "configuration"
    # Refused, reset, timed out, shutting down, or anything unrecognised: worth another try.
    return "transient"


def save_traceback(error: BaseException, folder: Path | None = None) -> Path | None:
    """Write the traceback to a new private file (mkstemp: a fresh name, mode 0600, created
    exclusively, so a second run or a planted link cannot collide); None if it cannot be written.

    folder defaults to the system's temporary folder.
    """
    text = redact_url(  # a connection error may quote the URL
        "".join(traceback.format_exception(error))
    )
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="helpline-error-", suffix=".txt", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as details:
            details.write(clean_text_lines(text))
    except OSError:
        return None
    return Path(name)


def clean_text_lines(text: str) -> str:
    """Each line made safe text, the lines kept (a traceback may quote partner text)."""
    return "\n".join(clean_text(line) for line in text.splitlines()) + "\n"

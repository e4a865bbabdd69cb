"""User-facing errors: each carries one sentence a data manager can act on.

One taxonomy decides what a failure does, in the CLI, the inbox sweep and the Prefect flows:

- a file's own fault (FileRejected) rejects that file, which is filed under rejected/ with
  its reason, and the run goes on with the next file;
- a configuration fault (ConfigurationError: bad credentials, a missing database, an unknown
  host, a bad setting, an unwritable output folder) aborts the run and touches no files;
- a transient outage (TransientError: connection refused or reset, a server shutting down, a
  mail server's 4xx) is retried by the flows; a retry cannot fix anything else.
"""

from __future__ import annotations

from flows.core.safe_text import clean_text


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

"""User-facing errors: each carries one sentence a data manager can act on."""

from __future__ import annotations


class HelplineError(Exception):
    """An expected failure, reported as one line without a traceback (exit code 1)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One line only: a newline would let a partner-supplied value forge extra log lines.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self.args[0])


class FileRejected(HelplineError):
    """A partner file that cannot be accepted; recorded in the ledger with this reason."""


class ConfigurationError(HelplineError):
    """A bad setting, partner profile or recipients file."""


class DatabaseUnavailable(HelplineError):
    """The database could not be reached; transient, so flows retry it."""


class NoDataForPeriod(HelplineError):
    """A report was asked for a period with no loaded contacts."""


class DeliveryUnavailable(HelplineError):
    """The mail server refused or could not be reached for now; flows retry it."""


TRANSIENT_ERRORS: tuple[type[HelplineError], ...] = (DatabaseUnavailable, DeliveryUnavailable)

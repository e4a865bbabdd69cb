"""Which database failures a retry can fix, which are configuration, which are the data's fault.

psycopg reports a failed connection without an SQLSTATE (libpq gives only text), so those are
told apart by libpq's wording; failures on an open connection carry an SQLSTATE class.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["transient", "configuration", "data"]

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


def classify(error: BaseException | None) -> Kind:
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

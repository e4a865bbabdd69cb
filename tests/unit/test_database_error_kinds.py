"""Database failures sorted by what fixes them: a retry, a person, or a better file."""

from __future__ import annotations

import pytest

from flows.core.errors import classify_database_error


class Failure(Exception):
    def __init__(self, text: str, sqlstate: str | None = None) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("text", "sqlstate", "kind"),
    [
        # libpq's words when connecting (no SQLSTATE), as psycopg 3 reports them
        (
            'connection failed: ... failed: FATAL:  database "x" does not exist',
            None,
            "configuration",
        ),
        ('connection failed: ... failed: FATAL:  role "x" does not exist', None, "configuration"),
        ('FATAL:  password authentication failed for user "helpline"', None, "configuration"),
        (
            "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
            None,
            "configuration",
        ),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.1"', None, "configuration"),
        ("connection failed: ... port 5999 failed: Connection refused", None, "transient"),
        ("server closed the connection unexpectedly", None, "transient"),
        ("connection timeout expired", None, "transient"),
        # SQLSTATEs on an open connection
        ("terminating connection due to administrator command", "57P01", "transient"),
        ("the database system is starting up", "57P03", "transient"),
        ("sorry, too many clients already", "53300", "transient"),
        ("deadlock detected", "40P01", "transient"),
        ("index row requires 9024 bytes, maximum size is 8191", "54000", "data"),
        ("value too long for type character varying(10)", "22001", "data"),
        ('invalid byte sequence for encoding "UTF8": 0x00', "22021", "data"),
        ("permission denied for table submissions", "42501", "configuration"),
        ("something nobody has seen before", None, "transient"),
    ],
)
def test_classify_database_error(text: str, sqlstate: str | None, kind: str) -> None:
    assert classify_database_error(Failure(text, sqlstate)) == kind

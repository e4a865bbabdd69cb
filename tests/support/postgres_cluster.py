"""An empty Postgres server of a test's own: no roles but its superuser, password logins only.

Built with the binaries the pgserver package ships (so nothing beyond the project's own
dependencies is needed), listening on a free loopback port. Roles are server-wide, so a test of
role creation cannot share the suite's server: other sessions rely on the roles it has.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.loopback import free_port


def postgres_binaries() -> Path:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR when pgserver is imported on a server.
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.utils import ensure_user_exists

    if os.geteuid() == 0:
        # initdb refuses to run as root; pgserver keeps an unprivileged user for this.
        ensure_user_exists("pgserver")
    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _run(command: list[str], user: str | None) -> None:
    result = subprocess.run(
        command, user=user, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"


@contextmanager
def empty_postgres_server(superuser_password: str) -> Iterator[str]:
    """Start it, yield the superuser URL (postgres, scram-sha-256 over TCP), then delete it."""
    binaries = postgres_binaries()
    base = Path(tempfile.mkdtemp(prefix="helpline-pg-"))
    user = "pgserver" if os.geteuid() == 0 else None
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(base, account.pw_uid, account.pw_gid)
    data, password_file = base / "data", base / "superuser-password"
    password_file.write_text(superuser_password, encoding="utf-8")
    if user is not None:
        os.chown(password_file, pwd.getpwnam(user).pw_uid, -1)
    port = free_port()
    _run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--no-sync",
        ],
        user,
    )
    options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off"
    start = ["-w", "-t", "60", "-o", options, "-l", str(base / "server.log"), "start"]
    _run([str(binaries / "pg_ctl"), "-D", str(data), *start], user)
    try:
        yield f"postgresql://postgres:{superuser_password}@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(stop, user=user, capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)

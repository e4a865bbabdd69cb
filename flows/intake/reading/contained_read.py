"""Reading a partner file in a child process with limits on its memory, CPU and wall time.

A hostile or broken spreadsheet can make calamine abort the process ("memory allocation of
549755813888 bytes failed"), panic (a BaseException every `except Exception` misses) or take
gigabytes. Here the read runs in a child (flows.intake.reading.read_child), forked from a forkserver
that preloaded the reader: never a fork of this process, which may run threads (a Prefect flow
run does). Whatever ends the child becomes one FileRejected sentence naming the file and the
limit; the normal rejection path then writes its ledger row and feedback report.

While a child starts, `__main__` is hidden, or the child would import the parent's main module
again (the whole CLI, or Prefect's engine) before reading a byte.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

from flows.core.errors import ConfigurationError, FileRejected
from flows.intake.reading.cell_columns import ReadResult
from flows.intake.reading.read_request import ReadLimits, ReadRequest

PRELOAD = ["flows.intake.reading.reader_environment", "flows.intake.reading.read_child"]
JOIN_SECONDS = 10.0
_ALLOCATION_FAILED = "memory allocation of"
_START = threading.Lock()
_SAVE_AGAIN = "ask the partner to save it again with only the contact table."


@cache  # multiprocessing keeps one forkserver per process; this configures it once
def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    atexit.register(stop_reader_server)  # so the server's (and readers') resource use is accounted
    return context


def prepare_reader() -> None:
    """Start the reader's forkserver now, if it is not running: it loads the reader (numpy,
    calamine, pyarrow) while the caller does other work (the database check, hashing the file),
    so the first file does not wait for it. Cheap when it already runs."""
    from multiprocessing import forkserver

    _context()
    with _START:
        forkserver.ensure_running()


def stop_reader_server() -> None:
    """Stop the reader's forkserver and wait for it, so its (and its readers') resource use
    is accounted to this process; the next read starts a new one."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        with suppress(OSError, ChildProcessError):
            stop()


@contextmanager
def _main_hidden() -> Iterator[None]:
    main = sys.modules["__main__"]
    saved: dict[str, Any] = {
        key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _child_main(
    connection: Connection, request: ReadRequest, limits: ReadLimits, errors: str
) -> None:
    from flows.intake.reading.read_child import (
        serve,  # in the child only: the parent never loads it
    )

    serve(connection, request, limits, errors)


def _receive(connection: Connection, deadline: float) -> tuple[str, Any, dict[str, float]]:
    def part() -> bytes:
        if not connection.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        return connection.recv_bytes()

    count = int.from_bytes(part(), "little")
    header = part()
    buffers = [part() for _ in range(count)]
    kind, payload, usage = pickle.loads(header, buffers=buffers)  # noqa: S301 - our own child
    return str(kind), payload, dict(usage)


def _stderr_tail(path: str) -> str:
    with suppress(OSError), open(path, "rb") as handle:  # noqa: PTH123
        handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
        return handle.read().decode("utf-8", "replace")
    return ""


def _verdict(
    name: str, limits: ReadLimits, exitcode: int | None, timed_out: bool, stderr: str
) -> FileRejected:
    """Why a child ended without an answer, as the rejection the partner's file gets."""
    memory = f"{name} could not be read within {limits.memory_text} (HELPLINE_READ_MEMORY_MB); "
    if timed_out:
        return FileRejected(
            f"{name} could not be read within {limits.wall_seconds:,g} seconds "
            f"(HELPLINE_READ_WALL_SECONDS); {_SAVE_AGAIN}"
        )
    if exitcode == -signal.SIGXCPU:
        return FileRejected(
            f"{name} could not be read within {limits.cpu_seconds:,} seconds of CPU time "
            f"(HELPLINE_READ_CPU_SECONDS); {_SAVE_AGAIN}"
        )
    if _ALLOCATION_FAILED in stderr or exitcode == -signal.SIGKILL:
        return FileRejected(memory + _SAVE_AGAIN)
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"status {exitcode}"
    return FileRejected(
        f"{name} made the spreadsheet reader stop ({how}) before it could be read; {_SAVE_AGAIN}"
    )


def _answer(name: str, limits: ReadLimits, kind: str, payload: Any) -> ReadResult:
    if kind == "ok":
        return payload  # type: ignore[no-any-return]
    if kind == "rejected":
        raise FileRejected(str(payload))
    if kind == "configuration":
        raise ConfigurationError(str(payload))
    if kind == "memory":
        raise FileRejected(
            f"{name} could not be read within {limits.memory_text} (HELPLINE_READ_MEMORY_MB); "
            + _SAVE_AGAIN
        )
    detail = " ".join(str(payload).split())[:160]
    raise FileRejected(f"{name} could not be read ({detail}); {_SAVE_AGAIN}")


def read_in_child(request: ReadRequest, limits: ReadLimits) -> ReadResult:
    """The file's tables, read in a child process within `limits`; FileRejected otherwise."""
    result, _ = read_in_child_measured(request, limits)
    return result


def read_in_child_measured(
    request: ReadRequest, limits: ReadLimits
) -> tuple[ReadResult, dict[str, float]]:
    """read_in_child, and the child's usage: peak_mb (resident) and cpu_seconds (benches)."""
    name = request.path.name
    context = _context()
    descriptor, errors = tempfile.mkstemp(prefix="helpline-read-", suffix=".log")
    os.close(descriptor)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(send, request, limits, errors), daemon=True)
    answer: tuple[str, Any, dict[str, float]] | None = None
    timed_out = settled = False
    try:
        with _START, _main_hidden():
            # from the start request: the child may read while this thread waits for the GIL
            deadline = time.monotonic() + limits.wall_seconds
            process.start()
        send.close()  # the child holds the only sending end: its death is our EOF
        if not wait([receive, process.sentinel], max(0.0, deadline - time.monotonic())):
            timed_out = True
        else:
            try:
                answer = _receive(receive, deadline)
            except TimeoutError:
                timed_out = True
            except (EOFError, OSError):
                answer = None  # the child died before it could answer
            if answer is not None and answer[2].get("sent_at", 0.0) > deadline:
                answer, timed_out = None, True  # ready only after the limit: noticed late
        settled = not timed_out
    finally:
        if not settled and process.pid is not None:  # timed out, or interrupted (Ctrl-C)
            process.kill()
        if process.pid is not None:
            process.join(JOIN_SECONDS)
        if process.pid is not None and process.is_alive():  # an answer, then no exit
            process.kill()
            process.join(JOIN_SECONDS)
        send.close()  # closing twice is harmless; a failed start leaves it open
        receive.close()
        stderr = _stderr_tail(errors)
        Path(errors).unlink(missing_ok=True)
    if answer is None:
        raise _verdict(name, limits, process.exitcode, timed_out, stderr)
    kind, payload, usage = answer
    return _answer(name, limits, kind, payload), usage

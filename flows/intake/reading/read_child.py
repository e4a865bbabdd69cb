"""The reading child: its limits, the read, and the result sent back in compact form.

flows.intake.reading.contained_read starts this in a process forked from a forkserver that preloaded
it, so numpy, python_calamine and pyarrow are already imported when a file arrives. The limits
are set before the file is touched: whatever the file makes the reader do (abort, panic, run
out of memory or time) ends this process, not the pipeline, and the parent says which limit.

Wire format, one connection: the number of out-of-band buffers, a pickle (protocol 5) of
(kind, payload, usage: peak memory, CPU time and when it was sent), then each buffer: numpy
arrays travel as raw bytes, without a copy.
"""

from __future__ import annotations

import os
import pickle
import resource
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pyarrow
import pyarrow.compute
import pyarrow.csv  # noqa: F401

import flows.intake.reading.reader_environment  # noqa: F401 - first: before numpy and pyarrow
from flows.core.errors import ConfigurationError, FileRejected
from flows.intake.reading.read_request import ReadLimits, ReadRequest
from flows.intake.reading.readers import read_file

CPU_GRACE_SECONDS = 5  # from SIGXCPU (soft limit) to SIGKILL (hard limit)
DETAIL_CHARACTERS = 300


def _lower(kind: int, soft: int, hard: int) -> None:
    """Set a limit, never above what this process may already use (a limit cannot be raised)."""
    _, ceiling = resource.getrlimit(kind)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(kind, (soft, hard))


def apply_limits(limits: ReadLimits) -> None:
    """Data (heap and anonymous memory), CPU time, and no core dump of a large process."""
    _lower(resource.RLIMIT_CORE, 0, 0)
    _lower(resource.RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes)
    cpu = max(1, int(limits.cpu_seconds))
    _lower(resource.RLIMIT_CPU, cpu, cpu + CPU_GRACE_SECONDS)


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def send_answer(connection: Connection, kind: str, payload: object) -> None:
    buffers: list[pickle.PickleBuffer] = []
    # monotonic time is the machine's, so the parent can tell when the answer was ready even
    # if it was itself kept waiting (another of its threads importing, a loaded machine)
    usage = {"peak_mb": peak_memory_mb(), "cpu_seconds": cpu_seconds(), "sent_at": time.monotonic()}
    header = pickle.dumps((kind, payload, usage), protocol=5, buffer_callback=buffers.append)
    connection.send_bytes(len(buffers).to_bytes(4, "little"))
    connection.send_bytes(header)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def outcome(request: ReadRequest) -> tuple[str, object]:
    """What became of the read, as (kind, payload); never raises for a file's sake."""
    try:
        return "ok", read_file(request)
    except FileRejected as rejection:
        return "rejected", rejection.message
    except ConfigurationError as error:
        return "configuration", error.message
    except MemoryError:
        return "memory", ""
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a Rust panic is a BaseException
        kind = "panic" if type(error).__name__ == "PanicException" else "error"
        detail = " ".join(f"{type(error).__name__}: {error}".split())
        return kind, detail[:DETAIL_CHARACTERS]


def serve(connection: Connection, request: ReadRequest, limits: ReadLimits, errors: str) -> None:
    """The child's whole life: stderr to the parent's file, limits, the read, the answer."""
    descriptor = os.open(errors, os.O_WRONLY | os.O_TRUNC)
    os.dup2(descriptor, 2)
    os.close(descriptor)
    apply_limits(limits)
    kind, payload = outcome(request)
    try:
        send_answer(connection, kind, payload)
    except MemoryError:  # the result itself did not fit: say so in a few bytes
        send_answer(connection, "memory", "")
    connection.close()

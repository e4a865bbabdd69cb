"""How a process that ingests files allocates memory: freed memory goes back to the system.

A million-row file passes through many short-lived arrays of 1 to 100 MB (Arrow's text
columns, numpy masks, the hash tables behind a uniqueness check), each freed before the next
stage. Left to their defaults, the allocators kept what they freed and the next stage took
fresh pages, so the command's peak memory was the sum of its stages rather than the largest:
- pyarrow's default pool (mimalloc) kept every page it had used: a dictionary encoding of 1M
  references left 103 MB resident after its result was freed; the system allocator, 33 MB;
- glibc's malloc raises its mmap threshold (up to 32 MB) each time a large block is freed, so
  later arrays came from the heap and fragmented it; and each thread that allocates (the read,
  the copy, the imports) gets an arena of its own, whose freed memory the others cannot use.

Measured on `helpline ingest` of a 1M-row xlsx, the command's peak (VmHWM) fell from 566 to
608 MB (two runs) to 489 MB, its time unchanged within the noise. The reading child already
uses the system allocator (flows.intake.reading.reader_environment).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from functools import cache

# glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1 << 20  # a block of 1 MiB or more is mapped and unmapped on its own
ARENA_MAX = 2  # one per core

# Each setting with the environment variable that would choose it: one an operator has set
# is left alone.
ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
GLIBC_SETTINGS = {
    M_MMAP_THRESHOLD: (MMAP_THRESHOLD_BYTES, "MALLOC_MMAP_THRESHOLD_"),
    M_ARENA_MAX: (ARENA_MAX, "MALLOC_ARENA_MAX"),
}


@cache  # once per process
def return_freed_memory() -> None:
    """Set pyarrow on the system allocator and glibc's malloc to give large blocks back when
    they are freed, each unless its environment variable chooses otherwise. Arrow memory
    already allocated stays where it is; elsewhere than glibc (no mallopt) only the Arrow pool
    changes."""
    import pyarrow as pa

    if ARROW_POOL_VARIABLE not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return
    for parameter, (value, variable) in GLIBC_SETTINGS.items():
        if variable not in os.environ:
            mallopt(parameter, value)


def _glibc_mallopt() -> Callable[[int, int], int] | None:
    """mallopt from the C library this process runs on (the interpreter's own symbols)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return lambda parameter, value: int(mallopt(parameter, value))

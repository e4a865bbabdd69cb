"""An ingesting process gives freed memory back: Arrow on the system allocator, glibc tuned."""

from __future__ import annotations

import os
import subprocess
import sys

from flows.core.allocation import ARENA_MAX, M_ARENA_MAX, M_MMAP_THRESHOLD, _glibc_mallopt

# In a process of its own: the choice is the whole process's, once.
CHILD = """
import pyarrow as pa
from flows.core.allocation import return_freed_memory
before = pa.default_memory_pool().backend_name
return_freed_memory()
return_freed_memory()
print(before, pa.default_memory_pool().backend_name)
"""


def test_arrow_moves_to_the_system_allocator() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    before, after = done.stdout.split()
    assert before != "system" and after == "system"


def test_glibc_accepts_both_settings() -> None:
    mallopt = _glibc_mallopt()
    assert mallopt is not None  # the product runs on Linux with glibc
    assert mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1 and mallopt(M_ARENA_MAX, ARENA_MAX) == 1

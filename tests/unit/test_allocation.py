"""An ingesting process gives freed memory back: Arrow on the system allocator, glibc tuned,
unless the operator's environment chooses otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

# In a process of its own: the choice is the whole process's, once.
CHILD = """
import pyarrow as pa
from flows.core import allocation
said = []
allocation._glibc_mallopt = lambda: lambda parameter, value: said.append((parameter, value)) or 1
allocation.return_freed_memory()
allocation.return_freed_memory()
print(pa.default_memory_pool().backend_name, said)
"""
CHOICES = ("ARROW_DEFAULT_MEMORY_POOL", "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX")


def python_says(code: str, **chosen: str) -> str:
    """What `code` prints in a Python of its own, with only the allocator choices given."""
    env = {k: v for k, v in os.environ.items() if k not in CHOICES} | chosen
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_arrow_moves_to_the_system_allocator_and_glibc_is_set_once() -> None:
    assert python_says(CHILD) == "system [(-3, 1048576), (-8, 2)]"


def test_what_the_operator_chose_in_the_environment_is_left_alone() -> None:
    chosen = python_says(CHILD, ARROW_DEFAULT_MEMORY_POOL="jemalloc", MALLOC_ARENA_MAX="4")
    assert chosen == "jemalloc [(-3, 1048576)]"


def test_glibc_accepts_both_settings() -> None:
    probe = """
from flows.core.allocation import ARENA_MAX, M_ARENA_MAX, M_MMAP_THRESHOLD, _glibc_mallopt
mallopt = _glibc_mallopt()
print(mallopt(M_MMAP_THRESHOLD, 1 << 20), mallopt(M_ARENA_MAX, ARENA_MAX))
"""
    assert python_says(probe).split() == ["1", "1"]  # the product runs on Linux with glibc

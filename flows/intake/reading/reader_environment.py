"""Environment for the reading child, set before numpy or pyarrow is first imported there.

The forkserver imports this first, so every reading child is forked from a single-threaded
process whose allocations the data limit can count:
- one OpenBLAS thread (numpy would start one per core, idle, in the server);
- pyarrow on the system allocator: its default (mimalloc) reserves a 1 GiB arena that an
  RLIMIT_DATA would count in full, and jemalloc's background thread is kept off;
- short Rust panic messages, no backtrace (the parent reads the child's stderr);
- no pandas: pyarrow would import it (seconds, hundreds of modules) on its first compute
  call just to ask whether an argument is a pandas object. The reader never needs it.
Never imported by the parent, whose environment stays as it was.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

for _name, _value in (
    ("OPENBLAS_NUM_THREADS", "1"),
    ("ARROW_DEFAULT_MEMORY_POOL", "system"),
    ("JE_ARROW_MALLOC_CONF", "background_thread:false"),
    ("RUST_BACKTRACE", "0"),
):
    os.environ[_name] = _value

KEPT_OUT = ("pandas", "great_expectations", "prefect")


class KeepOut(importlib.abc.MetaPathFinder):
    """Refuses the modules the reading child must never load (as if they were not installed)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.split(".", 1)[0] in KEPT_OUT:
            raise ModuleNotFoundError(f"{fullname} is not used by the reading child", name=fullname)
        return None


if not any(isinstance(finder, KeepOut) for finder in sys.meta_path):
    sys.meta_path.insert(0, KeepOut())

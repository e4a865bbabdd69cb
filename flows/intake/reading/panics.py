"""Rust panics in the spreadsheet readers (calamine, in python-calamine and in fastexcel).

Runs in the reading child: the standard library only.
"""

from __future__ import annotations

_OUT_OF_MEMORY = ("PyObject pointer is null", "memory allocation", "capacity overflow")


def is_panic(error: BaseException) -> bool:
    """A Rust panic in calamine (either reader's): a file it cannot read. One from failing to
    allocate (pyo3 cannot make a Python object near the memory limit) becomes the MemoryError
    it is."""
    # pyo3's PanicException derives from BaseException, and pyo3_runtime cannot be imported.
    if type(error).__name__ != "PanicException":
        return False
    if any(sign in str(error) for sign in _OUT_OF_MEMORY):
        raise MemoryError(str(error)) from None
    return True

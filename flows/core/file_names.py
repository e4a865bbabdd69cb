"""Names for files the product writes, kept short enough for any file system.

A partner may send a file whose name is already near the 255-byte limit most file systems set;
the product's own names add to it (a hash, `.feedback.xlsx`, a counter), so they are fitted.
"""

from __future__ import annotations

import hashlib

MAX_NAME_BYTES = 120  # well under 255, leaving room for the folder's own suffixes
_HASH_CHARACTERS = 8


def fitted_name(stem: str, suffix: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """stem + suffix, or, when that is longer than max_bytes, a shortened stem and a hash.

    The hash is of the whole stem, so two long names with the same beginning stay different;
    the shortened stem keeps the name recognisable.
    """
    name = stem + suffix
    if len(name.encode("utf-8", "surrogatepass")) <= max_bytes:
        return name
    tag = "~" + hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARACTERS]
    room = max(max_bytes - len((tag + suffix).encode("utf-8")), 1)
    start = stem.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return start + tag + suffix

"""Text from outside (partner cells, headings, file names, settings) made safe to store and show.

One pattern says which characters are unsafe anywhere the product writes text: C0 and C1
control characters (a line break forges a log or terminal line, ESC drives the terminal, NUL
cannot go in a Postgres text column), bidirectional overrides and isolates (they make text read
differently from what it is), and the characters XML cannot hold (a workbook could not open).
"""

from __future__ import annotations

import re

UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
REPLACEMENT = "\ufffd"


def has_unsafe_text(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is not None


def clean_text(text: str) -> str:
    """The text with every unsafe character replaced by U+FFFD, the replacement character."""
    return UNSAFE_CHARACTERS.sub(REPLACEMENT, text)


def one_line(text: str) -> str:
    """The text on one line: unsafe characters and runs of white space become one space."""
    return " ".join(UNSAFE_CHARACTERS.sub(" ", text).split())

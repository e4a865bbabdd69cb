"""Text from outside (partner cells, headings, file names, settings) made safe to store and show.

One pattern says which characters are unsafe anywhere the product writes text: C0 and C1
control characters (a line break forges a log or terminal line, ESC drives the terminal, NUL
cannot go in a Postgres text column), bidirectional overrides and isolates (they make text read
differently from what it is), the Unicode line and paragraph separators (some viewers break
lines on them), and the characters XML cannot hold (a workbook could not open).

`clean_text` is the one function every partner value, heading and file name passes through
before it is shown (terminal, logs, Prefect artifacts), stored (ledger, contact tables) or
written (feedback workbooks, drafted profiles). It writes each unsafe character as a visible
escape in the style of a Python string, `\\n`, `\\x1b`, `\\u202e`, and leaves all other text,
backslashes included, exactly as it was:

- an escape shows what the file really holds (a data manager can tell an ESC from a newline and
  find the file), where a replacement character would hide it;
- the result is plain ASCII where it was unsafe, so it can neither forge a line nor drive a
  terminal nor break XML, TOML or a Postgres column, and it is still one line;
- it changes nothing on a second pass (escapes hold only safe characters), so text may be
  cleaned again wherever it crosses a boundary;
- two values differing only by a control character stay different (a contact reference is a key).
"""

from __future__ import annotations

import re

UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
# The same class for RE2 (pyarrow's regular expressions), which scans whole Arrow columns;
# surrogates are left out because Arrow's UTF-8 text cannot hold them.
UNSAFE_CHARACTERS_RE2 = (
    "[\\x00-\\x1f\\x7f-\\x9f\\x{2028}\\x{2029}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}"
    "\\x{fffe}\\x{ffff}]"
)
_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
ELLIPSIS = "…"


def has_unsafe_text(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is not None


def escape_character(character: str) -> str:
    """One unsafe character as its visible escape: \\n, \\x1b, \\u202e."""
    named = _NAMED_ESCAPES.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean_text(text: str) -> str:
    """The text with every unsafe character written as a visible escape (see the module doc)."""
    if UNSAFE_CHARACTERS.search(text) is None:  # the usual case: one scan, no copy
        return text
    return UNSAFE_CHARACTERS.sub(lambda match: escape_character(match[0]), text)


def unsafe_characters_in(text: str) -> set[str]:
    """The distinct unsafe characters the text holds (usually none)."""
    return set(UNSAFE_CHARACTERS.findall(text))


def shortened(text: str, limit: int) -> str:
    """At most limit characters: longer text keeps its start and ends with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def one_line(text: str) -> str:
    """The text on one line: unsafe characters and runs of white space become one space.

    For text whose control characters carry no meaning (mail headers, server replies); partner
    text goes through clean_text instead, so that what it holds stays visible.
    """
    return " ".join(UNSAFE_CHARACTERS.sub(" ", text).split())


# Passwords reach text in two shapes: user:password@ (the user may be empty) and a
# password=... query or conninfo parameter; both are redacted wherever they appear in the text.
_PASSWORD_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.I)
_PASSWORD_PARAMETER = re.compile(r"(?P<key>\b(?:ssl)?password=)[^&\s'\"]*", re.I)


def redact_url(text: str) -> str:
    """The text with any database password replaced by ***, safe to print or log."""
    return _PASSWORD_PARAMETER.sub(r"\g<key>***", _PASSWORD_IN_URL.sub(r"\g<scheme>:***@", text))

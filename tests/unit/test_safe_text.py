"""Safe text: what a file name or partner value looks like wherever it is shown or stored."""

from __future__ import annotations

import pytest

from flows.core.errors import FileRejected, Interrupted
from flows.core.file_names import fitted_name
from flows.core.safe_text import clean_text, has_unsafe_text, shortened

CASES = [
    ("plain name.xlsx", "plain name.xlsx"),
    ("a\nb.csv", "a\\nb.csv"),
    ("a\r\nb\tc", "a\\r\\nb\\tc"),
    ("\x1b]0;owned\x07\x1b[2Jx", "\\x1b]0;owned\\x07\\x1b[2Jx"),
    ("\x00nul", "\\x00nul"),
    ("c1 \x85 \x9b end", "c1 \\x85 \\x9b end"),
    ("invoice\u202exslx.exe", "invoice\\u202exslx.exe"),
    ("\u2066iso\u2069 \u202a\u202b\u202c\u202d", "\\u2066iso\\u2069 \\u202a\\u202b\\u202c\\u202d"),
    ("xml \ufffe \uffff", "xml \\ufffe \\uffff"),
    ("lone \ud800 \udfff", "lone \\ud800 \\udfff"),
    ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
    ("back\\slash and Ω 😀 é", "back\\slash and Ω 😀 é"),
    ("[link=https://example.org]x[/link]", "[link=https://example.org]x[/link]"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES)
def test_unsafe_characters_are_escaped_visibly(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown
    assert not has_unsafe_text(clean_text(raw))
    assert clean_text(clean_text(raw)) == clean_text(raw)  # a second pass changes nothing


def test_values_differing_by_a_control_character_stay_different() -> None:
    assert clean_text("R\x01") != clean_text("R\x02")


def test_an_error_message_is_one_escaped_line() -> None:
    error = FileRejected("  sample\n[columns]\x1b[2J.csv: no such file  ")
    assert error.message == "sample\\n[columns]\\x1b[2J.csv: no such file"


def test_ctrl_c_says_which_file_and_whether_it_was_loaded() -> None:
    assert str(Interrupted("a\nb.xlsx", loaded=False)) == (
        "interrupted; nothing from a\\nb.xlsx was loaded"
    )
    assert Interrupted("x.csv", loaded=True).message == (
        "interrupted; x.csv was loaded, but its feedback report may be missing"
    )
    assert isinstance(Interrupted("x", loaded=False), KeyboardInterrupt)


def test_shortened_keeps_the_start() -> None:
    assert shortened("abcdef", 10) == "abcdef"
    assert shortened("abcdefghijkl", 5) == "abcd…"


def test_a_long_name_is_shortened_and_hashed() -> None:
    stem = "x" * 246
    name = fitted_name(stem, "-0123abcd.xlsx")
    assert len(name.encode()) == 120
    assert name.startswith("x" * 97 + "~") and name.endswith("-0123abcd.xlsx")
    other = fitted_name("x" * 245 + "y", "-0123abcd.xlsx")
    assert other != name and len(other.encode()) == 120
    assert fitted_name("short", ".xlsx") == "short.xlsx"


def test_a_long_multibyte_name_is_cut_on_a_character_boundary() -> None:
    name = fitted_name("é" * 200, ".feedback.xlsx")
    assert len(name.encode()) <= 120
    name.encode("utf-8")  # no half characters
    assert name.startswith("é" * 10) and name.endswith(".feedback.xlsx")

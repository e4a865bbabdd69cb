""".env.example lists every setting with its default and what it does, and nothing else.

A setting added to Settings and not to .env.example (or a default changed in one place only)
fails here, so the file an operator copies never drifts from what the code reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
# A setting's line, set (NAME=value) or left unset (# NAME=).
SETTING = re.compile(r"^(?P<unset># )?HELPLINE_(?P<name>[A-Z_]+)=(?P<value>.*)$")


def listed() -> dict[str, str | None]:
    """Each setting the file names, with its value (None: commented out, so unset)."""
    found: dict[str, str | None] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = SETTING.match(line)
        if match:
            name = match["name"].lower()
            assert name not in found, f"HELPLINE_{match['name']} is listed twice"
            found[name] = None if match["unset"] else match["value"]
    return found


def test_every_setting_is_listed_and_nothing_else() -> None:
    assert sorted(listed()) == sorted(Settings.model_fields)


def test_each_listed_value_is_the_default() -> None:
    for name, value in listed().items():
        default = Settings.model_fields[name].default
        if value is None:
            assert default is None, f"HELPLINE_{name.upper()} is commented out but has a default"
        else:
            assert Settings.model_validate({name: value}).model_dump()[name] == default, name


def test_each_setting_says_what_it_does() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if SETTING.match(line):
            above = lines[number - 1]
            assert above.startswith("# ") and not SETTING.match(above), line


def test_the_file_copied_to_env_gives_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"HELPLINE_{name.upper()}", raising=False)
    copied = Settings(_env_file=EXAMPLE)
    assert copied.model_dump() == Settings(_env_file=None).model_dump()

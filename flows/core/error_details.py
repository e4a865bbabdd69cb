"""Keeping an unexpected error's traceback for whoever investigates, never on the terminal."""

from __future__ import annotations

import os
import tempfile
import traceback
from pathlib import Path

from flows.core.safe_text import clean_text


def save_traceback(error: BaseException, folder: Path | None = None) -> Path | None:
    """Write the traceback to a new private file (mkstemp: a fresh name, mode 0600, created
    exclusively, so a second run or a planted link cannot collide); None if it cannot be written.

    folder defaults to the system's temporary folder.
    """
    from flows.core.database import redact_url  # a connection error may quote the URL

    text = redact_url("".join(traceback.format_exception(error)))
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="helpline-error-", suffix=".txt", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as details:
            details.write(clean_text_lines(text))
    except OSError:
        return None
    return Path(name)


def clean_text_lines(text: str) -> str:
    """Each line made safe text, the lines kept (a traceback may quote partner text)."""
    return "\n".join(clean_text(line) for line in text.splitlines()) + "\n"

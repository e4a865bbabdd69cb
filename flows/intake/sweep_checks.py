"""Checks made before an inbox sweep touches any file: the folders it writes to can be
written, and every profile it needs loads. Either fault stops the sweep with every file where
it is."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from flows.core.errors import ConfigurationError
from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.profiles import load_profile

RESERVED_FOLDERS = ("processed", "rejected")


def check_sweep_folders(settings: Settings) -> None:
    """Before any file is touched: the folders a sweep writes to can be written.

    An unwritable output or inbox folder is a configuration fault: the sweep stops at once and
    every file stays where it is, rather than each file failing in turn.
    """
    inbox = settings.inbox_dir
    filing = [inbox / name for name in RESERVED_FOLDERS if (inbox / name).is_dir()]
    for folder in (settings.output_dir / "feedback", inbox, *filing):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(prefix=".helpline-write-check-", dir=folder)
            os.close(handle)
            Path(probe).unlink()
        except OSError as error:
            setting = (
                "HELPLINE_OUTPUT_DIR"
                if folder.is_relative_to(settings.output_dir)
                else "HELPLINE_INBOX_DIR"
            )
            raise ConfigurationError(
                f"Cannot write to {clean_text(str(folder))} ({error.strerror or error}): choose a "
                f"writable {setting}; no file was moved."
            ) from None


def check_sweep_profiles(settings: Settings, partner_ids: Iterable[str]) -> None:
    """Before any file is touched: every profile the sweep needs loads.

    A profile with a mistake (a header_row past the sheet's end, an unknown encoding) is the
    configuration's fault, not the files': the sweep stops with every file where it is, rather
    than rejecting each file of that partner in turn. A partner with no profile at all is said
    per file, and its files wait for one.
    """
    for partner_id in dict.fromkeys(partner_ids):
        path = settings.partners_dir / f"{partner_id}.toml"
        if path.is_file():
            try:
                load_profile(path)
            except ConfigurationError as problem:
                raise ConfigurationError(
                    f"{problem.message.removesuffix('.')}; fix the profile, then sweep again "
                    "(no file was moved)."
                ) from None

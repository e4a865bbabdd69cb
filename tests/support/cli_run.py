"""`helpline ARGS` run in the test's own process, with exactly the HELPLINE_* settings given."""

from __future__ import annotations

import gc
import os
import warnings
from pathlib import Path

import pytest

from flows.cli import main


def helpline_in_process(
    args: list[str],
    env: dict[str, str],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    """Exit code, stdout and stderr; run in folder, so no .env from the checkout is read."""
    with monkeypatch.context() as patch, warnings.catch_warnings():
        # A command's engine is meant to live until its process ends; here that is now.
        warnings.simplefilter("ignore", ResourceWarning)
        patch.chdir(folder)
        for name in [name for name in os.environ if name.startswith("HELPLINE_")]:
            patch.delenv(name)
        for name, value in env.items():
            if name.startswith("HELPLINE_"):
                patch.setenv(name, value)
        capsys.readouterr()
        code = main(args)
        gc.collect()
    captured = capsys.readouterr()
    return code, captured.out, captured.err

"""`helpline ARGS` run in the test's own process, with exactly the HELPLINE_* settings given."""

from __future__ import annotations

import gc
import os
import warnings

import pytest

from flows.cli import main
from flows.core.settings import Settings
from tests.conftest import helpline_env


def helpline_in_process(
    args: list[str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    **changes: str,
) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `helpline ARGS` with these settings, HELPLINE_* changes
    on top; run beside the output folder, so no .env from the checkout is read."""
    env = helpline_env(settings, **changes)
    with monkeypatch.context() as patch, warnings.catch_warnings():
        # A command's engine is meant to live until its process ends; here that is now.
        warnings.simplefilter("ignore", ResourceWarning)
        patch.chdir(settings.output_dir.parent)
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

"""LibreOffice in tests: converting a workbook the test wrote, and rendering one to images.

LibreOffice Calc and poppler are required, not optional: a missing tool fails the test with
the command that installs it (.ci/run installs both)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("soffice", "pdftoppm")
INSTALL = "apt-get install libreoffice-calc-nogui poppler-utils"


def require_office_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found; the suite needs them: {INSTALL}")


def convert(source: Path, target_format: str, folder: Path) -> Path:
    """Convert with LibreOffice (e.g. to "xls", "ods" or "pdf"), in a private profile."""
    require_office_tools()
    profile = folder / "lo-profile"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target_format,
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    extension = target_format.split(":")[0]
    converted = folder / f"{source.stem}.{extension}"
    assert done.returncode == 0 and converted.is_file(), done.stderr or done.stdout
    return converted


def render_pages(pdf: Path, folder: Path, resolution: int = 60) -> list[Path]:
    """Every page of a PDF as a PNG, in page order."""
    require_office_tools()
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(folder / "page")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(folder.glob("page*.png"))

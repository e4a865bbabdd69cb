"""LibreOffice in tests: converting a workbook the test wrote, and rendering one to images.

LibreOffice Calc and poppler are required, not optional: a missing tool fails the test with
the command that installs it (.ci/run installs both)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    left: float
    top: float
    right: float
    bottom: float


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def page_words(pdf: Path) -> tuple[list[float], list[Word]]:
    """Every word LibreOffice printed, with its box in points: (page widths, words)."""
    require_office_tools()
    done = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    widths: list[float] = []
    words: list[Word] = []
    for number, page in enumerate(done.stdout.split("<page ")[1:], start=1):
        widths.append(float(re.search(r'width="([\d.]+)"', page)[1]))  # type: ignore[index]
        for match in _WORD.finditer(page):
            left, top, right, bottom = (float(match[i]) for i in range(1, 5))
            words.append(Word(number, match[5], left, top, right, bottom))
    return widths, words


def overprinted(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words printed over each other: boxes overlapping by more than a third of a
    line's height and a point across (touching neighbours do not count)."""
    clashes = []
    by_page: dict[int, list[Word]] = {}
    for word in words:
        by_page.setdefault(word.page, []).append(word)
    for page in by_page.values():
        page.sort(key=lambda w: w.top)
        for i, first in enumerate(page):
            for second in page[i + 1 :]:
                if second.top >= first.bottom:
                    break
                across = min(first.right, second.right) - max(first.left, second.left)
                down = min(first.bottom, second.bottom) - max(first.top, second.top)
                height = min(first.bottom - first.top, second.bottom - second.top)
                if across > 1 and down > height / 3:
                    clashes.append((first, second))
    return clashes


def svg_page(pdf: Path, page: int, folder: Path) -> str:
    """One page of a PDF as SVG text (poppler's pdftocairo): the shapes as drawn."""
    require_office_tools()
    target = folder / f"page-{page}.svg"
    done = subprocess.run(
        ["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(pdf), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return target.read_text(encoding="utf-8")

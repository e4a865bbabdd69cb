"""The national, a region's and a force area's workbooks as LibreOffice prints them.

Every sheet becomes PDF pages (LibreOffice prints each sheet in turn); the test reads back the
printed words' boxes (nothing printed over anything else, nothing running off the page) and the
Charts pages' drawn shapes (a bar for every published Change (%), a line through the months).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.commands import ingest_files
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.demo import write_demo_files
from flows.report.edition import build_edition
from tests.support.office import convert, overprinted, page_words, render_pages, svg_page

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SCOPES = (Scope("national"), Scope("region", "Wales"), Scope("force", "W15000004"))
_FILL = re.compile(r"fill:rgb\(([\d.]+)%,([\d.]+)%,([\d.]+)%\)")
_STROKE = re.compile(
    r'style="[^"]*stroke-width:([\d.]+);[^"]*stroke:rgb\(([\d.]+)%,([\d.]+)%,([\d.]+)%\)[^"]*"\s+d="([^"]*)"'
)


def coloured(red: str, green: str, blue: str) -> bool:
    """Series colours; black, white and the greys of axes, gridlines and frames are not."""
    return len({red, green, blue}) > 1


def bars(svg: str) -> int:
    return sum(1 for match in _FILL.finditer(svg) if coloured(*match.groups()))


def line_months(svg: str) -> int:
    """How many month positions the series line spans, from its drawn x-coordinates.

    Thick coloured strokes only (axes and gridlines are thin and grey). Points in a straight
    run may be merged into one segment when drawn, so the span is measured in steps of the
    narrowest gap between points, which is one month.
    """
    xs: list[float] = []
    for width, red, green, blue, path in _STROKE.findall(svg):
        if coloured(red, green, blue) and float(width) > 1.5:
            xs += [float(x) for x in re.findall(r"[ML] ([\d.]+) ", path)]
    if len(xs) < 2:
        return len(xs)
    xs.sort()
    step = min(b - a for a, b in itertools.pairwise(xs) if b - a > 1)
    return round((xs[-1] - xs[0]) / step) + 1


def page_of(words: list[Any], text: str) -> int:
    starts = [w.page for w in words if w.text == text.split()[0]]
    for page in sorted(set(starts)):
        line = " ".join(w.text for w in words if w.page == page)
        if text in line:
            return int(page)
    raise AssertionError(f"no page shows {text!r}")


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_libreoffice_prints_every_sheet_without_overprinting_and_draws_the_charts(
    engine: Engine, settings: Settings, tmp_path: Path, scope: Scope
) -> None:
    for demo_file in write_demo_files(tmp_path / "files"):
        ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)
    workbook = build_edition(engine, settings, Period(2018, 1), scope).path
    pdf = convert(workbook, "pdf", tmp_path / "pdf")
    pages = render_pages(pdf, tmp_path)
    assert len(pages) >= 8
    assert all(page.stat().st_size > 2_000 for page in pages)  # every page printed something
    widths, words = page_words(pdf)
    assert overprinted(words) == []
    assert [w for w in words if w.right > widths[w.page - 1] - 5] == []  # nothing cut off

    book = load_workbook(workbook)
    forces = book["force_areas"]
    (ref,) = [t.ref for t in forces.tables.values()]
    changes = [row[6].value for row in forces[ref][1:]]
    trend = book["monthly_trend"]
    months = [row[1].value for row in trend[trend.tables["monthly_trend"].ref][1:]]
    numeric_months = sum(isinstance(v, int) for v in months)

    first = page_of(words, "Chart 1:")
    second = page_of(words, "Chart 2:")
    drawn_bars = bars(svg_page(pdf, first, tmp_path))
    assert drawn_bars == sum(isinstance(v, int | float) and v != 0 for v in changes)
    spanned = line_months(svg_page(pdf, second, tmp_path))
    if scope.kind == "force":
        assert spanned <= numeric_months  # a month between two [c] has no segment to draw
    else:
        assert spanned == numeric_months == 12
    if scope.kind == "national":
        assert drawn_bars == 41  # 43 force areas, two of them [c]

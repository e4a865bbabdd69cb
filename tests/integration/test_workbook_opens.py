"""A real spreadsheet application opens the workbook: LibreOffice to PDF, first page to PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.commands import ingest_files
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.demo import write_demo_files
from flows.report.edition import build_edition
from tests.support.office import convert, render_pages

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_libreoffice_converts_the_workbook_and_renders_the_cover(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    for demo_file in write_demo_files(tmp_path / "files"):
        ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)
    workbook = build_edition(engine, settings, Period(2018, 1), Scope("national")).path
    pdf = convert(workbook, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = render_pages(pdf, tmp_path)
    png = pages[0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5_000  # a rendered page of text, not a blank image
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM helpline.editions")).scalar() == 1

"""A real spreadsheet application opens the workbook: LibreOffice to PDF, first page to PNG."""

from __future__ import annotations

import os
import shutil
import subprocess
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

pytestmark = [pytest.mark.slow, pytest.mark.integration]
TOOLS = ("soffice", "pdftoppm")


def tools_or_skip() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install {', '.join(missing)} (see .ci/run)")
    if missing:
        pytest.skip(
            f"{', '.join(missing)} missing: apt-get install libreoffice-calc-nogui poppler-utils"
        )


def test_libreoffice_converts_the_workbook_and_renders_the_cover(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    tools_or_skip()
    for demo_file in write_demo_files(tmp_path / "files"):
        ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)
    workbook = build_edition(engine, settings, Period(2018, 1), Scope("national")).path
    profile = tmp_path / "lo-profile"
    converted = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert converted.returncode == 0, converted.stderr
    pdf = tmp_path / "pdf" / f"{workbook.stem}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    rendered = subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5_000  # a rendered page of text, not a blank image
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM helpline.editions")).scalar() == 1

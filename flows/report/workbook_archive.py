"""Saving a workbook byte-for-byte reproducibly, with alt text on its charts, atomically."""

from __future__ import annotations

import gc
import io
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from flows.core.errors import HelplineError

_CHART_FRAME = re.compile(rb'<((?:\w+:)?cNvPr) id="(\d+)" name="Chart (\d+)"')


@dataclass(frozen=True)
class ChartText:
    force_title: str
    force_alt: str
    trend_title: str
    trend_alt: str
    periods: str = ""  # e.g. "Jul to Dec 2017 and Jan to Jun 2018", for the charts' captions
    # A chart with nothing published to draw (every value [c], or no count above zero) is left
    # out and its caption says why: an empty frame with made-up axis ticks reads as broken.
    force_drawn: bool = True
    trend_drawn: bool = True

    def alt_for(self, chart_number: int, has_force_chart: bool) -> str:
        if has_force_chart and chart_number == 1:
            return self.force_alt
        return self.trend_alt


def workbook_bytes(workbook: Workbook) -> bytes:
    """Serialise without openpyxl's save(), which stamps the current time into the file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def _add_alt_text(xml: bytes, alt: ChartText, has_force_chart: bool) -> bytes:
    def describe(match: re.Match[bytes]) -> bytes:
        text = alt.alt_for(int(match[3]), has_force_chart)
        return match[0] + b" descr=" + quoteattr(text).encode("utf-8")

    return _CHART_FRAME.sub(describe, xml)


def normalise_archive(
    data: bytes, alt: ChartText, moment: datetime, has_force_chart: bool
) -> bytes:
    """Same entries, same order, fixed timestamps: identical data gives identical bytes."""
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/drawings/drawing") and info.filename.endswith(".xml"):
                content = _add_alt_text(content, alt, has_force_chart)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content, compresslevel=6)
    return output.getvalue()


def _could_not_write(path: Path, error: OSError) -> HelplineError:
    return HelplineError(
        f"Could not write {path.name}: {error.strerror}; no workbook was written. "
        "Free some space or choose another output folder."
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a failed write never leaves half a workbook."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise HelplineError(
            f"Cannot write to {path.parent}: {error.strerror}. Choose a writable output folder."
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _could_not_write(path, error) from None


def _save(workbook: Workbook, path: Path, alt: ChartText, moment: datetime, charts: bool) -> Path:
    # openpyxl spools worksheets through its own temporary files while serialising, so a full
    # disk or a file-size limit can strike here as well as in write_atomically. Its half-written
    # worksheet generators then fail a second time when collected; that echo is silenced so the
    # user reads one line, and the failure is raised outside the except block so it does not
    # keep those generators alive.
    failure: HelplineError | None = None
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        try:
            data = normalise_archive(workbook_bytes(workbook), alt, moment, charts)
        except OSError as error:
            failure = _could_not_write(path, error)
        if failure is not None:
            gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    if failure is not None:
        raise failure
    write_atomically(path, data)
    return path


def save_reproducibly(workbook: Workbook, path: Path, moment: datetime) -> Path:
    """Any workbook (demo files, feedback) saved with fixed timestamps."""
    workbook.properties.created = moment
    workbook.properties.modified = moment
    return _save(workbook, path, ChartText("", "", "", ""), moment, charts=False)


def save_deterministic(workbook: Workbook, path: Path, alt: ChartText, moment: datetime) -> Path:
    has_force_chart = "force_areas" in workbook.sheetnames and alt.force_drawn
    return _save(workbook, path, alt, moment, charts=has_force_chart)

"""A 2 GiB-uncompressed workbook of a few MiB is refused before parsing, in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]
TWO_GIB = 2 * 2**30
PROBE = """
import json, sys, time
from pathlib import Path
from flows.core.errors import FileRejected
from flows.intake.reading.guards import check_file_before_parsing
started = time.perf_counter()
try:
    check_file_before_parsing(Path(sys.argv[1]), max_uncompressed_bytes=512 * 2**20)
    message = None
except FileRejected as rejection:
    message = rejection.message
seconds = time.perf_counter() - started
# VmHWM is this process's own peak; ru_maxrss can carry the parent's peak across exec.
status = Path("/proc/self/status").read_text().splitlines()
peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"message": message, "seconds": seconds, "peak_mb": peak_kb / 1024}))
"""


def write_big_workbook(path: Path) -> None:
    """Real deflated parts totalling 2 GiB of sheet XML, streamed so the test stays lean."""
    row = b'<row r="1"><c r="A1" t="n"><v>1</v></c></row>' * 1024
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for part in range(2):
            with archive.open(f"xl/worksheets/sheet{part + 1}.xml", "w", force_zip64=True) as out:
                written = 0
                while written < TWO_GIB // 2:
                    out.write(row)
                    written += len(row)


def test_two_gib_uncompressed_workbook_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    write_big_workbook(path)
    assert path.stat().st_size < 32 * 2**20  # a few MiB on disk
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(probe.stdout)
    assert result["message"] == (
        "huge.xlsx would be 2,048 MB uncompressed, over the 512 MB limit "
        "(HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to split it."
    )
    assert result["peak_mb"] < 300
    print(
        f"refused in {result['seconds']:.3f} s, peak RSS {result['peak_mb']:.0f} MB, "
        f"{path.stat().st_size / 2**20:.1f} MiB on disk"
    )

"""The reading child: the same table as an in-process read, only the reader imported, and every
way a child can end turned into one sentence naming the file and the limit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from flows.core.errors import ConfigurationError, FileRejected
from flows.intake.reading.contained_read import _verdict, read_in_child, read_in_child_measured
from flows.intake.reading.read_request import MB, ReadLimits, ReadRequest
from flows.intake.reading.readers import read_table

REPO = Path(__file__).resolve().parents[2]
WANTED = ("Ref", "Date of contact", "Police force")
SAVE_AGAIN = "ask the partner to save it again with only the contact table."


def workbook(path: Path, rows: int = 50) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*WANTED, "Caller"])
    for i in range(rows):
        sheet.append([f"R{i}", f"0{1 + i % 9}/01/2018", "Lancashire", "Child \u202e"])
    book.save(path)
    return path


def csv_file(path: Path, rows: int = 50) -> Path:
    lines = [",".join(WANTED)] + [f"R{i},03/01/2018,GMP" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [workbook, csv_file], ids=["xlsx", "csv"])
def test_the_child_reads_what_an_in_process_read_reads(make: object, tmp_path: Path) -> None:
    path = make(tmp_path / ("f.xlsx" if make is workbook else "f.csv"))  # type: ignore[operator]
    here = read_table(path, wanted=WANTED)
    there, usage = read_in_child_measured(ReadRequest(path, "records", WANTED), ReadLimits())
    assert there.table.row_numbers.tolist() == here.row_numbers.tolist() == list(range(2, 52))
    for heading in WANTED:
        assert there.table.columns[heading].values().tolist() == (
            here.columns[heading].values().tolist()
        )
    assert there.table.headings == here.headings
    assert 0 < usage["peak_mb"] < 1024 and usage["cpu_seconds"] >= 0


def test_a_profile_mistake_comes_back_as_a_configuration_error(tmp_path: Path) -> None:
    request = ReadRequest(workbook(tmp_path / "f.xlsx"), "records", WANTED, header_row=99)
    with pytest.raises(ConfigurationError, match="says the headings are on row 99"):
        read_in_child(request, ReadLimits())


def shared_string_cells(path: Path, rows: int, columns: int) -> Path:
    """Cells that all share one 32,767-character string: calamine copies it into each."""
    workbook(path, rows=0)
    text = "x" * 32_767
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    letters = [chr(65 + c // 26 - 1) + chr(65 + c % 26) if c >= 26 else chr(65 + c)
               for c in range(columns)]  # fmt: skip
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>0</v></c>' for c in letters) + "</row>"
        for r in range(1, rows + 1)
    )
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = (sheet[: start + 11] + body + sheet[end:]).encode()
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats'
        b'-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_file_that_needs_more_memory_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = shared_string_cells(tmp_path / "big.xlsx", rows=6, columns=400)  # 79 MB of copies
    request = ReadRequest(path, "records", WANTED)
    with pytest.raises(FileRejected) as raised:
        read_in_child(request, ReadLimits(memory_bytes=160 * MB))
    assert raised.value.message == (
        f"big.xlsx could not be read within 160 MB (HELPLINE_READ_MEMORY_MB); {SAVE_AGAIN}"
    )


def test_a_read_past_its_wall_clock_limit_is_stopped(tmp_path: Path) -> None:
    request = ReadRequest(workbook(tmp_path / "slow.xlsx", rows=2000), "records", WANTED)
    with pytest.raises(FileRejected) as raised:
        read_in_child(request, ReadLimits(wall_seconds=0.001))
    assert raised.value.message == (
        f"slow.xlsx could not be read within 0.001 seconds (HELPLINE_READ_WALL_SECONDS); "
        f"{SAVE_AGAIN}"
    )


@pytest.mark.parametrize(
    ("exitcode", "stderr", "said"),
    [
        (-signal.SIGABRT, "memory allocation of 549755813888 bytes failed\n",
         f"could not be read within 2,048 MB (HELPLINE_READ_MEMORY_MB); {SAVE_AGAIN}"),
        (-signal.SIGKILL, "", f"could not be read within 2,048 MB (HELPLINE_READ_MEMORY_MB); "
                              f"{SAVE_AGAIN}"),
        (-signal.SIGXCPU, "", "could not be read within 120 seconds of CPU time "
                              f"(HELPLINE_READ_CPU_SECONDS); {SAVE_AGAIN}"),
        (-signal.SIGSEGV, "", f"made the spreadsheet reader stop (signal 11) before it could be "
                              f"read; {SAVE_AGAIN}"),
        (1, "Traceback ...", f"made the spreadsheet reader stop (status 1) before it could be "
                             f"read; {SAVE_AGAIN}"),
    ],
)  # fmt: skip
def test_each_way_a_child_ends_is_named(exitcode: int, stderr: str, said: str) -> None:
    rejection = _verdict("f.xlsx", ReadLimits(), exitcode, False, stderr)
    assert rejection.message == f"f.xlsx {said}"


PROBE = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    if __name__ != "__main__":  # the reading child must not run its parent's main module
        Path(sys.argv[2]).write_text("imported")
        raise SystemExit
    from flows.intake.reading.contained_read import read_in_child
    from flows.intake.reading.read_request import ReadLimits, ReadRequest
    result = read_in_child(ReadRequest(Path(sys.argv[1]), "records", ("Ref",)), ReadLimits())
    print(json.dumps({
        "rows": len(result.table),
        "reader_modules_here": sorted(
            m for m in sys.modules
            if m in ("flows.intake.reading.read_child", "flows.intake.reading.reader_environment")
        ),
        "arrow_pool_here": os.environ.get("ARROW_DEFAULT_MEMORY_POOL"),
    }))
    """
)


def test_the_parent_keeps_its_environment_and_the_child_skips_its_main(tmp_path: Path) -> None:
    script, marker = tmp_path / "main.py", tmp_path / "main-imported"
    script.write_text(PROBE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(csv_file(tmp_path / "f.csv")), str(marker)],
        capture_output=True, text=True, check=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert json.loads(done.stdout) == {
        "rows": 50,
        "reader_modules_here": [],
        "arrow_pool_here": None,
    }
    assert not marker.exists()


def test_the_reader_imports_neither_pandas_nor_great_expectations_nor_prefect() -> None:
    probe = (
        "import sys, flows.intake.reading.reader_environment, flows.intake.reading.read_child\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'great_expectations', 'prefect'}))\n"
        "import pandas\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.stdout.strip() == "[]"
    assert "ModuleNotFoundError: pandas is not used by the reading child" in done.stderr

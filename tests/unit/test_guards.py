"""check_file_before_parsing: hostile or mislabelled files refused from headers and directory."""

from __future__ import annotations

import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from flows.core.errors import FileRejected
from flows.intake.reading.guards import check_file_before_parsing, check_line_lengths
from flows.intake.reading.readers import read_table

MB = 2**20
LIMIT = 512 * MB
OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def workbook(name: str = "contacts.xlsx") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["Ref", "Date of contact", "Police force"])
        sheet.append(["R1", "03/01/2018", "Lancashire"])
        book.save(folder / name)
        return folder / name

    return make


def raw_bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


def zipped(name: str, parts: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, data in parts.items():
                archive.writestr(part, data)
        return folder / name

    return make


def with_workbook_xml(prefix: bytes, name: str = "entities.xlsx") -> Callable[[Path], Path]:
    """A real workbook whose xl/workbook.xml starts with `prefix` (a DOCTYPE, say)."""

    def make(folder: Path) -> Path:
        source = workbook("source.xlsx")(folder)
        with zipfile.ZipFile(source) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        body = parts["xl/workbook.xml"]
        body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
        parts["xl/workbook.xml"] = b'<?xml version="1.0"?>' + prefix + body
        return zipped(name, parts)(folder)

    return make


def zip_bomb(folder: Path) -> Path:
    """40 MiB of zeros deflate to about 40 KiB: a ratio no spreadsheet reaches."""
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(40):
                member.write(b"\0" * MB)
    return path


def encrypted_member(folder: Path) -> Path:
    path = zipped("locked.xlsx", {"xl/workbook.xml": b"<workbook/>"})(folder)
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the local header and the central directory entry.
    for offset in (6, data.rindex(b"PK\x01\x02") + 8):
        data[offset] |= 0x01
    path.write_bytes(bytes(data))
    return path


ENTITY = b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
ACCEPTED = [
    ("xlsx", workbook()),
    ("xlsm", workbook("contacts.xlsm")),
    ("upper-case extension", workbook("CONTACTS.XLSX")),
    ("csv", raw_bytes("contacts.csv", b"Ref,Date\nR1,03/01/2018\n")),
    ("utf-16 csv with its BOM", raw_bytes("contacts.csv", "\ufeffRef\tDate\n".encode("utf-16-le"))),
    ("ods", zipped("contacts.ods", {"mimetype": b"application/x", "content.xml": b"<x/>"})),
    ("old .xls (OLE2) without encryption", raw_bytes("contacts.xls", OLE2_HEADER + b"Workbook")),
    ("comment before the root element", with_workbook_xml(b"<!-- " + b"x" * 9000 + b" -->")),
]  # fmt: skip


@pytest.mark.parametrize("make", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_ordinary_files_pass(make: Callable[[Path], Path], tmp_path: Path) -> None:
    check_file_before_parsing(make(tmp_path), max_uncompressed_bytes=LIMIT)


REJECTED = [
    ("unsupported extension", raw_bytes("contacts.pdf", b"%PDF-1.7"), LIMIT,
     "contacts.pdf has .pdf; accepted files are .xlsx, .xlsm, .xls, .ods, .csv."),
    ("no extension", raw_bytes("contacts", b"Ref\n"), LIMIT,
     "contacts has no extension; accepted files are .xlsx, .xlsm, .xls, .ods, .csv."),
    ("empty file", raw_bytes("contacts.csv", b""), LIMIT,
     "contacts.csv is empty (0 bytes); ask the partner to send it again."),
    ("password-protected xlsx",
     raw_bytes("locked.xlsx", OLE2_HEADER + "EncryptedPackage".encode("utf-16-le")), LIMIT,
     "locked.xlsx is password-protected; ask the partner to send it without a password."),
    ("password-protected, marker far into the file",
     raw_bytes("locked.xlsx", OLE2_HEADER + bytes(3 * MB) + "EncryptedPackage".encode("utf-16-le")),
     LIMIT, "locked.xlsx is password-protected; ask the partner to send it without a password."),
    ("encrypted zip member", encrypted_member, LIMIT,
     "locked.xlsx is password-protected; ask the partner to send it without a password."),
    ("old .xls named .xlsx", raw_bytes("contacts.xlsx", OLE2_HEADER), LIMIT,
     "contacts.xlsx is an old-style .xls workbook; rename it to .xls."),
    ("xlsx named .xls", workbook("contacts.xls"), LIMIT,
     "contacts.xls is an .xlsx workbook named .xls; rename it to .xlsx."),
    ("csv named .xls", raw_bytes("contacts.xls", b"Ref,Date\n"), LIMIT,
     "contacts.xls is not an Excel workbook, although it is named .xls; ask the partner to save "
     "it as .xlsx or .csv."),
    ("PDF named .xlsx", raw_bytes("contacts.xlsx", b"%PDF-1.7\n"), LIMIT,
     "contacts.xlsx is a PDF, although it is named .xlsx; ask the partner for the spreadsheet "
     "itself."),
    ("text named .ods", raw_bytes("contacts.ods", b"Ref,Date\n"), LIMIT,
     "contacts.ods is not a spreadsheet, although it is named .ods; ask the partner for the "
     "spreadsheet itself."),
    ("xlsx named .csv", workbook("contacts.csv"), LIMIT,
     "contacts.csv is not a CSV text file (it looks like a spreadsheet or binary file); save it "
     "as CSV or give it its proper extension."),
    ("binary named .csv", raw_bytes("contacts.csv", b"Ref\0\0\x01\x02"), LIMIT,
     "contacts.csv is not a CSV text file (it looks like a spreadsheet or binary file); save it "
     "as CSV or give it its proper extension."),
    ("corrupt zip", raw_bytes("contacts.xlsx", b"PK\x03\x04" + b"\x17garbage" * 50), LIMIT,
     "contacts.xlsx is corrupt and cannot be opened (File is not a zip file); ask the partner "
     "to save it again and resend it."),
    ("zip without a workbook part", zipped("contacts.xlsx", {"word/document.xml": b"<w/>"}), LIMIT,
     "contacts.xlsx is a zip file but not an Excel workbook (it has no xl/workbook.xml); ask "
     "the partner for the spreadsheet itself."),
    ("ods without content.xml", zipped("contacts.ods", {"mimetype": b"x"}), LIMIT,
     "contacts.ods is not an OpenDocument spreadsheet (it has no content.xml); ask the partner "
     "to save it again as .ods or .xlsx."),
    ("too many parts", zipped("contacts.xlsx", {f"xl/p{i}.bin": b"" for i in range(10_001)}),
     LIMIT, "contacts.xlsx holds 10,001 parts, which no normal workbook does; ask the partner to "
     "save it again from their spreadsheet program."),
    ("uncompressed size over the limit",
     zipped("big.xlsx", {"xl/workbook.xml": b"<w/>", "xl/media/a.bin": bytes(range(256)) * 8192}),
     1 * MB, "big.xlsx would be 2 MB uncompressed, over the 1 MB limit "
     "(HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to split it."),
    ("csv over the limit", raw_bytes("big.csv", b"Ref\n" + b"R1\n" * MB), 1 * MB,
     "big.csv is 3 MB, over the 1 MB limit (HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to "
     "split it."),
    ("DOCTYPE with entities", with_workbook_xml(ENTITY), LIMIT,
     "entities.xlsx contains an XML document type declaration (xl/workbook.xml), which "
     "workbooks never need, so it was not opened; ask the partner to save it again "
                "from their spreadsheet program."),
    ("DOCTYPE hidden behind a long comment",
     with_workbook_xml(b"<!--" + b" " * 6000 + b"-->" + ENTITY), LIMIT,
     "entities.xlsx contains an XML document type declaration (xl/workbook.xml), which "
     "workbooks never need, so it was not opened; ask the partner to save it again "
                "from their spreadsheet program."),
    ("ENTITY in a relationships part",
     zipped("rels.xlsx", {"xl/workbook.xml": b"<w/>", "_rels/.rels": b'<!ENTITY x "y"><r/>'}),
     LIMIT, "rels.xlsx contains an XML document type declaration (_rels/.rels), which workbooks "
     "never need, so it was not opened; ask the partner to save it again from their "
     "spreadsheet program."),
    ("XML preamble that never ends",
     zipped("long.xlsx", {"xl/workbook.xml": b"<?xml version='1.0'?>" + b" " * 70_000 + b"<w/>"}),
     LIMIT, "long.xlsx has an XML part with an unusually long preamble (xl/workbook.xml); ask the "
     "partner to save it again from their spreadsheet program."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "limit", "message"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED]
)
def test_refused_before_parsing(
    make: Callable[[Path], Path], limit: int, message: str, tmp_path: Path
) -> None:
    with pytest.raises(FileRejected) as raised:
        check_file_before_parsing(make(tmp_path), max_uncompressed_bytes=limit)
    assert raised.value.message == message


def test_zip_bomb_refused_by_compression_ratio(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as raised:
        check_file_before_parsing(zip_bomb(tmp_path), max_uncompressed_bytes=LIMIT)
    # The exact ratio depends on the zlib build, so only its shape is pinned.
    assert re.fullmatch(
        r"bomb\.xlsx has a part that expands [\d,]+ times \(xl/worksheets/sheet1\.xml\); "
        r"it looks like a zip bomb and was not opened\.",
        raised.value.message,
    )


def test_two_gib_sheet_refused_fast_and_small(tmp_path: Path) -> None:
    """A 2 GiB sheet that is ~12 MiB on disk: refused from the central directory alone."""
    path = tmp_path / "huge.xlsx"
    row = b"<row><c><v>0</v></c></row>"
    chunk = (row * (MB // len(row) + 1))[:MB]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(2048):
                member.write(chunk)
    assert path.stat().st_size < 64 * MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FileRejected) as raised:
            read_table(path, wanted=["Ref"], max_uncompressed_bytes=LIMIT)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raised.value.message == (
        "huge.xlsx would be 2,048 MB uncompressed, over the 512 MB limit "
        "(HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to split it."
    )
    assert elapsed < 5
    assert peak < 300 * MB


def _narrow_lines(size: int) -> bytes:
    """Whole five-column lines, as many as fit in `size` bytes."""
    line = b"R000001,01/07/2017 08:00,Lancashire,Child,Phone\n"
    return line * (size // len(line))


@pytest.mark.parametrize(
    ("where", "data"),
    [
        ("in the first chunk", b"a" + b",a" * 1_004 + b"\n" + _narrow_lines(3 * MB)),
        ("after narrow chunks", _narrow_lines(3 * MB) + b",a" * 1_004 + b"\n"),
        # the wide line starts in one megabyte chunk and ends in the next
        (
            "across a chunk boundary",
            _narrow_lines(MB - 500) + b";" * 1_004 + b"\n" + _narrow_lines(MB),
        ),
        ("on the last line, unended", _narrow_lines(2 * MB) + b"\t" * 1_004),
        (
            "split over chunks by carriage returns",
            _narrow_lines(MB - 3).replace(b"\n", b"\r") + b"|" * 1_004,
        ),
    ],
)
def test_a_csv_line_wider_than_the_profile_allows_is_refused(
    tmp_path: Path, where: str, data: bytes
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(data)
    with pytest.raises(FileRejected) as refused:
        check_line_lengths(path, max_columns=1_004)
    assert refused.value.message.startswith("wide.csv has a line of more than 1,004 columns"), where


def test_a_csv_line_one_separator_short_of_the_limit_passes(tmp_path: Path) -> None:
    """1,003 separators make 1,004 columns: as wide as allowed, wherever the line falls."""
    path = tmp_path / "edge.csv"
    for data in (
        _narrow_lines(MB - 500) + b"," * 1_003 + b"\r\n" + _narrow_lines(MB),
        b"," * 1_003,
        _narrow_lines(2 * MB) + b"," * 1_003,
    ):
        path.write_bytes(data)
        check_line_lengths(path, max_columns=1_004)

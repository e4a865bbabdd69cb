"""Checks made before a partner file is parsed: type, size, zip bombs, encryption, XML entities.

Everything here reads file headers and the zip central directory only, so a hostile file is
refused before any parser inflates it.
"""

from __future__ import annotations

import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from flows.core.errors import FileRejected

ACCEPTED = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ZIP_FORMATS = (".xlsx", ".xlsm", ".ods")
ZIP_MAGIC, OLE2_MAGIC, PDF_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_RATIO = 200  # deflate rarely beats ~100:1 on real sheets; bombs run to the ~1000:1 maximum
RATIO_FLOOR_BYTES = 10 * 2**20  # small parts (styles, shared strings) may compress very well
MAX_MEMBERS = 10_000
MB = 2**20
# The DOCTYPE, if any, must come before the root element; its start ends the scan.
_XML_CHUNK_BYTES = 4096
_XML_PROLOG_LIMIT = 64 * 1024
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_XML_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_ENCRYPTED_STREAM = ("EncryptedPackage".encode("utf-16-le"), b"EncryptedPackage")
_SCAN_CHUNK_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20  # no spreadsheet program exports a CSV row of a megabyte
MAX_COLUMNS = 16_384  # nor one wider than Excel's last column; a profile may allow fewer
_IS_SEPARATOR = np.zeros(256, bool)
_IS_SEPARATOR[list(b",;\t|")] = True


def _kind(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(PDF_MAGIC):
        return "pdf"
    return "text"


def _binary(head: bytes) -> bool:
    # NUL bytes mean binary, unless the text is UTF-16 (Excel's "Unicode Text" export).
    return b"\x00" in head and not head.startswith(UTF16_BOMS)


def _holds_encrypted_package(path: Path) -> bool:
    """An encrypted OOXML workbook is an OLE2 container with an "EncryptedPackage" stream.

    The directory entry naming it can sit anywhere in the container, so the whole file is
    scanned in chunks (OLE2 files are already capped by the size check).
    """
    overlap = max(len(marker) for marker in _ENCRYPTED_STREAM) - 1
    tail = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_SCAN_CHUNK_BYTES), b""):
            window = tail + chunk
            if any(marker in window for marker in _ENCRYPTED_STREAM):
                return True
            tail = window[-overlap:]
    return False


def _password_protected(name: str) -> FileRejected:
    return FileRejected(
        f"{name} is password-protected; ask the partner to send it without a password."
    )


def check_type(path: Path, suffix: str, head: bytes) -> None:
    """The first bytes must match the extension: a renamed file is refused with the fix."""
    name, kind = path.name, _kind(head)
    if kind == "ole2" and suffix != ".csv" and _holds_encrypted_package(path):
        raise _password_protected(name)
    if suffix in ZIP_FORMATS:
        if kind == "ole2":
            raise FileRejected(f"{name} is an old-style .xls workbook; rename it to .xls.")
        if kind != "zip":
            what = "a PDF" if kind == "pdf" else "not a spreadsheet"
            raise FileRejected(
                f"{name} is {what}, although it is named {suffix}; ask the partner for the "
                "spreadsheet itself."
            )
    elif suffix == ".xls":
        if kind == "zip":
            raise FileRejected(f"{name} is an .xlsx workbook named .xls; rename it to .xlsx.")
        if kind != "ole2":
            raise FileRejected(
                f"{name} is not an Excel workbook, although it is named .xls; ask the partner "
                "to save it as .xlsx or .csv."
            )
    elif suffix == ".csv" and (kind != "text" or _binary(head)):
        raise FileRejected(
            f"{name} is not a CSV text file (it looks like a spreadsheet or binary file); "
            "save it as CSV or give it its proper extension."
        )


def _declares_doctype(stream: IO[bytes]) -> bool | None:
    """True if the XML prolog has a DOCTYPE/ENTITY; None if no root element within the limit."""
    head = b""
    while len(head) < _XML_PROLOG_LIMIT:
        chunk = stream.read(_XML_CHUNK_BYTES)
        if not chunk:
            break
        head += chunk
        text = head.decode("utf-16", "ignore").encode() if head.startswith(UTF16_BOMS) else head
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            return True
        # Comments and processing instructions may hold "<x" (or pad the prolog): skip them.
        body = text.removeprefix(b"\xef\xbb\xbf")
        rest = body[_XML_PROLOG.match(body).end() :]  # type: ignore[union-attr]
        if rest[:1] not in (b"", b"<") or _ROOT_ELEMENT.match(rest):
            return False
    return None if head else False


def _check_members(name: str, archive: zipfile.ZipFile, max_uncompressed_bytes: int) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRejected(
            f"{name} holds {len(members):,} parts, which no normal workbook does; ask the "
            "partner to save it again from their spreadsheet program."
        )
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise FileRejected(
            f"{name} would be {total / MB:,.0f} MB uncompressed, over the "
            f"{max_uncompressed_bytes / MB:,.0f} MB limit "
            "(HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to split it."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise FileRejected(
                f"{name} has a part that expands {ratio:,.0f} times ({member.filename}); "
                "it looks like a zip bomb and was not opened."
            )
        if member.flag_bits & 0x1:
            raise _password_protected(name)


def _check_unique_names(name: str, archive: zipfile.ZipFile) -> None:
    """Two parts of one name (part names are case-insensitive in a workbook): readers would
    disagree on which is the sheet, so the file is refused rather than read from either."""
    seen: set[str] = set()
    for member in archive.namelist():
        if member.casefold() in seen:
            raise FileRejected(
                f"{name} is corrupt: it holds two parts named {member[:120]}, which no "
                "spreadsheet program writes; ask the partner to save it again and resend it."
            )
        seen.add(member.casefold())


def _check_parts(name: str, suffix: str, archive: zipfile.ZipFile) -> None:
    _check_unique_names(name, archive)
    names = set(archive.namelist())
    if suffix == ".ods" and "content.xml" not in names:
        raise FileRejected(
            f"{name} is not an OpenDocument spreadsheet (it has no content.xml); ask the partner "
            "to save it again as .ods or .xlsx."
        )
    if suffix != ".ods" and "xl/workbook.xml" not in names:
        raise FileRejected(
            f"{name} is a zip file but not an Excel workbook (it has no xl/workbook.xml); ask "
            "the partner for the spreadsheet itself."
        )
    for member in archive.infolist():
        # Every part, whatever its name: a relationship may point a parser at "sheet1.XML"
        # or "sheet1.bin" just as well; a part that is not XML ends the scan at its first byte.
        if member.is_dir():
            continue
        with archive.open(member) as stream:
            verdict = _declares_doctype(stream)
        if verdict is None:
            raise FileRejected(
                f"{name} has an XML part with an unusually long preamble "
                f"({member.filename[:120]}); "
                "ask the partner to save it again from their spreadsheet program."
            )
        if verdict:
            raise FileRejected(
                f"{name} contains an XML document type declaration "
                f"({member.filename[:120]}), which workbooks never need, so it was not "
                "opened; ask the partner to save it again from their spreadsheet program."
            )


def check_zip(path: Path, max_uncompressed_bytes: int) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(name, archive, max_uncompressed_bytes)
            _check_parts(name, path.suffix.lower(), archive)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        zlib.error,  # a corrupt deflate stream in a part the DOCTYPE scan reads
        lzma.LZMAError,
    ) as error:
        detail = " ".join(str(error).split())[:120]
        raise FileRejected(
            f"{name} is corrupt and cannot be opened ({detail}); ask the partner to save it "
            "again and resend it."
        ) from None
    except NotImplementedError:
        raise FileRejected(
            f"{name} uses a compression method workbooks do not use; ask the partner to save "
            "it again from their spreadsheet program."
        ) from None


def check_file_before_parsing(
    path: Path, *, max_uncompressed_bytes: int, max_columns: int = MAX_COLUMNS, why: str = ""
) -> None:
    """Raise FileRejected for a file no parser should be given; return quietly otherwise.

    `max_columns` is the widest table the partner's profile can read, `why` says so in the
    partner's terms (flows.intake.reading.size_guards.SizeLimits.too_wide).
    """
    suffix = path.suffix.lower()
    if suffix not in ACCEPTED:
        shown = suffix or "no extension"
        raise FileRejected(f"{path.name} has {shown}; accepted files are {', '.join(ACCEPTED)}.")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_XML_CHUNK_BYTES)
    except OSError as error:
        raise FileRejected(
            f"{path.name} cannot be opened ({error.strerror}); check the file is in place and "
            "readable."
        ) from None
    if size == 0:
        raise FileRejected(f"{path.name} is empty (0 bytes); ask the partner to send it again.")
    if suffix not in ZIP_FORMATS and size > max_uncompressed_bytes:
        raise FileRejected(
            f"{path.name} is {size / MB:,.0f} MB, over the {max_uncompressed_bytes / MB:,.0f} MB "
            "limit (HELPLINE_MAX_UNCOMPRESSED_MB); ask the partner to split it."
        )
    check_type(path, suffix, head)
    if suffix in ZIP_FORMATS:
        check_zip(path, max_uncompressed_bytes)
    elif suffix == ".csv":
        check_line_lengths(path, min(max_columns, MAX_COLUMNS), why)


def check_line_lengths(path: Path, max_columns: int = MAX_COLUMNS, why: str = "") -> None:
    """Refuse a CSV with a line of a megabyte or more, or wider than a spreadsheet can be.

    Parsing such lines takes memory many times their size, so this runs before any parser, over
    fixed-size chunks: a chunk with no line break means a line at least that long, and no line
    may hold more separators (any of , ; tab |) than Excel has columns. A separator is a byte,
    so only a chunk holding a line of at least `max_columns` bytes has its separators counted.
    """
    running = _RunningLine()  # the line carried on from the previous chunk
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(MAX_LINE_BYTES), b""):
            data = np.frombuffer(chunk, dtype=np.uint8)
            breaks = np.flatnonzero((data == ord("\n")) | (data == ord("\r")))
            if len(chunk) == MAX_LINE_BYTES and not breaks.size:
                raise FileRejected(
                    f"{path.name} has a line over {MAX_LINE_BYTES // MB} MB long, which no "
                    "spreadsheet export has; it was not read. Ask the partner to export it again."
                )
            if _longest_line(breaks, len(data), running.length) >= max_columns:
                widest = _widest_line(data, breaks, running.separators)
                if widest >= max_columns:
                    raise FileRejected(_too_wide(path.name, max_columns, why))
            running = running.after(data, breaks)


@dataclass(frozen=True)
class _RunningLine:
    """The bytes and separators of a line that runs on past the end of a chunk."""

    length: int = 0
    separators: int = 0

    def after(self, data: np.ndarray, breaks: np.ndarray) -> _RunningLine:
        """The line running on past `data`: this one still, when `data` holds no break."""
        if not breaks.size:
            return _RunningLine(self.length + len(data), self.separators + _separators(data))
        tail = data[int(breaks[-1]) + 1 :]
        return _RunningLine(len(tail), _separators(tail))


def _separators(data: np.ndarray) -> int:
    return int(np.count_nonzero(_IS_SEPARATOR[data]))


def _longest_line(breaks: np.ndarray, size: int, carried: int) -> int:
    """The most bytes any line of the chunk may hold, the running line's included."""
    if not breaks.size:
        return carried + size
    inner = int(np.diff(breaks).max()) if breaks.size > 1 else 0
    return max(carried + int(breaks[0]), inner, size - int(breaks[-1]))


def _widest_line(data: np.ndarray, breaks: np.ndarray, carried: int) -> int:
    """The most separators on any line of the chunk, the running line's count included."""
    line = np.searchsorted(breaks, np.flatnonzero(_IS_SEPARATOR[data]))  # breaks before each
    per_line = np.bincount(line, minlength=len(breaks) + 1)
    per_line[0] += carried
    return int(per_line.max())


def _too_wide(name: str, max_columns: int, why: str) -> str:
    if max_columns >= MAX_COLUMNS or not why:
        return (
            f"{name} has a line of more than {max_columns:,} columns, which no spreadsheet "
            "holds; it was not read. Ask the partner to export it again."
        )
    return (
        f"{name} has a line of more than {max_columns:,} columns, {why}; it was not read. "
        "Ask the partner to export only the contact table."
    )

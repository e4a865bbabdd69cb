"""Reading a partner's sheet or CSV into the wanted columns, below title rows and above notes.

Both formats become a grid of cells (object array) under the header row; whole-array steps then
drop blank rows, a trailing "Total" row and notes under the table."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from flows.cell_parsing import blank_cells
from flows.errors import FileRejected, HelplineError
from flows.guards import check_file_before_parsing

HEADER_SEARCH_ROWS = 50
DEFAULT_MAX_UNCOMPRESSED_BYTES = 512 * 2**20
DELIMITERS = (",", ";", "\t", "|")
# "Total", "Totals:", "Grand total", "TOTAL contacts"; not a reference such as "TOTAL-0001".
_TOTAL_LABEL = re.compile(r"\s*(?:grand\s+)?totals?(?![\w-])", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
NEWLINE = b"\n"
HeaderRow = int | Literal["auto"]
Rows = Sequence[Sequence[object]]


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame  # one object column per wanted heading (keyed by the profile's text)
    row_numbers: np.ndarray  # int64: each row's number in the partner's own file
    sheet: str | None  # None for csv
    header_row: int  # 1-based
    headings: list[str]  # every heading in the header row, for messages and personal-data checks


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # calamine gives a heading typed as 2017 as 2017.0
    return str(value)


def heading_key(value: object) -> str:
    """Case- and spacing-insensitive form of a heading ("Date of  Contact" == "date of contact")."""
    return " ".join(_cell_text(value).split()).casefold()


def _headings(row: Sequence[object]) -> list[str]:
    return [" ".join(_cell_text(c).split()) for c in row if _cell_text(c).strip()]


def find_header_row(rows: Rows, wanted: Sequence[str]) -> int:
    """0-based index of the first of the first 50 rows holding every wanted heading; -1 if none."""
    keys = {heading_key(w) for w in wanted}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if keys <= {heading_key(cell) for cell in row}:
            return index
    return -1


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate delimiter seen most often on one line (comma if none is seen)."""
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _missing(name: str, where: str, row: Sequence[object], wanted: Sequence[str]) -> FileRejected:
    present = {heading_key(c) for c in row}
    missing = ", ".join(f'"{w}"' for w in wanted if heading_key(w) not in present)
    plural = "columns" if missing.count('", "') else "column"
    return FileRejected(
        f"{name}: {where}has no {plural} {missing} (headings found: "
        f"{', '.join(_headings(row)) or 'none'}). Fix the heading or the profile's [columns]."
    )


def _locate(
    name: str, where: str, rows: Rows, wanted: Sequence[str], header: HeaderRow
) -> tuple[int, list[int]]:
    """The header row's index and each wanted heading's column, or why there are none."""
    if header == "auto":
        index = find_header_row(rows, wanted)
        if index < 0:  # show the row that came closest, so the partner sees the near miss
            keys, searched = {heading_key(w) for w in wanted}, rows[:HEADER_SEARCH_ROWS]
            score = [(len(keys & {heading_key(c) for c in r}), len(_headings(r))) for r in searched]
            best = max(range(len(searched)), key=lambda i: (score[i], -i))
            raise _missing(name, where, searched[best], wanted)
    else:
        index, where = header - 1, f"{where}row {header} "
        if not 0 <= index < len(rows) or find_header_row([rows[index]], wanted) != 0:
            raise _missing(name, where, rows[index] if 0 <= index < len(rows) else [], wanted)
    found = [heading_key(cell) for cell in rows[index]]
    positions = []
    for heading in wanted:
        matches = [i for i, key in enumerate(found) if key == heading_key(heading)]
        if len(matches) > 1:
            raise FileRejected(
                f'{name}: {where}has the heading "{heading}" {len(matches)} times; '
                "rename the extra columns so each heading is unique."
            )
        positions.append(matches[0])
    return index, positions


def _is_total_label(value: object) -> bool:
    return (
        value.__class__ is str
        and value[:1] in "tTgG \t"  # the first letter rules out nearly every cell cheaply
        and _TOTAL_LABEL.match(value) is not None
    )


_total_labels = np.frompyfunc(_is_total_label, 1, 1)


def _table(
    where: tuple[str, str],
    grid: np.ndarray,
    blank: np.ndarray,
    wanted: Sequence[str],
    positions: list[int],
    header: tuple[int, Sequence[object]],
    sheet: str | None,
) -> RawTable:
    """The wanted cells of the data rows (blanks as None) and their rows in the partner's file.

    `grid` holds the cells below the header, columns 0 to the last wanted one, so a "Total"
    label in a helper column on the left still ends the table; `blank` marks its empty cells.
    """
    (name, place), first = where, header[0] + 1
    filled = ~blank
    first_cells = grid[np.arange(len(grid)), filled.argmax(axis=1)]
    totals = np.flatnonzero(filled.any(axis=1) & _total_labels(first_cells).astype(bool))
    end = int(totals[0]) if totals.size else len(grid)
    # Everything after the total is dropped, so complete rows there mean data would be lost.
    lost = np.flatnonzero(filled[end:][:, positions].all(axis=1))
    if lost.size:
        raise FileRejected(
            f'{name}: {place}has data below its "Total" row (row {first + end}), e.g. row '
            f"{first + end + int(lost[0])}; delete the total row or move it to the end."
        )
    cropped, cropped_blank = grid[:end][:, positions], blank[:end][:, positions]
    # Notes: below the last row with two or more wanted cells, from the first blank row on.
    filled_counts = (~cropped_blank).sum(axis=1)
    dense = np.flatnonzero(filled_counts > 1)
    after = int(dense[-1]) + 1 if dense.size else end
    gaps = np.flatnonzero(filled_counts[after:] == 0)
    end = after + int(gaps[0]) if gaps.size else end
    kept = np.flatnonzero(filled_counts[:end] > 0)
    if not kept.size:
        raise FileRejected(f"{name}: {place}has no data rows below the headings.")
    # With no blank rows (the usual case) a slice avoids copying a million rows again.
    rows = slice(0, end) if len(kept) == end else kept
    cells = cropped[rows]
    cells[cropped_blank[rows]] = None
    columns = pd.Index(list(wanted), dtype=object)
    frame = pd.DataFrame(cells, columns=columns, dtype=object, copy=False)
    numbers = (first + kept).astype(np.int64)
    return RawTable(frame, numbers, sheet, header[0], _headings(header[1]))


@contextmanager
def _calamine_errors(path: Path) -> Iterator[None]:
    """Whatever calamine raises on a bad file becomes one sentence about that file."""
    from python_calamine import PasswordError

    try:
        yield
    except HelplineError:
        raise
    except PasswordError:
        raise FileRejected(
            f"{path.name} is password-protected; ask the partner to send it without a password."
        ) from None
    except Exception as error:  # noqa: BLE001 - calamine signals bad files many ways
        detail = " ".join(str(error).split())[:120] or type(error).__name__
        raise FileRejected(
            f"{path.name} is corrupt and cannot be read ({detail}); ask the partner to save it "
            "again and resend it."
        ) from None


def sheet_names(path: Path) -> list[str]:
    """Every sheet of a workbook in order, hidden ones included (none for a CSV)."""
    check_file_before_parsing(path, max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES)
    if path.suffix.lower() == ".csv":
        return []
    from python_calamine import CalamineWorkbook

    with _calamine_errors(path):
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def _read_sheet(
    path: Path, wanted: Sequence[str], sheet: str | None, header: HeaderRow
) -> RawTable:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    with _calamine_errors(path):
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is None:  # the first sheet a person opening the file would see
            sheet = next(
                (
                    m.name
                    for m in workbook.sheets_metadata
                    if m.visible == SheetVisibleEnum.Visible and m.typ != SheetTypeEnum.ChartSheet
                ),
                None,
            )
            if sheet is None:
                raise FileRejected(
                    f"{path.name} has no visible sheet; unhide the data sheet or name it in the "
                    "profile's sheet."
                )
        elif sheet not in names:
            found = ", ".join(f'"{n}"' for n in names)
            raise FileRejected(
                f'{path.name} has no sheet "{sheet}" (sheets found: {found}); fix the profile\'s '
                "sheet or ask the partner to restore it."
            )
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    name, where = path.name, f'sheet "{sheet}" '
    # The whole sheet is looked at only when its first rows are blank (rarely), to be sure.
    if all(blank_cells(np.array(part, dtype=object)).all() for part in (rows[:50], rows)):
        raise FileRejected(f"{name}: {where}is empty; ask the partner to send the data.")
    index, positions = _locate(name, where, rows, wanted, header)
    # calamine rows all have the sheet's width, so numpy stacks them in one C loop.
    width, body = max(positions) + 1, rows[index + 1 :]
    grid = np.array(body, dtype=object)[:, :width] if body else np.empty((0, width), object)
    header_cells = (index + 1, rows[index])
    return _table((name, where), grid, blank_cells(grid), wanted, positions, header_cells, sheet)


def _records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on: a quoted cell may span lines."""
    reader = csv.reader(lines, delimiter=delimiter)
    consumed = 0
    for row in reader:
        yield consumed + 1, row
        consumed = reader.line_num


def _head_records(lines: list[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    pairs = list(_records(lines, delimiter))
    return [row for _, row in pairs], [start for start, _ in pairs]


def _csv_head(
    path: Path, encoding: str, header: HeaderRow, wanted: Sequence[str]
) -> tuple[str, list[list[str]], list[int]]:
    """The delimiter, and the first records with the line each starts on."""
    limit = HEADER_SEARCH_ROWS if header == "auto" else max(header, HEADER_SEARCH_ROWS)
    with path.open(encoding=encoding, newline="") as handle:
        lines = list(itertools.islice(handle, limit))
    best = sniff_delimiter(lines)
    # A delimiter that turns some row into the wanted headings beats a raw count.
    for delimiter in (best, *(d for d in DELIMITERS if d != best)) if header == "auto" else ():
        rows, starts = _head_records(lines, delimiter)
        if find_header_row(rows, wanted) >= 0:
            return delimiter, rows, starts
    return (best, *_head_records(lines, best))


def _csv_body(path: Path, delimiter: str, encoding: str, width: int, skip: int) -> pd.DataFrame:
    def read(usecols: range | None) -> pd.DataFrame:
        return pd.read_csv(
            path,
            sep=delimiter,
            header=None,
            names=range(width),
            usecols=usecols,
            skiprows=skip,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
        )

    try:  # usecols cuts rows longer than the header instead of refusing them...
        return read(range(width))
    except pd.errors.ParserError:  # ...but fails when every row is shorter; names alone pad those
        return read(None)


def _read_csv(path: Path, wanted: Sequence[str], encoding: str, header: HeaderRow) -> RawTable:
    name, where = path.name, "the file "
    delimiter, head_rows, starts = _csv_head(path, encoding, header, wanted)
    if not any(cell.strip() for row in head_rows for cell in row):
        raise FileRejected(f"{name} is empty; ask the partner to send the data.")
    index, positions = _locate(name, where, head_rows, wanted, header)
    last = max(positions) + 1
    frame = _csv_body(path, delimiter, encoding, max(len(head_rows[index]), last), index + 1)
    header_line = starts[index]
    grid = frame.iloc[:, :last].to_numpy(dtype=object)
    # Arrow-backed text columns make this one vectorised pass per column, not per-cell Python.
    blank = np.column_stack([frame[c].str.strip().eq("").to_numpy(bool) for c in range(last)])
    header_cells = (header_line, head_rows[index])
    table = _table((name, where), grid, blank, wanted, positions, header_cells, None)
    breaks = ("\n", "\r")  # plain substring searches: a regex costs twice as much here
    if any(frame[c].str.contains(b, regex=False).any() for c in frame for b in breaks):
        # A quoted cell holds a line break, so records and lines part: count lines again.
        with path.open(encoding=encoding, newline="") as handle:
            starts_all = np.fromiter((n for n, _ in _records(handle, delimiter)), dtype=np.int64)
        numbers = starts_all[index + 1 :][table.row_numbers - header_line - 1]
        table = RawTable(table.frame, numbers, None, header_line, table.headings)
    return table


def _csv_error(path: Path, encoding: str, error: Exception) -> FileRejected:
    if isinstance(error, UnicodeDecodeError):
        data = path.read_bytes()  # only on failure, and the guard capped the size
        try:
            data.decode(encoding)
            where = ""
        except UnicodeDecodeError as failure:
            where = f" (line {data.count(NEWLINE, 0, failure.start) + 1})"
        return FileRejected(
            f"{path.name} is not valid {encoding} text{where}; set the profile's encoding (e.g. "
            'encoding = "cp1252") or ask the partner to save it as UTF-8.'
        )
    detail = " ".join(str(error).split())[:160]
    if isinstance(error, UnicodeError | LookupError):  # "rot13" and the like are not text
        return FileRejected(
            f"{path.name} cannot be read as {encoding} text ({detail}); set the profile's "
            'encoding to a text encoding, e.g. encoding = "cp1252".'
        )
    return FileRejected(
        f"{path.name} is not readable CSV ({detail}); ask the partner to export it again."
    )


def read_table(
    path: Path,
    *,
    wanted: Sequence[str],
    sheet: str | None = None,
    header_row: int | Literal["auto"] = "auto",
    encoding: str = "utf-8",
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> RawTable:
    """The wanted columns of the partner's table, one row per data row, with their row numbers.

    The pre-parse guards run first; any problem with the file is one FileRejected sentence.
    """
    check_file_before_parsing(path, max_uncompressed_bytes=max_uncompressed_bytes)
    wanted = list(dict.fromkeys(wanted))  # two roles may share one heading
    try:  # the guard let through only the accepted extensions
        if path.suffix.lower() != ".csv":
            return _read_sheet(path, wanted, sheet, header_row)
        with path.open("rb") as handle:  # a byte-order mark outranks the profile's encoding
            start = handle.read(3)
        encoding = next((enc for bom, enc in _BOMS if start.startswith(bom)), encoding)
        try:
            return _read_csv(path, wanted, encoding, header_row)
        except (UnicodeError, LookupError, csv.Error, pd.errors.ParserError) as error:
            raise _csv_error(path, encoding, error) from None
    except HelplineError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is one sentence, never a traceback
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:160]
        raise FileRejected(
            f"{path.name} could not be read ({detail}); ask the partner to save it again."
        ) from None

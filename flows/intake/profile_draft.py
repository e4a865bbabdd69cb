"""Drafting a partner profile from a sample file: header row, column mapping, unknown areas."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.core.errors import FileRejected
from flows.core.force_areas import ForceAreaResolver, load_force_areas, spelling_key
from flows.core.safe_text import one_line
from flows.intake.crosstab_draft import draft_crosstab
from flows.intake.guards import check_file_before_parsing
from flows.intake.header_tables import HEADER_SEARCH_ROWS
from flows.intake.readers import read_sheet_grids, read_table

Rows = Sequence[Sequence[object]]

# Words partners use in headings, per canonical column, strongest first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "contact_ref": ("ref", "reference", "id", "case", "chat", "contact number", "record"),
    "contact_date": ("date of contact", "contact date", "date", "started", "received", "opened"),
    "month": ("month", "period"),
    "force_area": ("police force", "force area", "force", "police", "pfa", "area"),
    "contacts": ("contacts", "count", "number", "referrals", "total", "calls"),
    "caller_type": ("caller", "who contacted", "contact type", "caller type", "who"),
    "channel": ("method", "channel", "service", "route", "medium"),
}
_TOML_UNSAFE = re.compile(r'["\\\x00-\x1f]')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _quote(text: str) -> str:
    return '"' + _TOML_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + '"'


def _sheet_rows(path: Path) -> tuple[str | None, list[list[object]]]:
    if path.suffix.lower() == ".csv":
        import csv

        from flows.intake.csv_tables import sniff_delimiter

        text = path.read_text(encoding="utf-8-sig", errors="replace")
        lines = text.splitlines()[:HEADER_SEARCH_ROWS]
        return None, [list(r) for r in csv.reader(lines, delimiter=sniff_delimiter(lines))]
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.sheet_names[0]
    rows: list[list[object]] = [
        list(row)
        for row in workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)[
            :HEADER_SEARCH_ROWS
        ]
    ]
    return sheet, rows


def guess_header(rows: Sequence[Sequence[object]]) -> int:
    """The row (0-based) whose cells look most like headings we know."""

    def score(row: Sequence[object]) -> tuple[int, int]:
        texts = [spelling_key(str(c)) for c in row if isinstance(c, str) and c.strip()]
        known = sum(
            any(spelling_key(w) in t for ws in SYNONYMS.values() for w in ws) for t in texts
        )
        return known, len(texts)

    scores = [score(row) for row in rows]
    return max(range(len(rows)), key=lambda i: (scores[i], -i)) if rows else 0


def guess_columns(headings: Sequence[str]) -> dict[str, str]:
    """Exact heading matches first, then headings containing a known word."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for exact in (True, False):
        for canonical, words in SYNONYMS.items():
            if canonical in mapping:
                continue
            for word in words:
                key = spelling_key(word)
                match = next(
                    (
                        h
                        for h in headings
                        if h not in taken
                        and (key == spelling_key(h) if exact else key in spelling_key(h))
                    ),
                    None,
                )
                if match is not None:
                    mapping[canonical] = match
                    taken.add(match)
                    break
    return mapping


def _sample_sheets(path: Path, max_uncompressed_bytes: int) -> list[tuple[str | None, Rows]]:
    """The first rows of every visible sheet (of the file, for a CSV)."""
    if path.suffix.lower() == ".csv":
        return [_sheet_rows(path)]
    grids = read_sheet_grids(
        path,
        lambda sheets: [name for name, visible in sheets if visible],
        max_uncompressed_bytes=max_uncompressed_bytes,
    )
    return [(name, rows[:HEADER_SEARCH_ROWS]) for name, rows, _ in grids]


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _quote(key)


def _toml_lines(fields: dict[str, Any], table: str = "") -> list[str]:
    """TOML for a draft's keys: strings, numbers, lists of strings and tables of them."""

    def value(item: object) -> str:
        if isinstance(item, list):
            return "[" + ", ".join(_quote(str(v)) for v in item) + "]"
        return str(item) if isinstance(item, int) else _quote(str(item))

    lines = (
        [f"[{table}]"] if table and any(not isinstance(v, dict) for v in fields.values()) else []
    )
    lines += [f"{_key(k)} = {value(v)}" for k, v in fields.items() if not isinstance(v, dict)]
    for key, inner in fields.items():
        if isinstance(inner, dict):
            nested = _toml_lines(inner, f"{table}.{key}" if table else key)
            lines += ["", *nested] if nested[:1] and nested[0].startswith("[") else nested
    return lines


def draft_profile(path: Path, partner_id: str, max_uncompressed_bytes: int) -> str:
    check_file_before_parsing(path, max_uncompressed_bytes=max_uncompressed_bytes)
    try:
        sheets = _sample_sheets(path, max_uncompressed_bytes)
        sheet, rows = sheets[0] if sheets else (None, [])
    except Exception as error:  # noqa: BLE001 - any reader failure is a bad sample
        raise FileRejected(f"{path.name} cannot be read as a sample ({error}).") from None
    resolver = ForceAreaResolver(load_force_areas())
    crosstab = draft_crosstab(sheets, lambda value: resolver.resolve(value) is not None)
    if crosstab is not None:
        head = {"id": partner_id, "name": partner_id.replace("-", " ").capitalize()}
        fields = head | crosstab.fields | {"on_invalid_rows": "reject_file"}
        notes = [f"# Drafted from {path.name}: check every line before using it."]
        notes += [f"# {one_line(note)}" for note in crosstab.notes]
        return "\n".join([*notes, *_toml_lines(fields)]) + "\n"
    index = guess_header(rows)
    headings = [" ".join(str(c).split()) for c in rows[index] if str(c).strip()] if rows else []
    columns = guess_columns(headings)
    layout = "counts" if "month" in columns and "contacts" in columns else "records"
    keep = (
        ("month", "force_area", "contacts")
        if layout == "counts"
        else ("contact_ref", "contact_date", "force_area")
    )
    chosen = {k: v for k, v in columns.items() if k in (*keep, "caller_type", "channel")}
    unresolved: list[str] = []
    if "force_area" in chosen:
        table = read_table(
            path,
            wanted=[chosen["force_area"]],
            sheet=sheet,
            header_row=index + 1,
            max_uncompressed_bytes=max_uncompressed_bytes,
        )
        resolver = ForceAreaResolver(load_force_areas())
        values = table.frame[chosen["force_area"]].dropna().astype(str).unique()
        unresolved = sorted(v for v in values if resolver.resolve(v) is None)[:50]
    lines = [
        f"# Drafted from {path.name}: check every line before using it.",
        f"id = {_quote(partner_id)}",
        f"name = {_quote(partner_id.replace('-', ' ').capitalize())}",
        f"layout = {_quote(layout)}",
        *([f"sheet = {_quote(sheet)}"] if sheet else []),
        f'header_row = {index + 1}  # detected; "auto" also finds it',
        'date_order = "DMY"',
        'on_invalid_rows = "reject_file"',
        "",
        "[columns]",
        *(f"{k} = {_quote(v)}" for k, v in chosen.items()),
        *(
            f'# {k} = "?"  # not found: name the partner\'s heading'
            for k in keep
            if k not in chosen
        ),
        "",
        "[values.force_area]",
        *(
            f'{_quote(v)} = "?"  # not a known force area: give the official name'
            for v in unresolved
        ),
    ]
    other = [h for h in headings if h not in chosen.values()]
    if other:
        lines += ["", f"# Columns that will be dropped: {', '.join(other)}"]
    return "\n".join(lines) + "\n"

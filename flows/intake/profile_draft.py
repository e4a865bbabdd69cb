"""Drafting a partner profile from a sample file: header row, column mapping, unknown areas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from flows.core.errors import FileRejected
from flows.core.force_areas import ForceAreaResolver, load_force_areas, spelling_key
from flows.core.safe_text import clean_text
from flows.core.settings import Settings
from flows.intake.crosstab.draft import draft_crosstab
from flows.intake.partner_file import read_within_settings
from flows.intake.profiles import COUNTS_COLUMNS, OPTIONAL_COLUMNS, RECORDS_COLUMNS
from flows.intake.reading.header_tables import cell_text, find_header
from flows.intake.reading.read_request import ReadRequest

Rows = list[list[object]]

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


def guess_header(rows: Sequence[Sequence[object]]) -> int:
    """The row (0-based) whose cells look most like headings we know."""

    def score(row: Sequence[object]) -> tuple[int, int]:
        texts = [spelling_key(str(c)) for c in row if isinstance(c, str) and c.strip()]
        known = sum(
            any(spelling_key(w) in t for ws in SYNONYMS.values() for w in ws) for t in texts
        )
        return known, len(texts)

    return max(find_header(rows, score), 0)


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


@dataclass
class ProfileDraft:
    """A drafted profile: its keys as TOML will hold them, and notes written as comments above.

    Every drafting step adds to `fields` (the profile's keys, nested tables as dicts) and to
    `notes`; only `write_profile` turns it into text, through a TOML writer, so no heading, sheet
    or file name can add a key of its own.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SampleSheet:
    """The first rows of the sample's first sheet, as the header search sees them, and of
    every visible sheet (for telling a crosstab's shape)."""

    path: Path
    sheet: str | None  # None for a CSV
    rows: Rows
    sheets: list[tuple[str | None, Rows]] = field(default_factory=list)


def draft_profile(path: Path, partner_id: str, settings: Settings) -> str:
    """The drafted profile as TOML text, ready for review."""
    return write_profile(draft_fields(path, partner_id, settings), path.name)


def draft_fields(path: Path, partner_id: str, settings: Settings) -> ProfileDraft:
    """Identity keys, then the table's shape and mapping, then the force areas to map."""
    sample = read_sample(path, settings)
    draft = ProfileDraft(
        fields={"id": partner_id, "name": partner_id.replace("-", " ").capitalize()}
    )
    if not draft_crosstab_shape(draft, sample):
        draft_long_table(draft, sample, settings)
    return draft


def read_sample(path: Path, settings: Settings) -> SampleSheet:
    """The first rows of every visible sheet (of the file, for a CSV), read in the reading
    child like any partner file: a sample is a partner's file too."""
    if not path.is_file():
        raise FileRejected(f"{path.name}: no such file.")
    sample = ReadRequest(path=path, layout="sample", wanted=())
    sheets = read_within_settings(sample, settings).details["sheets"]
    sheet, rows = sheets[0] if sheets else (None, [])
    return SampleSheet(path, sheet, rows, sheets)


def draft_crosstab_shape(draft: ProfileDraft, sample: SampleSheet) -> bool:
    """Force areas by months (either way round, two-row headings, month-named sheets)."""
    resolver = ForceAreaResolver(load_force_areas())
    found = draft_crosstab(sample.sheets, lambda value: resolver.resolve(value) is not None)
    if found is None:
        return False
    draft.fields.update(found.fields)
    draft.fields["on_invalid_rows"] = "reject_file"
    draft.notes.extend(found.notes)
    return True


def draft_long_table(draft: ProfileDraft, sample: SampleSheet, settings: Settings) -> None:
    """The records or counts layout: header row, column mapping and unknown force areas."""
    rows = sample.rows
    index = guess_header(rows)
    headings = [text for text in map(cell_text, rows[index]) if text] if rows else []
    columns = guess_columns(headings)
    layout = "counts" if "month" in columns and "contacts" in columns else "records"
    keep = COUNTS_COLUMNS if layout == "counts" else RECORDS_COLUMNS
    chosen = {k: v for k, v in columns.items() if k in (*keep, *OPTIONAL_COLUMNS)}
    draft.fields.update(
        {
            "layout": layout,
            **({"sheet": sample.sheet} if sample.sheet else {}),
            "header_row": index + 1,
            "date_order": "DMY",
            "on_invalid_rows": "reject_file",
            "columns": chosen,
        }
    )
    draft.notes.append(f'header_row {index + 1} was detected; "auto" also finds it.')
    missing = [k for k in keep if k not in chosen]
    if missing:
        draft.notes.append(
            f"Not found: {', '.join(missing)}. Add each under [columns] with the partner's heading."
        )
    unresolved = unknown_force_areas(sample, chosen, index + 1, settings)
    draft.fields["values"] = {"force_area": dict.fromkeys(unresolved, "?")}
    if unresolved:
        draft.notes.append(
            'Not a known force area: replace each "?" under [values.force_area] '
            "with the official name."
        )
    other = [h for h in headings if h not in chosen.values()]
    if other:
        draft.notes.append(f"Columns that will be dropped: {', '.join(other)}")


def unknown_force_areas(
    sample: SampleSheet, chosen: dict[str, str], header_row: int, settings: Settings
) -> list[str]:
    """Spellings in the force area column that no code, name or alias matches (up to 50)."""
    if "force_area" not in chosen:
        return []
    request = ReadRequest(
        path=sample.path,
        layout="records",
        wanted=(chosen["force_area"],),
        sheet=sample.sheet,
        header_row=header_row,
    )
    table = read_within_settings(request, settings).table
    resolver = ForceAreaResolver(load_force_areas())
    values = table.frame[chosen["force_area"]].dropna().astype(str).unique()
    return sorted(v for v in values if resolver.resolve(v) is None)[:50]


def write_profile(draft: ProfileDraft, sample_name: str) -> str:
    """TOML from the TOML writer; every string made safe text, every note one comment line."""
    header = [f"Drafted from {sample_name}: check every line before using it.", *draft.notes]
    comments = "".join(f"# {clean_text(note)}\n" for note in header)
    return comments + "\n" + tomli_w.dumps(_safe_strings(draft.fields))


def _safe_strings(node: Any) -> Any:
    if isinstance(node, dict):
        return {clean_text(str(key)): _safe_strings(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_safe_strings(value) for value in node]
    if isinstance(node, str):
        return clean_text(node)
    return node

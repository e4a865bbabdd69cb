"""Recognising a crosstab in a sample file, for `helpline profile draft`.

Pure functions over the sample's sheets (name and first rows of cells): a table is a crosstab
when force area names run down a column and month headings across a row above them (or the
reverse), with figures where they cross; a workbook of month-named sheets, each with force
areas down, is one too. The answer is data, the profile's keys as TOML will hold them, so any
TOML writer can write it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import spelling_key
from flows.intake.cell_parsing import blank_cells
from flows.intake.crosstab import as_grid
from flows.intake.crosstab_headings import cell_text, is_total, months_of
from flows.intake.sheets import sheet_month

# Partner words for each channel and caller type, beyond the vocabulary's own terms.
CATEGORY_WORDS: dict[str, dict[str, str]] = {
    "channel": {
        "telephone": "phone",
        "calls": "phone",
        "call": "phone",
        "chat": "online chat",
        "webchat": "online chat",
        "web chat": "online chat",
        "livechat": "online chat",
        "e-mail": "email",
        "emails": "email",
        "sms": "text message",
        "text": "text message",
        "texts": "text message",
        "referral": "police referral",
        "referrals": "police referral",
    },
    "caller_type": {
        "children": "child",
        "yp": "young person",
        "young people": "young person",
        "parent": "parent or carer",
        "parents": "parent or carer",
        "carer": "parent or carer",
        "professionals": "professional",
        "adult": "other adult",
        "adults": "other adult",
    },
}
IsForceArea = Callable[[object], bool]


@dataclass
class CrosstabDraft:
    fields: dict[str, Any]  # profile keys: layout, sheet(s), header_row, [crosstab], [values]...
    notes: list[str] = field(default_factory=list)  # plain sentences for the top of the draft


@dataclass(frozen=True)
class _Shape:
    down: str  # "force_area" or "month"
    header: int  # 0-based heading row
    labels_at: int
    label_heading: object  # the heading over the row labels, if any
    labels: list[object]  # the row labels below the headings
    headings: list[object]  # the heading row right of the labels
    sub_headings: list[object] | None  # a second heading row, if there is one
    blank: bool  # some figure is blank


def draft_crosstab(
    sheets: Sequence[tuple[str | None, Sequence[Sequence[object]]]], is_force_area: IsForceArea
) -> CrosstabDraft | None:
    """The crosstab profile for the sample's visible sheets (name, first rows), or None."""
    month_named = [(n, r) for n, r in sheets if n is not None and sheet_month(n) is not None]
    for name, rows in sheets:
        shape = _across_shape(as_grid(rows), is_force_area)
        if shape is not None:
            same = [n for n, r in sheets if n and _across_shape(as_grid(r), is_force_area)]
            return _draft(shape, name, same, len(sheets), is_force_area)
    if month_named:
        shapes = [_sheet_shape(as_grid(rows), is_force_area) for _, rows in month_named]
        if shapes[0] is not None:
            return _draft_month_sheets(shapes[0], shapes, month_named, len(sheets), is_force_area)
    return None


def _force_column(grid: np.ndarray, is_force_area: IsForceArea) -> tuple[int, int] | None:
    """The column with the most force area names (at least two), and its first such row."""
    hits = np.array([[is_force_area(c) for c in row] for row in grid], dtype=bool).reshape(
        grid.shape
    )
    if not hits.size or hits.sum(axis=0).max() < 2:
        return None
    column = int(hits.sum(axis=0).argmax())
    return column, int(np.flatnonzero(hits[:, column])[0])


def _across_shape(grid: np.ndarray, is_force_area: IsForceArea) -> _Shape | None:
    """Force areas down with months across, or months down with force areas across."""
    for down, across_like in (("force_area", _months_like), ("month", _force_like(is_force_area))):
        for top in range(min(len(grid), 50)):
            across = np.flatnonzero(across_like(grid[top]))
            if len(across) < 2:
                continue
            labels_at = int(across[0]) - 1
            if labels_at < 0:
                break
            shape = _shape_below(grid, top, labels_at, down, is_force_area)
            if shape is not None:
                return shape
            break
    return None


def _months_like(row: np.ndarray) -> np.ndarray:
    read: np.ndarray = ~np.isnat(months_of(row))
    return read


def _month_cell(value: object) -> bool:
    return bool(_months_like(np.array([value], dtype=object))[0])


def _force_like(is_force_area: IsForceArea) -> Callable[[np.ndarray], np.ndarray]:
    return lambda row: np.array([is_force_area(c) for c in row], dtype=bool)


def _shape_below(
    grid: np.ndarray, top: int, labels_at: int, down: str, is_force_area: IsForceArea
) -> _Shape | None:
    """The shape if labels of the right kind run down `labels_at` below row `top` (perhaps
    after a second heading row) with whole numbers beside them."""
    second = grid[top + 1] if top + 1 < len(grid) else None
    is_label = is_force_area if down == "force_area" else _month_cell
    sub = None
    if second is not None and not is_label(second[labels_at]):
        texts = [v for v in second[labels_at + 1 :] if isinstance(v, str) and v.strip()]
        plain = not _months_like(np.array(texts, dtype=object)).any()
        if len(texts) >= 2 and plain and not any(is_force_area(t) for t in texts):
            sub = list(second[labels_at + 1 :])
    body = top + (2 if sub is not None else 1)
    labels = grid[body:, labels_at]
    known = (
        np.array([is_force_area(v) for v in labels], dtype=bool)
        if down == "force_area"
        else ~np.isnat(months_of(labels))
    )
    if known.sum() < 1 or not _figures(grid[body:][known][:, labels_at + 1 :]):
        return None
    rows = grid[body:]
    # Labelled rows with figures: notes under the table have none.
    kept = [
        r for r in rows if cell_text(r[labels_at]) and not blank_cells(r[labels_at + 1 :]).all()
    ]
    block = np.array([r[labels_at + 1 :] for r in kept if not is_total(r[labels_at])], dtype=object)
    return _Shape(
        down,
        top,
        labels_at,
        grid[top, labels_at],
        [r[labels_at] for r in kept],
        list(grid[top, labels_at + 1 :]),
        sub,
        bool(blank_cells(block).any()) if block.size else False,
    )


def _figures(block: np.ndarray) -> bool:
    """Mostly whole numbers: a crosstab's cells, not a long table's text and dates."""
    filled = block[~blank_cells(block)] if block.size else block
    if not filled.size:
        return False
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in filled]
    texts = [isinstance(v, str) and v.strip().replace(",", "").isdigit() for v in filled]
    return (sum(numbers) + sum(texts)) / len(filled) >= 0.8


def _sheet_shape(grid: np.ndarray, is_force_area: IsForceArea) -> _Shape | None:
    """A month's sheet: force areas down, channels (or one count) across."""
    found = _force_column(grid, is_force_area)
    if found is None:
        return None
    labels_at, first_area = found
    top = next(
        (r for r in range(first_area - 1, -1, -1) if cell_text(grid[r, labels_at + 1])), None
    )
    if top is None:
        return None
    shape = _shape_below(grid, top, labels_at, "force_area", is_force_area)
    return shape if shape is not None and shape.sub_headings is None else None


def _draft(
    shape: _Shape, sheet: str | None, alike: list[str], sheet_count: int, is_force_area: IsForceArea
) -> CrosstabDraft:
    across = "months" if shape.down == "force_area" else "force areas"
    draft = CrosstabDraft({"layout": "crosstab"})
    if sheet is not None and len(alike) > 1:
        draft.fields["sheets"] = "all" if len(alike) == sheet_count else alike
        draft.notes.append(f"Sheets {', '.join(alike)} each hold {across} across: all are read.")
    elif sheet is not None:
        draft.fields["sheet"] = sheet
    draft.fields["header_row"] = shape.header + 1
    force_areas, months = ("down", "across") if shape.down == "force_area" else ("across", "down")
    _shape_fields(draft, shape, {"force_areas": force_areas, "months": months}, is_force_area)
    return draft


def _draft_month_sheets(
    shape: _Shape,
    shapes: list[_Shape | None],
    sheets: Sequence[tuple[str | None, Sequence[Sequence[object]]]],
    sheet_count: int,
    is_force_area: IsForceArea,
) -> CrosstabDraft:
    draft = CrosstabDraft({"layout": "crosstab", "sheets": "months"})
    names = [str(name) for name, _ in sheets]
    draft.notes.append(
        f"Sheets named as months ({', '.join(names)}): the month of each is its name."
    )
    if len(sheets) < sheet_count:
        draft.notes.append("Sheets not named as a month are left out and named in the feedback.")
    if all(s is not None and s.header == shape.header for s in shapes):
        draft.fields["header_row"] = shape.header + 1
    kept = [s for s in shapes if s is not None]
    blank = any(s.blank for s in kept)
    crosstab = {"force_areas": "down", "months": "sheet name"}
    _shape_fields(draft, _with_blank(shape, blank), crosstab, is_force_area)
    return draft


def _with_blank(shape: _Shape, blank: bool) -> _Shape:
    from dataclasses import replace

    return replace(shape, blank=blank)


def _shape_fields(
    draft: CrosstabDraft, shape: _Shape, crosstab: dict[str, str], is_force_area: IsForceArea
) -> None:
    """[crosstab], [columns] and [values] for the shape."""
    category_cells = (
        shape.sub_headings
        if shape.sub_headings is not None
        else shape.headings
        if crosstab["months"] == "sheet name"
        else []
    )
    categories = [h for h in category_cells if cell_text(h) and not is_total(h)]
    if crosstab["months"] == "sheet name" and len(categories) < 2:
        categories = []
    values: dict[str, dict[str, str]] = {}
    if categories:
        role = _category_role(categories)
        crosstab["categories"] = role
        values[role] = _category_spellings(draft, role, categories)
    if shape.blank:
        crosstab["blank_cells"] = "zero"
        draft.notes.append("The sample has blank figures, read as 0: check with the partner.")
    draft.fields["crosstab"] = crosstab
    if cell_text(shape.label_heading):  # lets the heading row be found wherever it moves to
        draft.fields["columns"] = {shape.down: cell_text(shape.label_heading)}
    unknown = sorted(
        {cell_text(v) for v in _force_cells(shape, crosstab) if cell_text(v) and not is_total(v)}
        - {cell_text(v) for v in _force_cells(shape, crosstab) if is_force_area(v)}
    )
    if unknown:
        values["force_area"] = dict.fromkeys(unknown[:50], "?")
        draft.notes.append(
            "Replace each ? under [values.force_area] with the official force area name."
        )
    if values:
        draft.fields["values"] = values


def _force_cells(shape: _Shape, crosstab: dict[str, str]) -> list[object]:
    return shape.labels if crosstab["force_areas"] == "down" else shape.headings


def _category_role(headings: list[object]) -> str:
    def score(role: str, vocabulary: tuple[str, ...]) -> int:
        words = {spelling_key(w) for w in (*vocabulary, *CATEGORY_WORDS[role])}
        return sum(spelling_key(cell_text(h)) in words for h in headings)

    caller = score("caller_type", CALLER_TYPES)
    return "caller_type" if caller > score("channel", CHANNELS) else "channel"


def _category_spellings(draft: CrosstabDraft, role: str, headings: list[object]) -> dict[str, str]:
    vocabulary = CALLER_TYPES if role == "caller_type" else CHANNELS
    terms = {spelling_key(t) for t in vocabulary}
    words = {spelling_key(w): term for w, term in CATEGORY_WORDS[role].items()}
    spellings: dict[str, str] = {}
    for heading in dict.fromkeys(cell_text(h) for h in headings):
        key = spelling_key(heading)
        if key in words:
            spellings[heading] = words[key]
        elif key not in terms:
            draft.notes.append(
                f'"{heading}" is not a {role.replace("_", " ")} we know: its figures count as '
                f'"unknown" unless you map it under [values.{role}].'
            )
    return spellings

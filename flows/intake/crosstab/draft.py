"""Drafting a crosstab profile from a sample file, for `helpline profile draft`.

Pure functions over the sample's sheets (name and first rows of cells): the shapes recognised
in flows.intake.crosstab.shapes become the profile's keys as TOML will hold them (a dict, so any
TOML writer can write it), with notes for the person checking the draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flows.core.canonical import CALLER_TYPES, CHANNELS
from flows.core.force_areas import spelling_key
from flows.intake.crosstab.headings import IsForceArea, is_total
from flows.intake.crosstab.melt import as_grid
from flows.intake.crosstab.regions import subtotal_of
from flows.intake.crosstab.shapes import SampleShape, across_shape, month_sheet_shape
from flows.intake.reading.header_tables import cell_text
from flows.intake.reading.sheets import sheet_month

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


@dataclass
class CrosstabDraft:
    fields: dict[str, Any]  # profile keys: layout, sheet(s), header_row, [crosstab], [values]...
    notes: list[str] = field(default_factory=list)  # plain sentences for the top of the draft


def draft_crosstab(
    sheets: Sequence[tuple[str | None, Sequence[Sequence[object]]]], is_force_area: IsForceArea
) -> CrosstabDraft | None:
    """The crosstab profile for the sample's visible sheets (name, first rows), or None."""
    month_named = [(n, r) for n, r in sheets if n is not None and sheet_month(n) is not None]
    for name, rows in sheets:
        shape = across_shape(as_grid(rows), is_force_area)
        if shape is not None:
            same = [n for n, r in sheets if n and across_shape(as_grid(r), is_force_area)]
            return _draft(shape, name, same, len(sheets), is_force_area)
    if month_named:
        shapes = [month_sheet_shape(as_grid(rows), is_force_area) for _, rows in month_named]
        if shapes[0] is not None:
            return _draft_month_sheets(shapes[0], shapes, month_named, len(sheets), is_force_area)
    return None


def _draft(
    shape: SampleShape,
    sheet: str | None,
    alike: list[str],
    sheet_count: int,
    is_force_area: IsForceArea,
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
    shape: SampleShape,
    shapes: list[SampleShape | None],
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


def _with_blank(shape: SampleShape, blank: bool) -> SampleShape:
    return replace(shape, blank=blank)


def _shape_fields(
    draft: CrosstabDraft, shape: SampleShape, crosstab: dict[str, str], is_force_area: IsForceArea
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
    cells = _force_cells(shape, crosstab)
    regions = [cell_text(v) for v in cells if subtotal_of(v) is not None and not is_force_area(v)]
    if regions:
        draft.notes.append(
            f"{', '.join(dict.fromkeys(regions))}: region subtotals, each checked against its "
            "force areas and not loaded."
        )
    unknown = sorted(
        {cell_text(v) for v in cells if cell_text(v) and not is_total(v)}
        - {cell_text(v) for v in cells if is_force_area(v)}
        - set(regions)
    )
    if unknown:
        values["force_area"] = dict.fromkeys(unknown[:50], "?")
        draft.notes.append(
            "Replace each ? under [values.force_area] with the official force area name."
        )
    if values:
        draft.fields["values"] = values


def _force_cells(shape: SampleShape, crosstab: dict[str, str]) -> list[object]:
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

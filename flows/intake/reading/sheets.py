"""Which sheets of a workbook a profile reads, and the month a sheet's name stands for.

Pure functions over the workbook's sheet names: the reader lists the sheets, these choose, and
the sheets left out are named (with why) in the partner's feedback report."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flows.core.errors import FileRejected

SheetSelection = str | tuple[str, ...] | None
# A month as a sheet's name: spreadsheet programs forbid "/" in sheet names, so these are not the
# formats of month cells. Standard library only: this runs where partner files are opened.
SHEET_MONTHS = (
    "%b %Y",
    "%B %Y",
    "%b-%Y",
    "%B-%Y",
    "%b %y",
    "%b-%y",
    "%B %y",
    "%B-%y",
    "%Y-%m",
    "%Y %m",
    "%Y.%m",
    "%m-%Y",
    "%m %Y",
    "%m.%Y",
)


@dataclass(frozen=True)
class SheetChoice:
    read: list[str]
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why it was not read)
    explicit: bool = False  # named one by one: each must hold a table

    def note(self) -> str:
        """The feedback report's line about the sheets left out ('' when none were)."""
        if not self.ignored:
            return ""
        listed = ", ".join(f'"{name}" ({why})' for name, why in self.ignored)
        return f"Sheets not read: {listed}."


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def sheet_month(name: str) -> date | None:
    """The month a sheet's name stands for ("Jul 2017", "July 2017", "2017-07", "Jul-17")."""
    text = " ".join(name.split())
    for layout in SHEET_MONTHS:
        try:
            return datetime.strptime(text, layout).date().replace(day=1)
        except ValueError:
            continue
    return None


def choose_sheets(
    file_name: str, sheets: Sequence[tuple[str, bool]], sheet: str | None, selection: SheetSelection
) -> SheetChoice:
    """The sheets to read from (name, visible) pairs, in workbook order.

    No selection: the profile's `sheet`, else the first visible one. "all": every visible
    sheet. "months": every visible sheet named as a month. A list: those sheets, hidden or not.
    Any other text is a pattern (`*` any characters, `?` one), matched ignoring case.
    """
    names = [name for name, _ in sheets]
    if selection is None:
        return _one_sheet(file_name, sheets, sheet)
    if isinstance(selection, tuple):
        by_key = {_key(name): name for name in names}
        missing = [wanted for wanted in selection if _key(wanted) not in by_key]
        if missing:
            raise FileRejected(
                f'{file_name} has no sheet "{missing[0]}" (sheets found: {_listed(names)}); fix '
                "the profile's sheets or ask the partner to restore it."
            )
        chosen = {by_key[_key(wanted)] for wanted in selection}
        unlisted = [(name, "not listed in the profile") for name in names if name not in chosen]
        return SheetChoice([n for n in names if n in chosen], unlisted, explicit=True)
    read: list[str] = []
    ignored: list[tuple[str, str]] = []
    for name, visible in sheets:
        if not visible:
            ignored.append((name, "hidden"))
        elif selection == "months" and sheet_month(name) is None:
            ignored.append((name, "not named as a month"))
        elif selection not in ("all", "months") and not fnmatch.fnmatchcase(
            _key(name), _key(selection)
        ):
            ignored.append((name, f'does not match "{selection}"'))
        else:
            read.append(name)
    if not read:
        wanted = {"all": "visible", "months": "month-named"}.get(selection, "matching")
        raise FileRejected(
            f'{file_name} has no {wanted} sheet for sheets = "{selection}" (sheets found: '
            f"{_listed(names)}); fix the profile's sheets or ask the partner for the right file."
        )
    return SheetChoice(read, ignored)


def _one_sheet(
    file_name: str, sheets: Sequence[tuple[str, bool]], sheet: str | None
) -> SheetChoice:
    names = [name for name, _ in sheets]
    if sheet is None:  # the first sheet a person opening the file would see
        chosen = next((name for name, visible in sheets if visible), None)
        if chosen is None:
            raise FileRejected(
                f"{file_name} has no visible sheet; unhide the data sheet or name it in the "
                "profile's sheet."
            )
    elif sheet in names:
        chosen = sheet
    else:
        raise FileRejected(
            f'{file_name} has no sheet "{sheet}" (sheets found: {_listed(names)}); fix the '
            "profile's sheet or ask the partner to restore it."
        )
    return SheetChoice([chosen], explicit=True)


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names) or "none"

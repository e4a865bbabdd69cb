"""The partner feedback report: what was accepted or rejected, and which rows to fix."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from flows.core.safe_cells import append_row
from flows.core.safe_text import clean_text
from flows.core.workbook_layout import fit_row, print_setup
from flows.intake.outcome import IngestOutcome

_HEADINGS = ("Rule broken", "Rows affected", "Row numbers in your file", "Example values")
# Widths that fit a printed page across (A4 portrait for the summary, landscape for the
# problems): a partner reads or prints this, and a long reason must wrap, not run off the page.
_SUMMARY_WIDTHS = (18, 54)
_PROBLEM_WIDTHS = (40, 12, 30, 58)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")


def feedback_rows(outcome: IngestOutcome) -> list[list[object]]:
    """One row per failed rule, row numbers as the partner sees them in their own file."""
    rows: list[list[object]] = []
    report = outcome.validation
    if report is None:
        return rows
    for failure in report.failures:
        numbers = ", ".join(str(row) for row in failure.source_rows[:20])
        if failure.rows_affected > 20:
            numbers += f" and {failure.rows_affected - 20:,} more"
        if failure.advice:  # whole sentences that already say where
            examples = "; ".join(clean_text(value) for _, value in failure.examples)
        else:
            examples = "; ".join(
                f"row {row}: {clean_text(value)}" for row, value in failure.examples
            )
        rows.append([clean_text(failure.rule), failure.rows_affected, numbers, examples])
    return rows


def write_feedback_report(outcome: IngestOutcome, path: Path) -> Path:
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    write_summary(summary, outcome)
    write_problems(workbook.create_sheet("Problems"), outcome)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def summary_rows(outcome: IngestOutcome) -> list[tuple[str, object]]:
    decision = {
        "accepted": "Accepted",
        "rejected": "Rejected: nothing from this file was loaded",
        "duplicate": "Skipped: this exact file was already loaded",
    }[outcome.status]
    return [
        ("Partner", outcome.partner_id),
        ("Decision", decision),
        ("Reason", clean_text(outcome.reason or "No problems found")),
        ("Rows read", outcome.rows_read),
        ("Rows loaded", outcome.rows_loaded),
        ("Rows held back", outcome.rows_quarantined),
        ("First month", outcome.first_month.isoformat() if outcome.first_month else "none"),
        ("Last month", outcome.last_month.isoformat() if outcome.last_month else "none"),
        *(("Note", note) for note in (outcome.validation.notes if outcome.validation else ())),
    ]


def write_summary(sheet: Worksheet, outcome: IngestOutcome) -> None:
    # Partner text is safe text again here (clean_text changes nothing on a second pass): a
    # character XML cannot hold would make the whole workbook unreadable.
    title = f"Feedback on {clean_text(outcome.file_name)}"
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in summary_rows(outcome):
        append_row(sheet, [label, value])
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP_LEFT  # a count beside a sentence, not at the page's far edge
        fit_row(sheet, sheet.max_row, [(str(value), _SUMMARY_WIDTHS[1])], 11)
    _layout(sheet, _SUMMARY_WIDTHS, landscape=False)


def write_problems(sheet: Worksheet, outcome: IngestOutcome) -> None:
    append_row(sheet, list(_HEADINGS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = _WRAP
    rows = feedback_rows(outcome) or [_no_problem_row(outcome)]
    for row in rows:
        append_row(sheet, row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP
        texts = [(str(value), width) for value, width in zip(row, _PROBLEM_WIDTHS, strict=True)]
        fit_row(sheet, sheet.max_row, texts, 11)
    _layout(sheet, _PROBLEM_WIDTHS, landscape=True, header_row=1)


def _no_problem_row(outcome: IngestOutcome) -> list[object]:
    """A file refused before its rows were checked has no row to point at, but a problem."""
    if outcome.status == "rejected":
        return [
            "The rows were not checked: the file was refused for the reason on the Summary sheet",
            "",
            "",
            "",
        ]
    return ["No problems found", 0, "", ""]


def _layout(
    sheet: Worksheet, widths: tuple[int, ...], *, landscape: bool, header_row: int | None = None
) -> None:
    for letter, width in zip("ABCD", widths, strict=False):
        sheet.column_dimensions[letter].width = width
    print_setup(sheet, landscape=landscape, header_row=header_row)

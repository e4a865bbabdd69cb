"""The partner feedback report: what was accepted or rejected, and which rows to fix."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from flows.core.safe_cells import append_row
from flows.core.safe_text import clean_text
from flows.intake.outcome import IngestOutcome

_HEADINGS = ("Rule broken", "Rows affected", "Row numbers in your file", "Example values")


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
    # Partner text is safe text again here (clean_text changes nothing on a second pass): a
    # character XML cannot hold would make the whole workbook unreadable.
    append_row(summary, [f"Feedback on {clean_text(outcome.file_name)}"])
    summary["A1"].font = Font(bold=True, size=14)
    decision = {
        "accepted": "Accepted",
        "rejected": "Rejected: nothing from this file was loaded",
        "duplicate": "Skipped: this exact file was already loaded",
    }[outcome.status]
    for label, value in (
        ("Partner", outcome.partner_id),
        ("Decision", decision),
        ("Reason", clean_text(outcome.reason or "No problems found")),
        ("Rows read", outcome.rows_read),
        ("Rows loaded", outcome.rows_loaded),
        ("Rows held back", outcome.rows_quarantined),
        ("First month", outcome.first_month.isoformat() if outcome.first_month else "none"),
        ("Last month", outcome.last_month.isoformat() if outcome.last_month else "none"),
        *(("Note", note) for note in (outcome.validation.notes if outcome.validation else ())),
    ):
        append_row(summary, [label, value])
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 90
    problems = workbook.create_sheet("Problems")
    append_row(problems, list(_HEADINGS))
    for cell in problems[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    rows = feedback_rows(outcome)
    for row in rows or [["No problems found", 0, "", ""]]:
        append_row(problems, row)
    for letter, width in zip("ABCD", (60, 14, 40, 80), strict=True):
        problems.column_dimensions[letter].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path

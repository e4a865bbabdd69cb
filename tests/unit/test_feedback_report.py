"""The partner's feedback workbook as the partner opens or prints it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from flows.intake.feedback import write_feedback_report
from flows.intake.outcome import IngestOutcome

REASON = (
    'march.xlsx has hidden figures (sheet "Contact log" rows 6, 7), which a person reading the '
    "file cannot see; ask the partner to unhide them and check their Totals, or set hidden_cells "
    '= "visible" (read only what is visible) or hidden_cells = "include" (read the hidden '
    "figures too) in the profile."
)


def test_a_file_refused_before_its_rows_were_checked_never_reads_no_problems_found(
    tmp_path: Path,
) -> None:
    outcome = IngestOutcome("march.xlsx", "nw-helpline", "rejected", reason=REASON)
    book = load_workbook(write_feedback_report(outcome, tmp_path / "feedback.xlsx"))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Decision"] == "Rejected: nothing from this file was loaded"
    assert summary["Reason"] == REASON
    problems = list(book["Problems"].iter_rows(values_only=True))
    assert problems[1] == (
        "The rows were not checked: the file was refused for the reason on the Summary sheet",
        None,
        None,
        None,
    )


def test_an_accepted_file_has_no_problems_and_every_sheet_prints_one_page_wide(
    tmp_path: Path,
) -> None:
    outcome = IngestOutcome(
        "march.xlsx", "nw-helpline", "accepted", 12, 12, 0, date(2018, 1, 1), date(2018, 6, 1)
    )
    book = load_workbook(write_feedback_report(outcome, tmp_path / "feedback.xlsx"))
    assert list(book["Problems"].iter_rows(min_row=2, values_only=True)) == [
        ("No problems found", 0, None, None)
    ]
    for sheet in book:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    reason_row = book["Summary"]["B4"]
    assert reason_row.value == "No problems found"
    assert reason_row.alignment.wrap_text is True


def test_a_long_reason_wraps_in_a_row_tall_enough_for_it(tmp_path: Path) -> None:
    outcome = IngestOutcome("march.xlsx", "nw-helpline", "rejected", reason=REASON)
    summary = load_workbook(write_feedback_report(outcome, tmp_path / "feedback.xlsx"))["Summary"]
    assert summary["A4"].value == "Reason"
    assert summary.row_dimensions[4].height is not None
    assert summary.row_dimensions[4].height >= 4 * 15  # about 290 characters at 54 wide
    assert summary.column_dimensions["B"].width == 54

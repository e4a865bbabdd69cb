"""Partners' own Totals checked with Great Expectations, beside the rules of the counts suite.

A crosstab's cells are validated as counts rows (expectations/counts.json); the Total rows and
columns the partner sent are checked by expectations/crosstab.json on a frame of their own,
one row per Total cell, and the two reports become one, so the Totals appear in the ledger's
validation summary and the feedback report like every other rule. A Total that disagrees with
its cells rejects the file whatever on_invalid_rows says: only the partner knows which is right.
"""

from __future__ import annotations

from dataclasses import replace

from flows.intake.crosstab.melted_file import CrosstabTable
from flows.intake.validation import RuleFailure, ValidationReport, load_suite, run_suite

SUITE = "crosstab"


def check_partner_totals(report: ValidationReport, raw: CrosstabTable | None) -> ValidationReport:
    """The cells' report with the partner's Totals checked and the read's notes added; any
    other file's (None) report unchanged."""
    if raw is None:
        return report
    totals = run_suite(
        raw.totals,
        load_suite(SUITE, {}),
        source_rows=raw.total_rows,
        raw_values={"partner_total": raw.totals["message"]},
        headings={"partner_total": "Total"},
    )
    # The Totals come first: they reject the file, so they are what the partner reads first.
    return ValidationReport(
        SUITE,
        report.evaluated + totals.evaluated,
        totals.failures + tuple(by_partner_row(failure) for failure in report.failures),
        notes=report.notes + raw.notes,
    )


def by_partner_row(failure: RuleFailure) -> RuleFailure:
    """A rule broken by cells of a crosstab, counted by the partner's rows: a row holds a
    figure per month, and every one of them shares its row number."""
    rows = tuple(sorted(set(failure.source_rows)))
    examples = tuple(dict.fromkeys(failure.examples))
    return replace(failure, rows_affected=len(rows), source_rows=rows, examples=examples)

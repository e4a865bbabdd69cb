"""Feedback reports name the partner's own rows; quarantine loads the valid rows only."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from tests.support.db_state import current_totals, row_counts
from tests.support.partner_files import HEADINGS, write_csv, write_xlsx

JAN = datetime(2018, 1, 10, 12, 0)


def problems(path: Path) -> list[list[object]]:
    sheet = load_workbook(path)["Problems"]
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]


def test_unknown_force_area_on_three_rows_is_reported_by_partner_row_numbers(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    rows = [
        ["R1", JAN, "Lancashire", "Child"],
        ["R2", JAN, "Atlantis", "Child"],
        ["R3", JAN, "Lancashire", "Child"],
        ["R4", JAN, "Gotham", "Child"],
    ]
    path = write_xlsx(tmp_path / "areas.xlsx", rows, title_rows=["Export", ""])
    outcome = ingest_file(
        engine, partner_settings, find_profile(partner_settings.partners_dir, "t-records"), path
    )
    assert outcome.status == "rejected"
    assert outcome.reason == (
        "Police force is not a police force area of England and Wales (add the spelling to the "
        "profile's [values.force_area]) on 2 row(s) (rows 5, 7); ask the partner to correct them"
    )
    assert outcome.feedback_path is not None
    report = problems(outcome.feedback_path)
    assert report == [
        [
            "Police force is not a police force area of England and Wales (add the spelling to the "
            "profile's [values.force_area])",
            2,
            "5, 7",
            "row 5: Atlantis; row 7: Gotham",
        ]
    ]
    assert row_counts(engine)["contact_counts"] == 0


def test_formula_in_a_partner_value_reaches_the_feedback_report_as_text(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    rows = [["R1", "10/01/2018", '=HYPERLINK("http://x","y")', "Child"]]
    path = write_csv(tmp_path / "inject.csv", rows)
    outcome = ingest_file(
        engine, partner_settings, find_profile(partner_settings.partners_dir, "t-records"), path
    )
    assert outcome.status == "rejected" and outcome.feedback_path is not None
    cell = load_workbook(outcome.feedback_path)["Problems"]["D2"]
    assert cell.value == 'row 2: =HYPERLINK("http://x","y")'
    assert cell.data_type == "s"  # partner text stays text, never a formula


def test_future_dates_and_phone_column_are_reported(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    profile = find_profile(partner_settings.partners_dir, "t-records")
    future = write_xlsx(
        tmp_path / "future.xlsx",
        [
            ["R1", JAN, "Lancashire", "Child"],
            ["R2", datetime(2031, 5, 1), "Lancashire", "Child"],
        ],
    )
    outcome = ingest_file(engine, partner_settings, profile, future)
    assert outcome.feedback_path is not None
    assert problems(outcome.feedback_path) == [
        [
            "Date of contact is before 1 January 2000 or in the future",
            1,
            "3",
            "row 3: 2031-05-01",
        ]
    ]
    phone = write_xlsx(
        tmp_path / "phone.xlsx",
        [["R1", JAN, "Lancashire", "Child", "07700900123"]],
        headings=[*HEADINGS, "Mobile number"],
    )
    outcome = ingest_file(engine, partner_settings, profile, phone)
    assert outcome.status == "rejected"
    assert outcome.reason == (
        "phone.xlsx: column 'Mobile number' looks like personal data; ask the partner to remove "
        "it, or list it under drop_columns in their profile."
    )
    assert outcome.feedback_path is not None
    summary = load_workbook(outcome.feedback_path)["Summary"]
    assert summary["B3"].value == "Rejected: nothing from this file was loaded"
    assert row_counts(engine)["contact_counts"] == 0


def test_quarantine_loads_valid_rows_and_lists_the_others(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["Q1", JAN, "Lancashire", "Child"],
        ["Q2", "not a date", "Lancashire", "Child"],
        ["Q3", JAN, "Narnia", "Child"],
        ["Q4", JAN, "GMP", "Child"],
    ]
    path = write_xlsx(tmp_path / "mixed.xlsx", rows)
    outcome = ingest_file(
        engine, partner_settings, find_profile(partner_settings.partners_dir, "t-quarantine"), path
    )
    assert outcome.status == "accepted"
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 2)
    assert outcome.line() == (
        "mixed.xlsx: accepted, 2 rows, months Jan 2018 to Jan 2018; 2 row(s) quarantined "
        "(submission 1)"
    )
    assert current_totals(engine) == {
        ("t-quarantine", date(2018, 1, 1), "E23000003"): 1,
        ("t-quarantine", date(2018, 1, 1), "E23000005"): 1,
    }
    with engine.connect() as connection:
        held = [
            tuple(r)
            for r in connection.execute(
                sa.text(
                    "SELECT source_row, rule FROM helpline.quarantined_rows ORDER BY source_row"
                )
            )
        ]
    assert held == [
        (3, "Date of contact is blank or not a date"),
        (
            4,
            "Police force is not a police force area of England and Wales (add the spelling to "
            "the profile's [values.force_area])",
        ),
    ]
    assert outcome.feedback_path is not None
    assert [row[:3] for row in problems(outcome.feedback_path)] == [
        ["Date of contact is blank or not a date", 1, "3"],
        [
            "Police force is not a police force area of England and Wales (add the spelling to "
            "the profile's [values.force_area])",
            1,
            "4",
        ],
    ]

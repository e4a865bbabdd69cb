"""Personal data anywhere in a mapped column refuses the file, however far down it is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.engine import Engine

from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from tests.support.db_state import ledger, row_counts
from tests.support.partner_files import HEADINGS, write_csv

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROWS = 100_000
DAY = datetime(2018, 1, 10, 12, 0)


def many_rows(last_caller: str) -> list[list[object]]:
    rows: list[list[object]] = [[f"R{i:06d}", DAY, "Lancashire", "Child"] for i in range(ROWS)]
    rows[-1][3] = last_caller
    return rows


def write_big_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contacts")
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_phone_number_in_the_last_of_100k_rows_is_refused(
    engine: Engine, partner_settings: Settings, tmp_path: Path, suffix: str
) -> None:
    rows = many_rows("call back on 07700 900123")
    path = tmp_path / f"contacts{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        write_big_xlsx(path, rows)
    profile = find_profile(partner_settings.partners_dir, "t-records")
    outcome = ingest_file(engine, partner_settings, profile, path)
    assert outcome.status == "rejected"
    assert outcome.reason == (
        f"contacts{suffix}: column 'Caller' holds what looks like personal data (an email "
        f"address, phone number or postcode) at row {ROWS + 1}; ask the partner to send the "
        "file without it."
    )
    assert row_counts(engine)["contact_counts"] == 0
    assert [entry[2] for entry in ledger(engine)] == ["rejected"]


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ("someone@example.org", 3),  # email in the caller column
        ("M1 1AE", 0),  # postcode as a reference
        ("+44 7700 900123", 2),  # mobile number where the force area should be
    ],
)
def test_personal_data_in_any_mapped_column_is_refused(
    engine: Engine, partner_settings: Settings, tmp_path: Path, value: str, column: int
) -> None:
    rows: list[list[object]] = [[f"R{i}", DAY, "Lancashire", "Child"] for i in range(50)]
    rows[40][column] = value
    path = write_csv(tmp_path / "contacts.csv", rows)
    profile = find_profile(partner_settings.partners_dir, "t-records")
    outcome = ingest_file(engine, partner_settings, profile, path)
    assert outcome.status == "rejected"
    assert outcome.reason is not None and "at row 42;" in outcome.reason
    assert f"column {HEADINGS[column]!r}" in outcome.reason
    assert row_counts(engine)["contact_counts"] == 0


def test_ordinary_values_are_not_mistaken_for_personal_data(
    engine: Engine, partner_settings: Settings, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["E23000003", DAY, "E23000003", "Child"],
        ["NW000701", DAY, "Greater Manchester Police", "Parent/carer"],
        [20170703, "03/07/2017 09:15", "Devon & Cornwall", "Not recorded"],
    ]
    path = write_csv(tmp_path / "contacts.csv", rows)
    profile = find_profile(partner_settings.partners_dir, "t-records")
    outcome = ingest_file(engine, partner_settings, profile, path)
    assert outcome.status == "accepted", outcome.reason

"""Crosstab partner files end to end: the same figures as a counts file in the workbook, a
corrected crosstab replacing exactly its months, and what the feedback report and ledger say."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.intake.ingest import ingest_file
from flows.intake.profiles import find_profile
from flows.report.edition import build_edition
from tests.conftest import DATA_TABLES
from tests.support.db_state import current_totals, ledger
from tests.support.office import convert
from tests.support.partner_files import (
    CHANNELS_PROFILE,
    CROSSTAB_PROFILE,
    SHEET_MONTHS_PROFILE,
    TWO_ROW_HEADING,
    write_profile,
    write_workbook,
    write_xlsx,
)

COUNTS_WITH_CHANNEL = """
id = "{id}"
name = "Test referral scheme by channel"
layout = "counts"
[columns]
month = "Month"
force_area = "Force"
channel = "Channel"
contacts = "Contacts"
[values.channel]
"Chat" = "online chat"
"""
MONTHS = [date(2017, 7 + i, 1) if i < 6 else date(2018, i - 5, 1) for i in range(12)]
AREAS = ["Lancashire", "Cumbria", "Merseyside", "Greater Manchester", "Cheshire", "Durham"]
CHANNELS = ["Phone", "Chat", "Email"]
DATA_SHEETS = ["force_areas", "regions", "caller_types", "channels", "monthly_trend"]


def figure(month: int, area: int, channel: int) -> int:
    """Deterministic, uneven counts: some small enough to be suppressed, some not."""
    return (month * 7 + area * 13 + channel * 5) % 23 + (month if area % 2 else 0)


@pytest.fixture
def crosstab_settings(partner_settings: Settings) -> Settings:
    folder = partner_settings.partners_dir
    write_profile(folder, "t-x-channels", CHANNELS_PROFILE)
    write_profile(folder, "t-x-down", CROSSTAB_PROFILE)
    write_profile(folder, "t-x-sheets", SHEET_MONTHS_PROFILE)
    write_profile(folder, "t-counts-channel", COUNTS_WITH_CHANNEL)
    return partner_settings


def ingest(engine: Engine, settings: Settings, partner: str, path: Path):  # type: ignore[no-untyped-def]
    return ingest_file(engine, settings, find_profile(settings.partners_dir, partner), path)


def channel_crosstab(path: Path) -> Path:
    """A year across the top, each month merged over Phone | Chat | Email, areas down."""
    top: list[object] = ["Force area"]
    sub: list[object] = [None]
    merged = []
    for index, month in enumerate(MONTHS):
        top += [datetime(month.year, month.month, 1), None, None]
        sub += CHANNELS
        first = 2 + 3 * index
        merged.append(f"{_letter(first)}1:{_letter(first + 2)}1")
    rows: list[list[object]] = [[*top, "Total"], [*sub, None]]
    for a, area in enumerate(AREAS):
        cells = [figure(m, a, c) for m in range(12) for c in range(3)]
        rows.append([area, *cells, sum(cells)])
    return write_workbook(path, {"Contacts": rows}, merged={"Contacts": merged})


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def read_tables(path: Path) -> dict[str, list[list[object]]]:
    workbook = load_workbook(path)
    tables = {}
    for name in DATA_SHEETS:
        sheet = workbook[name]
        ref = sheet.tables[name].ref
        tables[name] = [[cell.value for cell in row] for row in sheet[ref]]
    return tables


def empty_data_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        tables = ", ".join(f"helpline.{t}" for t in DATA_TABLES)
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def test_a_crosstab_and_the_same_counts_give_identical_workbook_figures(
    engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    crosstab = ingest(
        engine, crosstab_settings, "t-x-channels", channel_crosstab(tmp_path / "x.xlsx")
    )
    assert crosstab.status == "accepted", crosstab.reason
    assert crosstab.rows_loaded == len(MONTHS) * len(AREAS) * len(CHANNELS)
    period = Period(2018, 1)
    from_crosstab = read_tables(
        build_edition(engine, crosstab_settings, period, Scope("national")).path
    )
    empty_data_tables(engine)
    rows = [
        [month.strftime("%b-%y"), area, channel, figure(m, a, c)]
        for m, month in enumerate(MONTHS)
        for a, area in enumerate(AREAS)
        for c, channel in enumerate(CHANNELS)
    ]
    counts_file = write_xlsx(
        tmp_path / "counts.xlsx", rows, headings=["Month", "Force", "Channel", "Contacts"]
    )
    counts = ingest(engine, crosstab_settings, "t-counts-channel", counts_file)
    assert counts.status == "accepted", counts.reason
    settings = crosstab_settings.model_copy(update={"output_dir": tmp_path / "counts-output"})
    from_counts = read_tables(build_edition(engine, settings, period, Scope("national")).path)
    assert from_crosstab == from_counts
    lancashire = next(r for r in from_crosstab["force_areas"] if r[1] == "Lancashire")
    expected = sum(figure(m, 0, c) for m in range(6, 12) for c in range(3))
    assert lancashire[4] == expected  # contacts in 2018-H1, straight from the cells


def months_across(months: list[date], scale: int) -> list[list[object]]:
    rows: list[list[object]] = [["Force area", *(m.strftime("%b-%y") for m in months)]]
    rows.append(["Lancashire", *(scale * (i + 1) for i in range(len(months)))])
    rows.append(["Cumbria", *(scale for _ in months)])
    return rows


def test_a_corrected_crosstab_replaces_exactly_its_months(
    engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    half = [date(2017, m, 1) for m in range(7, 13)]
    first = write_workbook(tmp_path / "h2.xlsx", {"Referrals": months_across(half, 10)})
    assert ingest(engine, crosstab_settings, "t-x-down", first).status == "accepted"
    corrected = write_workbook(
        tmp_path / "sep-oct.xlsx", {"Referrals": months_across(half[2:4], 1)}
    )
    outcome = ingest(engine, crosstab_settings, "t-x-down", corrected)
    assert outcome.line() == (
        "sep-oct.xlsx: accepted, 4 rows, months Sep 2017 to Oct 2017; replaced 2 month(s) of "
        "earlier data (submission 2)"
    )
    lancs, cumbria = "E23000003", "E23000002"
    expected = {}
    for index, month in enumerate(half):  # July to December as first sent...
        expected[("t-x-down", month, lancs)] = 10 * (index + 1)
        expected[("t-x-down", month, cumbria)] = 10
    for index, month in enumerate(half[2:4]):  # ...but September and October corrected
        expected[("t-x-down", month, lancs)] = index + 1
        expected[("t-x-down", month, cumbria)] = 1
    assert current_totals(engine) == expected
    assert [row[2] for row in ledger(engine)] == ["loaded", "loaded"]


def test_feedback_names_the_sheets_not_read(
    engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    sheets: dict[str, list[list[object]]] = {
        "Summary": [["Force", "Total"], ["Lancashire", 6]],
        "Jul 2017": [["Force", "Phone", "Chat"], ["Lancashire", 4, 2]],
        "Workings": [["Force", "Phone", "Chat"], ["Lancashire", 1, 1]],
    }
    path = write_workbook(tmp_path / "months.xlsx", sheets, hidden=["Workings"])
    outcome = ingest(engine, crosstab_settings, "t-x-sheets", path)
    assert outcome.status == "accepted", outcome.reason
    note = 'Sheets not read: "Summary" (not named as a month), "Workings" (hidden).'
    assert outcome.feedback_path is not None
    summary = load_workbook(outcome.feedback_path)["Summary"]
    assert ["Note", note] in [[c.value for c in row] for row in summary.iter_rows()]
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT validation FROM helpline.submissions")).one()
    validation = stored[0] if isinstance(stored[0], dict) else json.loads(stored[0])
    assert validation["suite"] == "crosstab" and validation["notes"] == [note]


def test_a_disagreeing_total_is_in_the_feedback_and_the_validation_summary(
    engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["Force area", "Jul-17", "Aug-17", "Total"],
        ["Lancashire", 200, 202, 412],
        ["Cumbria", 3, 4, 7],
        ["Total", 203, 206, 409],
    ]
    path = write_workbook(tmp_path / "totals.xlsx", {"Referrals": rows})
    outcome = ingest(engine, crosstab_settings, "t-x-down", path)
    lancs = "Total for Lancashire, row 2: 412 sent, cells add up to 402"
    assert outcome.reason == f"{lancs}; ask the partner which figure is right"
    assert outcome.feedback_path is not None
    problems = load_workbook(outcome.feedback_path)["Problems"]
    assert [[c.value for c in row] for row in problems.iter_rows(min_row=2)] == [
        ["A Total in your file differs from the sum of the cells it totals", 1, "2", lancs]
    ]
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT validation FROM helpline.submissions")).one()
    validation = stored[0] if isinstance(stored[0], dict) else json.loads(stored[0])
    assert validation["failures"][0]["examples"] == [[2, lancs]]
    assert validation["failures"][0]["rejects_file"] is True
    assert [row[2] for row in ledger(engine)] == ["rejected"]


@pytest.mark.parametrize("target", ["ods", "xls"])
def test_merged_month_headings_read_alike_in_ods_and_xls(
    target: str, engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    """calamine reports an .xls file's merged cells but not an .ods file's: both must read."""
    source = write_workbook(
        tmp_path / "source" / "channels.xlsx",
        {"Sheet1": TWO_ROW_HEADING},
        merged={"Sheet1": ["B2:D2", "E2:G2", "H2:H3"]},
    )
    converted = convert(source, target, tmp_path / "converted")
    outcome = ingest(engine, crosstab_settings, "t-x-channels", converted)
    assert outcome.status == "accepted", outcome.reason
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text(
                "SELECT month, force_code, channel, contacts FROM helpline.contact_counts "
                "ORDER BY month, force_code, channel"
            )
        ).all()
    jul, aug, lancs, cumbria = date(2017, 7, 1), date(2017, 8, 1), "E23000003", "E23000002"
    assert [tuple(r) for r in stored] == [
        (jul, cumbria, "online chat", 2),
        (jul, cumbria, "phone", 1),
        (jul, lancs, "online chat", 7),
        (jul, lancs, "phone", 5),
        (aug, cumbria, "online chat", 1),
        (aug, cumbria, "phone", 0),
        (aug, lancs, "online chat", 9),
        (aug, lancs, "phone", 6),
    ]


def test_a_crosstab_is_read_within_the_reading_limits(
    engine: Engine, crosstab_settings: Settings, tmp_path: Path
) -> None:
    """A crosstab is opened in the limited reading child like any partner file: a read that
    overruns its limit is a rejection with a ledger row, and nothing is loaded."""
    hurried = crosstab_settings.model_copy(update={"read_wall_seconds": 0.001})
    path = channel_crosstab(tmp_path / "x.xlsx")
    result = ingest(engine, hurried, "t-x-channels", path)
    reason = (
        "x.xlsx could not be read within 0.001 seconds (HELPLINE_READ_WALL_SECONDS); ask the "
        "partner to save it again with only the contact table."
    )
    assert (result.status, result.reason) == ("rejected", reason)
    assert ledger(engine)[-1][1:] == ("x.xlsx", "rejected", reason)
    assert current_totals(engine) == {}

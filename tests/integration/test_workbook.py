"""The six-monthly workbook read back with openpyxl: layout, figures, shorthand, accessibility."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine

from flows.commands import ingest_files
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.demo import write_demo_files
from flows.report.edition import build_edition
from tests.conftest import DATA_TABLES

PERIOD = Period(2018, 1)
SHEETS = [
    "Cover",
    "Contents",
    "Notes",
    "force_areas",
    "regions",
    "caller_types",
    "channels",
    "monthly_trend",
    "Charts",
]


@pytest.fixture(scope="module")
def demo_engine(
    migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo's partner files loaded once for this module."""
    with migrated_engine.begin() as connection:
        tables = ", ".join(f"helpline.{t}" for t in DATA_TABLES)
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    folder = tmp_path_factory.mktemp("demo")
    settings = module_settings(migrated_engine, folder)
    for demo_file in write_demo_files(folder / "files"):
        ingest_files(migrated_engine, settings, demo_file.partner_id, [demo_file.path], print)
    yield migrated_engine


def module_settings(engine: Engine, folder: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False).replace("+psycopg", ""),
        output_dir=folder / "output",
        state_dir=folder / "state",
        _env_file=None,  # type: ignore[call-arg]
    )


def rows(sheet: Worksheet, table: str) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet[sheet.tables[table].ref]]


@pytest.fixture(scope="module")
def national(demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("national")
    settings = module_settings(demo_engine, folder)
    return build_edition(demo_engine, settings, PERIOD, Scope("national")).path


def test_sheet_order_tables_and_ranges(national: Path) -> None:
    workbook = load_workbook(national)
    assert workbook.sheetnames == SHEETS
    expected = {
        "Contents": ("contents", "A3:B10"),
        "Notes": ("notes", "A3:B6"),
        "force_areas": ("force_areas", "A6:H49"),
        "regions": ("regions", "A6:E17"),
        "monthly_trend": ("monthly_trend", "A6:B18"),
    }
    for sheet, (name, ref) in expected.items():
        assert {t: workbook[sheet].tables[t].ref for t in workbook[sheet].tables} == {name: ref}
    assert workbook["force_areas"]["A1"].value == (
        "Contacts by police force area, Jan to Jun 2018 compared with Jul to Dec 2017"
    )
    assert workbook["force_areas"]["A3"].value.startswith("Source: ")
    assert workbook["force_areas"]["A4"].value.startswith("Shorthand: [c] confidential")


def test_published_figures_and_shorthand(national: Path) -> None:
    workbook = load_workbook(national)
    regions = {r[0]: r for r in rows(workbook["regions"], "regions")}
    assert regions["North West"] == ["North West", 1747, 3549, 1802, 103.1]
    assert regions["All areas"] == ["All areas", 10690, 14551, 3861, 36.1]
    forces = {r[1]: r for r in rows(workbook["force_areas"], "force_areas")}
    assert forces["Lancashire"] == [
        "E23000003",
        "Lancashire",
        "North West",
        400,
        984,
        584,
        146.0,
        42.9,
    ]
    # Dyfed-Powys had 4 contacts: suppressed, with the smallest other Welsh force as complement.
    welsh = {name: r for name, r in forces.items() if r[2] == "Wales"}
    hidden = sorted(name for name, r in welsh.items() if r[3] == "[c]")
    assert "Dyfed-Powys" in hidden and len(hidden) == 2
    for name in hidden:
        assert welsh[name][5:8] == ["[c]", "[c]", "[c]"]
        assert isinstance(welsh[name][4], int)  # the current period is not small: published
    for r in rows(workbook["force_areas"], "force_areas")[1:]:
        assert all(not isinstance(v, str) or v in ("[c]", "[z]", "[x]") for v in r[3:])
    sheet = workbook["force_areas"]
    assert sheet["D7"].number_format == "#,##0" and sheet["G7"].number_format == "0.0"


def test_accessibility_rules(national: Path) -> None:
    workbook = load_workbook(national)
    assert workbook.active.title == "Cover"
    properties = workbook.properties
    assert properties.title == "Helpline contacts by police force area, January to June 2018"
    assert properties.creator == "Helpline Network Analysis Team"
    assert properties.language == "en-GB"
    assert "police force area" in properties.keywords
    for sheet in workbook.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
        assert sheet.freeze_panes is None, sheet.title
        assert sheet.auto_filter.ref is None, sheet.title
        assert not any(d.hidden for d in sheet.column_dimensions.values()), sheet.title
        assert not any(d.hidden for d in sheet.row_dimensions.values()), sheet.title
        assert sheet.sheet_view.selection[0].activeCell == "A1"
        for table in sheet.tables.values() if sheet.title != "Notes" else ():
            assert table.autoFilter is None
            header = [c.value for c in sheet[table.ref][0]]
            assert all(isinstance(h, str) and h for h in header)
            assert "[note" not in "".join(str(c.value) for row in sheet[table.ref][1:] for c in row)
    with zipfile.ZipFile(national) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    alts = re.findall(r'descr="([^"]+)"', drawing)
    assert len(alts) == 2
    assert alts[0].startswith(
        "Bar chart of the percentage change in contacts for each police force"
    )
    assert "North West" in alts[0]


def test_cover_states_the_key_points(national: Path) -> None:
    cover = [c.value for c in load_workbook(national)["Cover"]["A"] if c.value]
    assert (
        "The largest rise was in the North West: contacts rose by 103.1%, from 1,747 to 3,549."
        in cover
    )
    assert "Lancashire's contacts rose by 146.0%, above the North West average of 103.1%." in cover
    assert any(line.startswith("Counts from 1 to 4 are shown as [c]") for line in cover)
    assert "nw-helpline: 6 of 6 months in Jul to Dec 2017, 6 of 6 in Jan to Jun 2018." in cover
    assert "Published: 2 July 2018." in cover
    assert "No figures have been revised since the last edition." in cover


def test_same_data_gives_byte_identical_workbooks(
    demo_engine: Engine, national: Path, tmp_path: Path
) -> None:
    again = build_edition(
        demo_engine, module_settings(demo_engine, tmp_path), PERIOD, Scope("national")
    )
    assert (
        hashlib.sha256(again.path.read_bytes()).hexdigest()
        == hashlib.sha256(national.read_bytes()).hexdigest()
    )


def test_scoped_workbooks_hold_only_their_scope_with_the_national_pattern(
    demo_engine: Engine, national: Path, tmp_path: Path
) -> None:
    settings = module_settings(demo_engine, tmp_path)
    force = load_workbook(
        build_edition(demo_engine, settings, PERIOD, Scope("force", "E23000003")).path
    )
    assert "regions" not in force.sheetnames
    assert rows(force["force_areas"], "force_areas")[1:] == [
        ["E23000003", "Lancashire", "North West", 400, 984, 584, 146.0, 42.9]
    ]
    region = load_workbook(
        build_edition(demo_engine, settings, PERIOD, Scope("region", "Wales")).path
    )
    national_wales = [
        r for r in rows(load_workbook(national)["force_areas"], "force_areas") if r[2] == "Wales"
    ]
    assert rows(region["force_areas"], "force_areas")[1:] == national_wales
    assert rows(region["regions"], "regions")[1:] == [["Wales", 628, 807, 179, 28.5]]

"""The six-monthly workbook read back with openpyxl: layout, figures, shorthand, accessibility,
charts, print setup and row heights."""

from __future__ import annotations

import hashlib
import math
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
NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}


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
        _env_file=None,
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
    sizes = {"force_areas": (44, "H"), "regions": (12, "E"), "monthly_trend": (13, "B")}
    sizes |= {"caller_types": (8, "E"), "channels": (8, "E")}
    for sheet, (count, last_column) in sizes.items():
        (name,) = workbook[sheet].tables
        first, last = workbook[sheet].tables[name].ref.split(":")
        assert name == sheet and first[0] == "A" and last[0] == last_column
        assert int(last[1:]) - int(first[1:]) + 1 == count, sheet
    sheet = workbook["force_areas"]
    assert sheet["A1"].value == (
        "Contacts by police force area, Jan to Jun 2018 compared with Jul to Dec 2017"
    )
    text = [sheet.cell(row=r, column=1).value for r in range(2, 7)]
    assert any(str(t).startswith("Source: ") for t in text)
    assert "Shorthand: [c] confidential (a small count, or a figure that would reveal one)." in text


def test_published_figures_and_shorthand(national: Path) -> None:
    workbook = load_workbook(national)
    regions = {r[0]: r for r in rows(workbook["regions"], "regions")}
    assert regions["North West"] == ["North West", 1747, 3549, 1802, 103.1]
    assert list(regions)[-1] == "All areas"
    assert regions["All areas"] == ["All areas", 10690, 14551, 3861, 36.1]
    forces = {r[1]: r for r in rows(workbook["force_areas"], "force_areas")}
    assert forces["Lancashire"] == [
        "E23000003",
        "Lancashire",
        "North West",
        400,
        984,
        584,
        146,
        42.9,
    ]
    # Dyfed-Powys had 4 contacts: suppressed, with North Wales as its complement.
    welsh = {name: r for name, r in forces.items() if r[2] == "Wales"}
    assert sorted(str(name) for name, r in welsh.items() if r[3] == "[c]") == [
        "Dyfed-Powys",
        "North Wales",
    ]
    for name in ("Dyfed-Powys", "North Wales"):
        assert welsh[name][5:8] == ["[c]", "[c]", "[c]"]
        assert isinstance(welsh[name][4], int)  # the current period is not small: published
    for r in rows(workbook["force_areas"], "force_areas")[1:]:
        assert all(not isinstance(v, str) or v in ("[c]", "[z]", "[x]") for v in r[3:])
    names = [r[1] for r in rows(workbook["force_areas"], "force_areas")[1:]]
    assert names[:3] == ["Cleveland", "Durham", "Northumbria"]  # North East first, by name
    assert names[-4:] == ["Dyfed-Powys", "Gwent", "North Wales", "South Wales"]
    channels = [r[0] for r in rows(workbook["channels"], "channels")[1:]]
    assert channels == [
        "Phone", "Online chat", "Email", "Text message", "Police referral", "Unknown",
        "All contacts",
    ]  # fmt: skip


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
        "Horizontal bar chart of the change in contacts (%) between Jul to Dec 2017 and Jan to "
        "Jun 2018 for each of the 43 police force areas in England and Wales"
    )
    assert "The highest value is Lancashire (+146.0%)." in alts[0]
    assert "2 force area(s) have no bar" in alts[0]
    assert alts[1].startswith("Line chart of contacts in England and Wales in each of the twelve")


def test_contents_links_are_locations_inside_the_workbook(national: Path) -> None:
    sheet = load_workbook(national)["Contents"]
    links = {c.value: c.hyperlink for c in sheet["A"] if c.hyperlink is not None}
    assert set(links) == {"Notes", *SHEETS[3:]}
    for name, link in links.items():
        assert link.location == f"'{name}'!A1" and not link.target
    with zipfile.ZipFile(national) as archive:
        rels = [n for n in archive.namelist() if n.startswith("xl/worksheets/_rels/")]
        external = "".join(archive.read(n).decode() for n in rels)
    assert "hyperlink" not in external  # no relationship to an outside "#..." file


def test_each_chart_draws_one_whole_column_with_visible_axes(national: Path) -> None:
    workbook = load_workbook(national)
    columns = {
        "chart1": ("force_areas", "G", "B", "barChart"),
        "chart2": ("monthly_trend", "B", "A", "lineChart"),
    }
    with zipfile.ZipFile(national) as archive:
        charts = {name: archive.read(f"xl/charts/{name}.xml").decode() for name in columns}
    for name, (table, values, labels, kind) in columns.items():
        xml = charts[name]
        first, last = workbook[table].tables[table].ref.split(":")
        header, end = int(first[1:]), int(last[1:])
        assert f"<{kind}>" in xml
        assert xml.count("<ser>") == 1, name
        assert f"<f>'{table}'!${values}${header + 1}:${values}${end}</f>" in xml
        assert f"<cat><strRef><f>'{table}'!${labels}${header + 1}:${labels}${end}</f>" in xml
        assert f"<tx><strRef><f>'{table}'!{values}{header}</f></strRef></tx>" in xml
        deletes = re.findall(r'<delete val="(\d)" />', xml)
        assert deletes == ["0", "0"], name  # both axes shown, in Excel as in LibreOffice
    assert '<orientation val="maxMin" />' in charts["chart1"]  # first table row at the top


def test_print_setup_fits_one_page_wide_and_repeats_the_header_row(national: Path) -> None:
    workbook = load_workbook(national)
    for sheet in workbook.worksheets:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        if sheet.tables and sheet.title not in ("Contents",):
            (table,) = sheet.tables.values()
            header = table.ref.split(":")[0][1:]
            assert sheet.print_title_rows == f"${header}:${header}", sheet.title
    assert workbook["force_areas"].page_setup.orientation == "landscape"
    assert workbook["regions"].page_setup.orientation == "portrait"


def test_rows_are_tall_enough_for_their_wrapped_text(national: Path) -> None:
    """Every wrapped cell's row holds its text at 1.2 characters per unit of column width
    (what Excel's Calibri and LibreOffice's DejaVu Sans both manage) and 15 points a line."""
    workbook = load_workbook(national)
    checked = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not (cell.alignment.wrap_text and isinstance(cell.value, str)):
                    continue
                width = sheet.column_dimensions[cell.column_letter].width
                lines = math.ceil(len(cell.value) / (1.2 * width))
                height = sheet.row_dimensions[cell.row].height
                assert height is not None and height >= 15 * lines, (sheet.title, cell.coordinate)
                checked += 1
    assert checked > 20


def test_cover_states_the_key_points_and_what_was_checked(national: Path) -> None:
    cover = [c.value for c in load_workbook(national)["Cover"]["A"] if c.value]
    assert (
        "The largest rise among regions was in the North West: contacts rose by 103.1%, from "
        "1,747 to 3,549." in cover
    )
    assert "Lancashire's contacts rose by 146.0%, above the North West average of 103.1%." in cover
    assert any(line.startswith("Counts from 1 to 4 are shown as [c]") for line in cover)
    assert any(
        line.startswith("Every edition of this release (54 workbooks: England and Wales, each of")
        and "none can be worked out to within fewer than 4 contacts" in line
        for line in cover
    )
    assert "nw-helpline: 6 of 6 months in Jul to Dec 2017, 6 of 6 in Jan to Jun 2018." in cover
    assert "Published: 2 July 2018." in cover
    assert "No figures have been revised and no late data are waiting." in cover


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


def test_scoped_workbooks_hold_only_their_scope_with_the_release_pattern(
    demo_engine: Engine, national: Path, tmp_path: Path
) -> None:
    settings = module_settings(demo_engine, tmp_path)
    force = load_workbook(
        build_edition(demo_engine, settings, PERIOD, Scope("force", "E23000003")).path
    )
    assert "regions" not in force.sheetnames
    assert rows(force["force_areas"], "force_areas")[1:] == [
        ["E23000003", "Lancashire", "North West", 400, 984, 584, 146, 42.9]
    ]
    cover = [c.value for c in force["Cover"]["A"] if c.value]
    assert "Coverage of this workbook: the Lancashire police force area." in cover
    region = load_workbook(
        build_edition(demo_engine, settings, PERIOD, Scope("region", "Wales")).path
    )
    national_wales = [
        r for r in rows(load_workbook(national)["force_areas"], "force_areas") if r[2] == "Wales"
    ]
    assert rows(region["force_areas"], "force_areas")[1:] == national_wales
    assert rows(region["regions"], "regions")[1:] == [["Wales", 628, 807, 179, 28.5]]
    text = [region["force_areas"].cell(row=r, column=1).value for r in range(2, 4)]
    assert "in each police force area in Wales" in " ".join(str(t) for t in text)


def test_a_chart_with_nothing_published_to_draw_is_left_out_and_says_why(
    demo_engine: Engine, tmp_path: Path
) -> None:
    """Dyfed-Powys in the demo: its change is [c] and its months are [c] or 0. Empty frames
    with invented axis ticks would read as a broken workbook; the captions say why instead."""
    settings = module_settings(demo_engine, tmp_path)
    path = build_edition(demo_engine, settings, PERIOD, Scope("force", "W15000004")).path
    sheet = load_workbook(path)["Charts"]
    assert sheet._charts == []
    captions = [c.value for c in sheet["A"] if c.value]
    assert " ".join(captions[1:]) == (
        "Every charted figure also appears in a table; each chart names it. "
        "Chart 1: Change in contacts by police force area (%), Jul to Dec 2017 and Jan to Jun "
        "2018 (table force_areas, column G). Not drawn: in this edition no change is published "
        "as a figure other than 0.0 (the rest are [c], [z] or [x]), so there is no bar to draw. "
        "Chart 2: Contacts by month, Jul to Dec 2017 and Jan to Jun 2018 (table monthly_trend, "
        "column B). Not drawn: in this edition no month has a published count above zero (the "
        "rest are [c]), so there is no line to draw."
    )
    with zipfile.ZipFile(path) as archive:
        assert not [name for name in archive.namelist() if name.startswith("xl/charts/")]
    national = load_workbook(build_edition(demo_engine, settings, PERIOD, Scope("national")).path)[
        "Charts"
    ]
    assert [type(chart).__name__ for chart in national._charts] == ["BarChart", "LineChart"]

"""A whole release of the demo: every edition built, read back and attacked together; the
pattern stored once per period and shared across releases; a failed audit writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.commands import ingest_files, run_report
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.demo import write_demo_files
from flows.report.disclosure.lp_audit import DisclosureAuditFailed
from flows.report.edition import build_edition, read_release
from tests.legacy.per_workbook import legacy_editions
from tests.support import independent_audit

pytestmark = pytest.mark.integration
PERIOD = Period(2018, 1)
T = 5
DYFED_POWYS = "force:W15000004"


def load_demo(engine: Engine, settings: Settings, folder: Path) -> None:
    for demo_file in write_demo_files(folder / "files"):
        ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)


def read_back(path: Path) -> dict[str, list[list[object]]]:
    """Each table's data rows as openpyxl reads them from the saved workbook."""
    book = load_workbook(path)
    tables = {}
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            name = table.name
            if name not in ("contents", "notes"):
                values = [[cell.value for cell in row] for row in sheet[table.ref][1:]]
                # Excel keeps 146.0 as the number 146; the attacker reads percentages as floats.
                if name == "force_areas":
                    values = [[*r[:6], _float(r[6]), _float(r[7])] for r in values]
                elif name != "monthly_trend":
                    values = [[*r[:4], _float(r[4])] for r in values]
                tables[name] = values
    return tables


def _float(value: object) -> object:
    return float(value) if isinstance(value, int) else value


def region_map(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT code, region FROM helpline.force_areas"))
        return {row.code: row.region for row in rows}


@pytest.mark.slow
def test_all_54_demo_editions_read_back_pin_no_suppressed_cell(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_demo(engine, settings, tmp_path)
    release = read_release(engine, PERIOD)
    editions = {}
    for scope in release.scopes():
        edition = build_edition(engine, settings, PERIOD, scope)
        editions[str(scope)] = read_back(edition.path)
        shown = sum(row.count("[c]") for rows in editions[str(scope)].values() for row in rows)
        assert edition.suppressed_cells == shown, scope
    assert len(editions) == 54
    verdict = independent_audit.audit(editions, region_map(engine), PERIOD.first_month, T)
    assert verdict.problems == [] and verdict.both_ways == []
    assert verdict.failures == {}
    hidden = set(verdict.ranges)
    assert ("previous", DYFED_POWYS, "total") in hidden
    with engine.connect() as connection:
        patterns = connection.execute(
            sa.text("SELECT period, count(*) AS n FROM helpline.release_patterns GROUP BY period")
        ).all()
    assert sorted((row.period, row.n) for row in patterns) == [("2017-H2", 1), ("2018-H1", 1)]


def test_the_wales_combination_of_the_demo_unpicks_the_old_per_workbook_pattern(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Wales minus Gwent, South Wales and North Wales gives Dyfed-Powys's hidden breakdowns."""
    load_demo(engine, settings, tmp_path)
    release = read_release(engine, PERIOD)
    rows = {
        str(scope): independent_audit.table_rows(tables)
        for scope, tables in legacy_editions(release, T).items()
    }
    verdict = independent_audit.audit(rows, region_map(engine), PERIOD.first_month, T, 0.0)
    pinned = sorted(
        key
        for key, (low, high) in verdict.failures.items()
        if key[1] == DYFED_POWYS and low == high
    )
    breakdowns = [key for key in pinned if key[2] != "total"]
    assert len(breakdowns) >= 20, pinned
    assert {key[2].split(":")[0] for key in breakdowns} == {"caller_types", "channels", "month"}


def test_a_period_keeps_its_pattern_in_the_next_release_and_after_a_revision(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_demo(engine, settings, tmp_path)
    build_edition(engine, settings, PERIOD, Scope("national"))
    earlier = build_edition(engine, settings, PERIOD.previous(), Scope("region", "Wales"))
    later = build_edition(engine, settings, PERIOD, Scope("region", "Wales"))
    earlier_rows = read_back(earlier.path)["force_areas"]
    later_rows = read_back(later.path)["force_areas"]
    # 2017-H2 is the 2017-H2 release's current column and the 2018-H1 release's previous one.
    assert [r[4] for r in earlier_rows] == [r[3] for r in later_rows]
    assert "[c]" in [r[3] for r in later_rows]
    with engine.begin() as connection:
        stored = connection.execute(
            sa.text("SELECT hidden FROM helpline.release_patterns WHERE period = '2017-H2'")
        ).all()
        assert len(stored) == 1
        first = set(stored[0].hidden)
        # A revision: another partner adds 40 contacts in Dyfed-Powys for July 2017.
        connection.execute(
            sa.text(
                "INSERT INTO helpline.submissions (id, partner_id, sha256, file_name, layout, "
                "status, first_month, last_month) SELECT coalesce(max(id), 0) + 1, 'late', "
                "repeat('a', 64), 'late.csv', 'counts', 'loaded', '2017-07-01', '2017-07-01' "
                "FROM helpline.submissions"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO helpline.contact_counts (submission_id, partner_id, month, "
                "force_code, caller_type, channel, contacts) SELECT id, 'late', '2017-07-01', "
                "'W15000004', 'child', 'phone', 40 FROM helpline.submissions "
                "WHERE partner_id = 'late'"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO helpline.month_sources (partner_id, month, submission_id) "
                "SELECT 'late', '2017-07-01', id FROM helpline.submissions "
                "WHERE partner_id = 'late'"
            )
        )
    build_edition(engine, settings, PERIOD, Scope("national"), revise=True)
    with engine.connect() as connection:
        revised = connection.execute(
            sa.text(
                "SELECT hidden FROM helpline.release_patterns WHERE period = '2017-H2' ORDER BY id"
            )
        ).all()
    assert len(revised) == 2
    # Dyfed-Powys is no longer small, but what was hidden stays hidden.
    assert first <= set(revised[1].hidden)


def test_a_pattern_that_fails_the_joint_audit_writes_nothing_and_names_the_cell(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_demo(engine, settings, tmp_path)
    build_edition(engine, settings, PERIOD, Scope("national"))
    with engine.begin() as connection:
        row = connection.execute(
            sa.text(
                "SELECT fingerprint, threshold, method, cells, hidden "
                "FROM helpline.release_patterns WHERE period = '2018-H1'"
            )
        ).one()
        tampered = sorted(set(row.hidden) - {"force:W15000001|month:2018-01-01"})
        connection.execute(
            sa.text(
                "INSERT INTO helpline.release_patterns (period, fingerprint, threshold, method, "
                "cells, hidden) "
                "VALUES ('2018-H1', :f, :t, :m, CAST(:c AS jsonb), CAST(:h AS jsonb))"
            ),
            {
                "f": row.fingerprint,
                "t": row.threshold,
                "m": row.method,
                "c": json.dumps(row.cells),
                "h": json.dumps(tampered),
            },
        )
        before = connection.execute(sa.text("SELECT count(*) FROM helpline.editions")).scalar()
    out = tmp_path / "wales.xlsx"
    with pytest.raises(DisclosureAuditFailed) as failure:
        build_edition(engine, settings, PERIOD, Scope("region", "Wales"), out)
    assert failure.value.message.startswith(
        "Disclosure audit failed for 2018-H1: force:W15000001|month:2018-01-01 in version 1 of "
        "its figures could be worked out to within 38..38 from all 2 versions together"
    )
    assert "no workbook was written" in failure.value.message
    assert not out.exists()
    with engine.connect() as connection:
        after = connection.execute(sa.text("SELECT count(*) FROM helpline.editions")).scalar()
    assert after == before


def test_the_report_command_counts_the_c_cells_the_edition_shows(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_demo(engine, settings, tmp_path)
    said: list[str] = []
    out = tmp_path / "gwent.xlsx"
    assert run_report(settings, "2018-H1", "force:W15000002", out, said.append) == 0
    shown = sum(row.count("[c]") for rows in read_back(out).values() for row in rows)
    assert said[:2] == [
        "force:W15000002 is Gwent (W15000002)",
        f"2018-H1 (force:W15000002): {shown} cell(s) suppressed",
    ]
    assert shown == 0  # Gwent's own figures hide nothing

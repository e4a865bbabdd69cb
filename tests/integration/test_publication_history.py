"""Late data under the publication-snapshot policy: the demo's late police referrals (issue 21).

A period is shown as first published until a revised edition is issued on purpose; the revision
is protected together with every earlier version; what was sent can be produced again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from flows.commands import ingest_files, run_report, run_send, run_status
from flows.core.errors import HelplineError
from flows.core.periods import Period
from flows.core.scope import Scope
from flows.core.settings import Settings
from flows.demo import write_demo_files
from tests.integration.test_release import read_back, region_map
from tests.support import independent_audit

pytestmark = pytest.mark.integration
PERIOD = Period(2018, 1)
DYFED_POWYS = "W15000004"
WELSH = ("W15000001", "W15000002", "W15000003", DYFED_POWYS)
SCOPES = (
    Scope("national"),
    Scope("region", "Wales"),
    *(Scope("force", code) for code in WELSH),
)


def load_demo(engine: Engine, settings: Settings, folder: Path) -> Path:
    referrals = folder
    for demo_file in write_demo_files(folder / "files"):
        ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)
        if demo_file.partner_id == "police-referrals":
            referrals = demo_file.path
    return referrals


def resubmit_with_late_referrals(
    engine: Engine, settings: Settings, referrals: Path, folder: Path
) -> None:
    """police-referrals sends its file again with one more row: 3 for Dyfed-Powys, July 2017."""
    book = load_workbook(referrals)
    sheet = book["Referrals"]
    sheet.append(["Jul-17", DYFED_POWYS, 3, "Referral"])
    late = folder / "referrals-resubmitted.xlsx"
    book.save(late)
    ingest_files(engine, settings, "police-referrals", [late], print)


def build_all(
    engine: Engine, settings: Settings, folder: Path, *, revise: bool = False
) -> dict[str, dict[str, list[list[object]]]]:
    from flows.report.edition import build_edition

    folder.mkdir(parents=True, exist_ok=True)
    built = {}
    for scope in SCOPES:
        edition = build_edition(
            engine, settings, PERIOD, scope, folder / f"{scope.slug}.xlsx", revise=revise
        )
        built[str(scope)] = read_back(edition.path)
    return built


def cover_text(path: Path) -> str:
    sheet = load_workbook(path)["Cover"]
    return "\n".join(str(row[0]) for row in sheet.iter_rows(values_only=True) if row[0])


def headline_numbers(tables: dict[str, list[list[object]]]) -> None:
    for row in tables["regions"]:
        assert isinstance(row[1], int) and isinstance(row[2], int), row
    for name in ("caller_types", "channels"):
        (total,) = [row for row in tables[name] if row[0] == "All contacts"]
        assert isinstance(total[1], int) and isinstance(total[2], int), (name, total)


def test_late_referrals_keep_every_headline_and_the_first_version_stays_reproducible(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    referrals = load_demo(engine, settings, tmp_path)
    first = build_all(engine, settings, tmp_path / "first")
    first_national = (tmp_path / "first" / "national.xlsx").read_bytes()
    resubmit_with_late_referrals(engine, settings, referrals, tmp_path)

    second = build_all(engine, settings, tmp_path / "second")
    assert second == first  # shown as first published
    cover = cover_text(tmp_path / "second" / "national.xlsx")
    assert (
        "July to December 2017: fewer than 10 contacts loaded since these figures were "
        "published are not included yet"
    ) in cover

    revised = build_all(engine, settings, tmp_path / "revised", revise=True)
    for scope in SCOPES:
        if scope.kind != "force":
            headline_numbers(revised[str(scope)])
    national_before = {r[0]: r for r in first["national"]["regions"]}
    national_after = {r[0]: r for r in revised["national"]["regions"]}
    for name in ("All areas", "Wales"):
        before, after = national_before[name][1], national_after[name][1]
        assert isinstance(before, int) and isinstance(after, int)
        assert after == before + 3
    assert national_after["North West"][1:3] == national_before["North West"][1:3]
    cover = cover_text(tmp_path / "revised" / "national.xlsx")
    assert "July to December 2017: revised figures (version 2)." in cover
    assert "July to December 2017, Dyfed-Powys: figures revised since the version before" in cover

    from flows.report.publication import stored_workbook

    assert stored_workbook(engine, PERIOD, "national", 1) == first_national
    # A reader who kept all three builds, knowing what the revised Cover names, pins nothing.
    verdict = independent_audit.audit_versions(
        [first, second, revised],
        [set(), set(), {("previous", DYFED_POWYS)}],
        region_map(engine),
        PERIOD.first_month,
        5,
    )
    assert verdict.problems == [] and verdict.failures == {}
    assert ("2:previous", f"force:{DYFED_POWYS}", "total") in verdict.ranges


def test_the_report_command_writes_an_edition_as_built_byte_for_byte(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    referrals = load_demo(engine, settings, tmp_path)
    said: list[str] = []
    first = tmp_path / "first.xlsx"
    assert run_report(settings, "2018-H1", "national", first, said.append) == 0
    resubmit_with_late_referrals(engine, settings, referrals, tmp_path)
    revised = tmp_path / "revised.xlsx"
    assert run_report(settings, "2018-H1", "national", revised, said.append, revise=True) == 0
    assert revised.read_bytes() != first.read_bytes()
    again = tmp_path / "again.xlsx"
    assert run_report(settings, "2018-H1", "national", again, said.append, edition_number=1) == 0
    assert said[-1] == f"2018-H1 (national): edition 1 as built, written to {again}"
    assert again.read_bytes() == first.read_bytes()
    with pytest.raises(HelplineError) as missing:
        run_report(settings, "2018-H1", "national", again, said.append, edition_number=9)
    assert missing.value.message == (
        "2018-H1 (national) has no edition 9; 'helpline status' lists the editions built."
    )


def test_status_lists_out_of_date_workbooks_and_who_was_sent_them(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from flows.report.edition import build_edition

    referrals = load_demo(engine, settings, tmp_path)
    settings.recipients_file.write_text(
        '[[recipient]]\nemail = "analysis@example.org"\nname = "Analysis"\nscope = "national"\n'
    )
    said: list[str] = []
    assert run_send(settings, "2018-H1", False, said.append) == 0
    resubmit_with_late_referrals(engine, settings, referrals, tmp_path)
    build_edition(engine, settings, PERIOD, Scope("region", "Wales"), tmp_path / "w.xlsx")
    build_edition(engine, settings, PERIOD, Scope("force", "W15000002"), revise=True)
    said.clear()
    assert run_status(settings, said.append) == 0
    lines = [line.rsplit(" (sha256 ", 1)[0] for line in said if line.startswith("workbook ")]
    today = date.today().isoformat()
    assert lines == [
        "workbook 2018-H1 force:W15000002: current, shows version 1 of 2018-H1, version 2 of "
        "the period before; not sent",
        "workbook 2018-H1 national: OUT OF DATE (a revised version was issued since), shows "
        "version 1 of 2018-H1, version 1 of the period before; sent to analysis@example.org "
        + today,
        "workbook 2018-H1 region:Wales: OUT OF DATE (a revised version was issued since), shows "
        "version 1 of 2018-H1, version 1 of the period before; 3 late contact(s) waiting; "
        "not sent",
    ]


def add_new_partner_file(engine: Engine, code: str, month: str, contacts: int) -> None:
    """A new partner's first file: its only month is in the previous, already published period."""
    with engine.begin() as connection:
        submission = connection.execute(
            sa.text(
                "INSERT INTO helpline.submissions (id, partner_id, sha256, file_name, layout, "
                "status, first_month, last_month) SELECT coalesce(max(id), 0) + 1, "
                "'new-partner', repeat('b', 64), 'first.csv', 'counts', 'loaded', :month, :month "
                "FROM helpline.submissions RETURNING id"
            ),
            {"month": month},
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO helpline.contact_counts (submission_id, partner_id, month, "
                "force_code, caller_type, channel, contacts) "
                "VALUES (:id, 'new-partner', :month, :code, 'unknown', 'online chat', :contacts)"
            ),
            {"id": submission, "month": month, "code": code, "contacts": contacts},
        )
        connection.execute(
            sa.text(
                "INSERT INTO helpline.month_sources (partner_id, month, submission_id) "
                "VALUES ('new-partner', :month, :id)"
            ),
            {"id": submission, "month": month},
        )


def test_a_new_partners_first_file_for_a_small_force_keeps_every_headline(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_demo(engine, settings, tmp_path)
    first = build_all(engine, settings, tmp_path / "first")
    add_new_partner_file(engine, "W15000001", "2017-09-01", 3)  # North Wales
    assert build_all(engine, settings, tmp_path / "second") == first
    revised = build_all(engine, settings, tmp_path / "revised", revise=True)
    for scope in SCOPES:
        if scope.kind != "force":
            headline_numbers(revised[str(scope)])
    before = {r[0]: r for r in first["national"]["regions"]}
    after = {r[0]: r for r in revised["national"]["regions"]}
    assert after["Wales"][1] == _plus(before["Wales"][1], 3)
    assert after["All areas"][1] == _plus(before["All areas"][1], 3)
    verdict = independent_audit.audit_versions(
        [first, revised],
        [set(), {("previous", "W15000001")}],
        region_map(engine),
        PERIOD.first_month,
        5,
    )
    assert verdict.problems == [] and verdict.failures == {}


def _plus(value: object, late: int) -> int:
    assert isinstance(value, int)
    return value + late


def test_the_command_line_revises_and_writes_an_edition_as_built(
    engine: Engine, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    helpline = Path(sys.executable).parent / "helpline"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(helpline), *args], capture_output=True, text=True, timeout=300, env=cli_env
        )

    referrals = load_demo(engine, settings, tmp_path)
    first = tmp_path / "first.xlsx"
    assert run("report", "--period", "2018-H1", "--out", str(first)).returncode == 0
    resubmit_with_late_referrals(engine, settings, referrals, tmp_path)
    revised = run("report", "--period", "2018-H1", "--revise", "--out", str(tmp_path / "r.xlsx"))
    assert revised.returncode == 0, revised.stderr
    again = tmp_path / "again.xlsx"
    result = run("report", "--period", "2018-H1", "--edition", "1", "--out", str(again))
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == first.read_bytes()
    missing = run("report", "--period", "2018-H1", "--edition", "3", "--out", str(again))
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "error: 2018-H1 (national) has no edition 3; 'helpline status' lists the editions built."
    )
    both = run("report", "--period", "2018-H1", "--edition", "1", "--revise", "--out", str(again))
    assert (both.returncode, both.stdout) == (1, "")
    assert both.stderr.strip() == (
        "error: --edition writes a workbook already built and --revise builds a new version: "
        "give one of them."
    )
    assert again.read_bytes() == first.read_bytes()
    status = run("status")
    assert status.returncode == 0
    assert "workbook 2018-H1 national: current, shows version 1 of 2018-H1, version 2 of " in (
        status.stdout.replace("\n", " ")
    )


def test_backfill_missing_only_skips_a_current_workbook_and_rebuilds_after_late_data(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from flows.report.backfill import build_period_range

    referrals = load_demo(engine, settings, tmp_path)
    (first,) = build_period_range(engine, settings, PERIOD, PERIOD)
    assert first.state == "done"
    (again,) = build_period_range(engine, settings, PERIOD, PERIOD, missing_only=True)
    assert (again.state, again.detail, again.path) == (
        "skipped",
        "current workbook already built",
        first.path,
    )
    resubmit_with_late_referrals(engine, settings, referrals, tmp_path)
    (late,) = build_period_range(engine, settings, PERIOD, PERIOD, missing_only=True)
    assert late.state == "done"  # its Cover now counts the late contacts waiting

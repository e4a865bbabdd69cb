"""What a data manager types and reads: a force scope by name, and `helpline status`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.commands import ingest_files
from flows.core.settings import Settings
from flows.demo import write_demo_files
from tests.support.cli_run import helpline_in_process

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def demo_loaded(engine: Engine, settings: Settings, tmp_path: Path) -> Settings:
    for demo_file in write_demo_files(tmp_path / "demo-files"):
        outcomes = ingest_files(engine, settings, demo_file.partner_id, [demo_file.path], print)
        assert all(outcome.ok for outcome in outcomes), [o.line() for o in outcomes]
    return settings


def test_a_force_named_or_aliased_is_one_edition_under_its_code(
    demo_loaded: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = demo_loaded.output_dir
    by_alias = ["report", "--period", "2018-H1", "--scope", "force:lancs"]
    code, stdout, stderr = helpline_in_process(
        [*by_alias, "--out", str(out / "a.xlsx")], demo_loaded, monkeypatch, capsys
    )
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[:2] == [
        "force:lancs is Lancashire (E23000003)",
        "2018-H1 (force:E23000003): " + stdout.splitlines()[1].split(": ", 1)[1],
    ]
    by_code = ["report", "--period", "2018-H1", "--scope", "force:E23000003"]
    code, stdout, _ = helpline_in_process(
        [*by_code, "--out", str(out / "b.xlsx")], demo_loaded, monkeypatch, capsys
    )
    assert code == 0
    assert stdout.splitlines()[0] == "force:E23000003 is Lancashire (E23000003)"
    with engine.connect() as connection:
        scopes = connection.execute(
            sa.text("SELECT DISTINCT scope FROM helpline.editions")
        ).scalars()
        assert sorted(scopes) == ["force:E23000003"]


def test_a_partners_own_spelling_is_refused_in_one_line(
    demo_loaded: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "--period", "2018-H1", "--scope", "force:Manchester Met"]
    assert helpline_in_process(args, demo_loaded, monkeypatch, capsys) == (
        1,
        "",
        "error: 'force:Manchester Met' is not a police force area of England and Wales; give "
        "its official name, ONS code or a known alias, e.g. force:Lancashire or "
        "force:E23000003.\n",
    )


def test_status_writes_months_as_a_person_does(
    demo_loaded: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with engine.connect() as connection:
        received: dict[str, datetime] = dict(
            connection.execute(
                sa.text(
                    "SELECT partner_id, max(received_at) FROM helpline.submissions "
                    "GROUP BY partner_id"
                )
            ).all()
        )
    assert sorted(received) == ["national-chat", "nw-helpline", "police-referrals"]
    code, stdout, stderr = helpline_in_process(["status"], demo_loaded, monkeypatch, capsys)
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[1:] == [
        f"{partner}: 1 loaded, 0 rejected, 0 duplicate; months Jul 2017 to Jun 2018 "
        f"(12 month(s)); last file {received[partner]:%Y-%m-%d %H:%M}"
        for partner in sorted(received)
    ]

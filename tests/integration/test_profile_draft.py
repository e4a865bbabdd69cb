"""`helpline profile draft`: a usable starting profile from a partner's sample file."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flows.cli import main
from flows.core.settings import Settings
from flows.demo import force_totals, write_nw_helpline
from flows.intake.profile_draft import draft_profile
from flows.intake.profiles import load_profile
from tests.conftest import helpline_env
from tests.support.partner_files import (
    MONTH_SHEETS,
    TWO_ROW_HEADING,
    down_across,
    write_csv,
    write_workbook,
    write_xlsx,
)

SETTINGS = Settings(_env_file=None)  # default reading limits


def test_draft_from_a_messy_records_export(tmp_path: Path) -> None:
    sample = write_nw_helpline(tmp_path, force_totals())
    text = draft_profile(sample, "nw-new", SETTINGS)
    assert 'sheet = "Contact log"' in text
    assert "header_row = 4" in text
    assert (
        'contact_ref = "Ref"\ncontact_date = "Date of contact"\nforce_area = "Police force"' in text
    )
    assert '[values.force_area]\n"Manchester Met" = "?"\n' in text
    assert '# Not a known force area: replace each "?" under [values.force_area]' in text
    assert "# Columns that will be dropped: Notes\n" in text
    usable = text.replace('"Manchester Met" = "?"', '"Manchester Met" = "Greater Manchester"')
    path = tmp_path / "nw-new.toml"
    path.write_text(usable, encoding="utf-8")
    profile = load_profile(path)
    assert profile.layout == "records" and profile.header_row == 4


def test_draft_recognises_the_counts_layout(tmp_path: Path) -> None:
    sample = write_xlsx(
        tmp_path / "counts.xlsx",
        [["Jul-17", "Lancs", 4, "Referral"]],
        headings=["Month", "Force", "Referrals", "Route"],
        title_rows=["Scheme"],
    )
    text = draft_profile(sample, "scheme", SETTINGS)
    assert 'layout = "counts"' in text
    assert (
        'month = "Month"\nforce_area = "Force"\ncontacts = "Referrals"\nchannel = "Route"' in text
    )
    assert "header_row = 2" in text
    assert text.endswith("[values.force_area]\n")


# A sample of each crosstab shape: `profile draft` on it, then `ingest` with the profile drafted.
DRAFT_SAMPLES: dict[str, tuple[Callable[[Path], Path], int]] = {
    "force areas down, months across, Totals": (
        lambda folder: write_workbook(
            folder / "sample.xlsx", {"Referrals": down_across("Jul-17", "Aug-17")}
        ),
        6,
    ),
    "months down, force areas across": (
        lambda folder: write_workbook(
            folder / "sample.xlsx",
            {
                "Sheet1": [
                    ["Month", "Cumbria", "Lancashire", "GMP", "Total"],
                    [datetime(2017, 7, 1), 3, 12, 40, 55],
                    [datetime(2017, 8, 1), 0, 15, 38, 53],
                    [datetime(2017, 9, 1), 1, 11, 30, 42],
                ]
            },
        ),
        9,
    ),
    "two-row heading with merged months": (
        lambda folder: write_workbook(
            folder / "sample.xlsx",
            {"Sheet1": TWO_ROW_HEADING},
            merged={"Sheet1": ["B2:D2", "E2:G2", "H2:H3"]},
        ),
        8,
    ),
    "month-named sheets and a summary": (
        lambda folder: write_workbook(
            folder / "sample.xlsx",
            {"Summary": [["Force", "Total"], ["Lancashire", 11], ["GMP", 20]], **MONTH_SHEETS},
        ),
        8,
    ),
    "blank cells in a crosstab CSV": (
        lambda folder: write_csv(
            folder / "sample.csv",
            [["Cumbria", "3", ""], ["Lancashire", "12", "15"]],
            headings=["Force area", "Jul-17", "Aug-17"],
        ),
        4,
    ),
}


@pytest.mark.parametrize("shape", list(DRAFT_SAMPLES))
def test_a_drafted_crosstab_profile_ingests_its_sample(
    shape: str,
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, rows = DRAFT_SAMPLES[shape]
    sample = make(tmp_path)
    partners = tmp_path / "partners"
    partners.mkdir()
    for key, value in helpline_env(settings, HELPLINE_PARTNERS_DIR=str(partners)).items():
        if key.startswith("HELPLINE_"):
            monkeypatch.setenv(key, value)
    assert main(["profile", "draft", str(sample), "--id", "new-partner"]) == 0
    drafted = capsys.readouterr().out
    assert 'layout = "crosstab"' in drafted
    (partners / "new-partner.toml").write_text(drafted, encoding="utf-8")
    code = main(["ingest", "--partner", "new-partner", str(sample)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{sample.name}: accepted, {rows} rows, " in out


HOSTILE_NAMES = [
    'sample\ndrop_columns = ["Ref"]\nmax_rows = 1\n#.csv',
    'sample\r\n[columns]\r\nforce_area = "x".csv',
    "sample\x1b]0;title\x07\x1b[2J\u202etxt.csv",
    'sample"\nid = "other.csv',
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_sample_name_adds_no_key(tmp_path: Path, name: str) -> None:
    sample = tmp_path / name
    sample.write_text(
        "Ref,Date of contact,Police force\nA1,03/01/2018,Lancashire\n", encoding="utf-8"
    )
    text = draft_profile(sample, "new-partner", SETTINGS)
    profile = tomllib.loads(text)
    assert sorted(profile) == [
        "columns",
        "date_order",
        "header_row",
        "id",
        "layout",
        "name",
        "on_invalid_rows",
        "values",
    ]
    assert profile["columns"] == {
        "contact_ref": "Ref",
        "contact_date": "Date of contact",
        "force_area": "Police force",
    }
    assert profile["id"] == "new-partner" and profile["values"] == {"force_area": {}}
    escaped = name.replace("\r", "\\r").replace("\n", "\\n").replace("\x1b", "\\x1b")
    escaped = escaped.replace("\x07", "\\x07").replace("\u202e", "\\u202e")
    assert text.splitlines()[0] == f"# Drafted from {escaped}: check every line before using it."
    assert all(ord(c) >= 0x20 or c == "\n" for c in text), text
    assert "\u202e" not in text


def test_a_sample_is_read_within_the_reading_limits(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A sample comes from a partner like any file: it is read in the limited reading child,
    so a read that overruns a limit ends in one line, not a stuck or crashed command."""
    sample = write_nw_helpline(tmp_path, force_totals())
    env = helpline_env(settings, HELPLINE_READ_WALL_SECONDS="0.001")
    for key, value in env.items():
        if key.startswith("HELPLINE_"):
            monkeypatch.setenv(key, value)
    assert main(["profile", "draft", str(sample)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {sample.name} could not be read within 0.001 seconds "
        "(HELPLINE_READ_WALL_SECONDS); ask the partner to save it again with only the contact "
        "table.\n"
    )

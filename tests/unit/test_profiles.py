from pathlib import Path

import pytest

from flows.core.errors import ConfigurationError
from flows.intake.profiles import find_profile, load_profile

REPO = Path(__file__).resolve().parents[2]
GOOD = """
id = "{id}"
name = "Test partner"
layout = "records"
[columns]
contact_ref = "Ref"
contact_date = "Date"
force_area = "Force"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_load() -> None:
    for path in sorted((REPO / "deploy" / "partners").glob("*.toml")):
        profile = load_profile(path)
        assert profile.id == path.stem


def test_good_profile_defaults(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "t1", GOOD.format(id="t1")))
    assert profile.header_row == "auto"
    assert profile.on_invalid_rows == "reject_file"
    assert profile.wanted_headings == ["Ref", "Date", "Force"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.format(id="t1").replace('layout = "records"', 'layout = "rows"'),
            "Partner profile t1.toml: key 'layout' input should be 'records' or 'counts'.",
        ),
        (
            GOOD.format(id="t1").replace('force_area = "Force"\n', ""),
            "Partner profile t1.toml: [columns] needs force_area for the records layout.",
        ),
        (
            "colour = 'red'\n" + GOOD.format(id="t1"),
            "Partner profile t1.toml: key 'colour' extra inputs are not permitted.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nheader_row = 0'
            ),
            "Partner profile t1.toml: key 'header_row' must be 'auto' or a row number from 1.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nencoding = "klingon"'
            ),
            "Partner profile t1.toml: key 'encoding' 'klingon' is not a text encoding Python "
            "knows.",
        ),
        (
            GOOD.format(id="other"),
            "Partner profile t1.toml: key 'id' is 'other'; it must match the file name.",
        ),
        ("id = [", None),
    ],
)
def test_bad_profile_names_file_and_key(tmp_path: Path, text: str, message: str | None) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_profile(write(tmp_path, "t1", text))
    if message is None:
        assert raised.value.message.startswith("Partner profile t1.toml is not valid TOML:")
    else:
        assert raised.value.message == message


def test_partner_id_cannot_be_a_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is not a partner id"):
        find_profile(tmp_path, "../../etc/passwd")
    with pytest.raises(ConfigurationError, match=r"No profile for partner 'nobody'"):
        find_profile(tmp_path, "nobody")

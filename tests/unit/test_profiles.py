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
            "Partner profile t1.toml: key 'layout' input should be 'records', 'counts' or "
            "'crosstab'.",
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
            "Partner profile t1.toml: key 'header_row' must be 'auto' or a row number from 1 to "
            "1,048,576.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nheader_row = 9223372036854775808'
            ),
            "Partner profile t1.toml: key 'header_row' must be 'auto' or a row number from 1 to "
            "1,048,576.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nmax_rows = 1_000_000_000_000'
            ),
            "Partner profile t1.toml: key 'max_rows' input should be less than or equal to "
            "50000000.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nencoding = "hex"'
            ),
            "Partner profile t1.toml: key 'encoding' 'hex' is not a text encoding; use one such "
            "as utf-8, cp1252 or latin-1.",
        ),
        (
            GOOD.format(id="t1").replace(
                'layout = "records"', 'layout = "records"\nencoding = "klingon"'
            ),
            "Partner profile t1.toml: key 'encoding' 'klingon' is not a text encoding; use one "
            "such as utf-8, cp1252 or latin-1.",
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


CROSSTAB = """
id = "t1"
name = "Test crosstab"
layout = "crosstab"
{extra}
[crosstab]
force_areas = "down"
months = "across"
{shape}
"""


@pytest.mark.parametrize(
    ("extra", "shape", "message"),
    [
        (
            "",
            'categories = "channels"',
            "Partner profile t1.toml: key 'crosstab.categories' input should be 'channel' or "
            "'caller_type'.",
        ),
        (
            'sheet = "A"\nsheets = ["B"]',
            "",
            "Partner profile t1.toml: give sheet (one sheet) or sheets (several), not both.",
        ),
        (
            'sheets = "all"\non_invalid_rows = "quarantine_rows"',
            "",
            'Partner profile t1.toml: on_invalid_rows = "quarantine_rows" needs one sheet (row '
            'numbers repeat across sheets); use "reject_file" with sheets.',
        ),
        (
            '[columns]\ncontacts = "Count"',
            "",
            "Partner profile t1.toml: [columns] has contacts, which the crosstab layout does not "
            "use.",
        ),
    ],
)
def test_bad_crosstab_profile_is_one_clear_line(
    tmp_path: Path, extra: str, shape: str, message: str | None
) -> None:
    text = CROSSTAB.format(extra=extra, shape=shape)
    if extra.startswith("[columns]"):  # a table must come after the top-level keys
        text = CROSSTAB.format(extra="", shape=shape) + extra + "\n"
    with pytest.raises(ConfigurationError) as raised:
        load_profile(write(tmp_path, "t1", text))
    if message is None:
        assert raised.value.message.startswith("Partner profile t1.toml is not valid TOML:")
    else:
        assert raised.value.message == message


def test_crosstab_axes_must_differ(tmp_path: Path) -> None:
    text = CROSSTAB.format(extra="", shape="").replace('months = "across"', 'months = "down"')
    with pytest.raises(ConfigurationError) as raised:
        load_profile(write(tmp_path, "t1", text))
    assert raised.value.message == (
        "Partner profile t1.toml: key 'crosstab' force_areas and months cannot both be \"down\"."
    )


def test_crosstab_needs_its_table(tmp_path: Path) -> None:
    text = 'id = "t1"\nname = "x"\nlayout = "crosstab"\n'
    with pytest.raises(ConfigurationError) as raised:
        load_profile(write(tmp_path, "t1", text))
    assert raised.value.message == (
        "Partner profile t1.toml: the crosstab layout needs a [crosstab] table saying where force "
        'areas and months are, e.g. force_areas = "down" and months = "across".'
    )


def test_crosstab_keys_belong_to_the_crosstab_layout(tmp_path: Path) -> None:
    text = GOOD.format(id="t1").replace('layout = "records"', 'layout = "records"\nsheets = "all"')
    with pytest.raises(ConfigurationError) as raised:
        load_profile(write(tmp_path, "t1", text))
    assert raised.value.message == (
        'Partner profile t1.toml: sheets is only for layout = "crosstab"; records reads one sheet.'
    )


def test_max_useful_columns_grow_with_what_a_layout_can_hold(tmp_path: Path) -> None:
    records = load_profile(write(tmp_path, "t1", GOOD.format(id="t1")))
    assert records.max_useful_columns == 3  # its three mapped headings
    months = load_profile(write(tmp_path, "t1", CROSSTAB.format(extra="", shape="")))
    # labels + 360 months + a Total column (+1 for a Total over the Totals)
    assert months.max_useful_columns == 1 + 360 + 1 + 1
    channels = load_profile(
        write(tmp_path, "t1", CROSSTAB.format(extra="", shape='categories = "channel"'))
    )
    # labels + 360 months x (6 channels + their Total) + the Total block + the grand Total
    assert channels.max_useful_columns == 1 + 360 * 7 + 7 + 1
    across = CROSSTAB.format(extra="", shape="").replace('"down"', '"x"')
    across = across.replace('"across"', '"down"').replace('"x"', '"across"')
    areas = load_profile(write(tmp_path, "t1", across))
    assert areas.max_useful_columns == 1 + 43 + 1 + 1

"""The frame Great Expectations is given keeps every column a suite's rules name."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.intake.narrow_frame import narrow_frame, suite_columns

SUITES = sorted((Path(__file__).parents[2] / "expectations").glob("*.json"))


def test_a_column_pair_rule_keeps_both_columns_with_their_values() -> None:
    frame = pd.DataFrame({"sent": [412, 7], "cells_add_up_to": [402, 7], "message": ["a", "b"]})
    rule = {
        "type": "expect_column_pair_values_to_be_equal",
        "kwargs": {"column_A": "sent", "column_B": "cells_add_up_to"},
    }
    narrow = narrow_frame(frame, [rule])
    assert list(narrow.columns) == ["sent", "cells_add_up_to"]
    assert narrow["sent"].tolist() == [412, 7] and narrow["cells_add_up_to"].tolist() == [402, 7]


def test_a_column_checked_only_for_presence_gets_codes_that_keep_blanks_and_repeats() -> None:
    frame = pd.DataFrame({"reference": ["R1", None, "R1", "R2"]})
    rules = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "reference"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "reference"}},
    ]
    codes = narrow_frame(frame, rules)["reference"].tolist()
    assert codes[0] == codes[2] != codes[3] and pd.isna(codes[1])


@pytest.mark.parametrize("suite_path", SUITES, ids=lambda path: path.stem)
def test_every_column_a_suite_names_reaches_great_expectations(suite_path: Path) -> None:
    expectations = json.loads(suite_path.read_text())["expectations"]
    named = {
        value
        for spec in expectations
        for key, value in spec["kwargs"].items()
        if key.startswith("column") and isinstance(value, str)
    } | {column for spec in expectations for column in spec["kwargs"].get("column_list", [])}
    assert named <= set(suite_columns(expectations))


def test_a_column_expected_unique_is_given_as_it_is_by_position() -> None:
    frame = pd.DataFrame({"reference": ["R1", None, "R1", "R2"]}, index=[7, 3, 9, 1])
    rules = [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "reference"}},
        {
            "type": "expect_column_value_lengths_to_be_between",
            "kwargs": {"column": "reference", "min_value": 1, "max_value": 200},
        },
    ]
    given = narrow_frame(frame, rules)["reference"]
    assert not isinstance(given.dtype, pd.CategoricalDtype)
    assert given.tolist()[::2] == ["R1", "R1"] and given.tolist()[3] == "R2"
    assert pd.isna(given.tolist()[1])

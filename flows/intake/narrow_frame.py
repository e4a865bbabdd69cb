"""The narrowest frame that carries a suite's rules: what Great Expectations is given.

GX fingerprints the whole frame it validates (a hash of every value, twice per run) and then
runs each rule on whole columns, so every column and every byte it is given costs time. It
gets only the columns the suite names, and a column whose rules look only at whether values
are present or repeated (not null, null, unique) gets each value's code instead of its text:
the same rule holds on the codes, at the cost of hashing integers. Failures are reported by
position, and examples come from the partner's own cells, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

# Rules that depend only on which values are present or equal, never on the values themselves.
IDENTITY_RULES = {
    "expect_column_to_exist",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
}


# The kwargs that name one column each (column pair rules name two).
_COLUMN_KWARGS = ("column", "column_A", "column_B")


def _columns_of(spec: Mapping[str, Any]) -> list[str]:
    kwargs = spec.get("kwargs", {})
    named = [kwargs[key] for key in _COLUMN_KWARGS if key in kwargs]
    return [*named, *kwargs.get("column_list", [])]


def suite_columns(expectations: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """Each column the suite names -> whether its values matter (not only their identity)."""
    columns: dict[str, bool] = {}
    for spec in expectations:
        for column in _columns_of(spec):
            columns[column] = columns.get(column, False) or spec["type"] not in IDENTITY_RULES
    return columns


def _codes(values: pd.Series) -> np.ndarray:
    """Equal values get equal codes, missing ones NaN: presence and repeats survive."""
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return np.where(codes < 0, np.nan, codes.astype(np.float64))


def _cheap_values(values: pd.Series) -> pd.Series | pd.Categorical:
    """Text whose values matter, as a categorical: hashed and compared by its codes."""
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        return pd.Categorical(values)
    return values


def _given(values: pd.Series, matters: bool, unique: bool) -> Any:
    """One column as GX gets it, by position (the frame's own index plays no part)."""
    if not matters:
        return _codes(values)
    return values.array if unique else _cheap_values(values)


def unique_columns(expectations: Iterable[Mapping[str, Any]]) -> set[str]:
    """The columns the suite expects to hold no repeats (a file's contact references)."""
    return {
        spec["kwargs"]["column"]
        for spec in expectations
        if spec["type"] == "expect_column_values_to_be_unique"
    }


def narrow_frame(frame: pd.DataFrame, expectations: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """What GX is given. A column expected to be unique, whose values matter, is given as it
    is: a categorical of it would hold as many categories as rows (about 175 MB more per
    million references, for no saving in hashing); other text whose values matter becomes
    a categorical, and identity-only columns become codes."""
    expectations = list(expectations)
    columns, unique = suite_columns(expectations), unique_columns(expectations)
    narrow = {
        column: _given(frame[column], matters, column in unique)
        for column, matters in columns.items()
        if column in frame
    }
    return pd.DataFrame(narrow, index=pd.RangeIndex(len(frame)))

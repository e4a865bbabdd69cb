"""A few random sequences of late files in `make test`; `make reliability` runs many more."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.revision_sequences import LATE_FILES, LateFile, check_sequence


def test_three_late_files_for_small_force_areas_keep_every_headline() -> None:
    files = [
        LateFile(force=0, column="previous", caller=5, channel=4, month=0, contacts=3),
        LateFile(force=20, column="current", caller=0, channel=0, month=3, contacts=1),
        LateFile(force=42, column="previous", caller=1, channel=1, month=5, contacts=4),
    ]
    done = check_sequence(0, files)
    assert done.refused == []
    assert [len(v) for v in done.versions.values()] == [3, 2]
    assert len(done.builds) == 4


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 50), files=LATE_FILES)
def test_random_revision_sequences_stay_safe_together(seed: int, files: list[LateFile]) -> None:
    check_sequence(seed, files)

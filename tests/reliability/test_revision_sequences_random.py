"""Random sequences of up to 3 late files, each issued as a revision: HELPLINE_FUZZ_EXAMPLES."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import FUZZ_EXAMPLES, CaseLog, fuzz_timeout
from tests.support.revision_sequences import LATE_FILES, LateFile, check_sequence


@pytest.mark.timeout(fuzz_timeout(30.0))
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 1000), files=LATE_FILES)
def test_every_version_of_random_revision_sequences_is_safe_together(
    cases: CaseLog, seed: int, files: list[LateFile]
) -> None:
    with cases.case(limit=120.0):
        check_sequence(seed, files)

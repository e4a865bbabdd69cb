"""Random sequences of up to 3 late files, each issued as a revision: HELPLINE_FUZZ_EXAMPLES."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import FUZZ_EXAMPLES, CaseLog
from tests.support.revision_sequences import LATE_FILES, LateFile, check_sequence

# Each example builds and audits up to four versions of a release (about 7 s): a tenth of the
# suite's examples keeps `make reliability` near 4 minutes here and `make test` near 20 s.
EXAMPLES = max(3, FUZZ_EXAMPLES // 10)


@pytest.mark.timeout(60.0 + 30.0 * EXAMPLES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 1000), files=LATE_FILES)
def test_every_version_of_random_revision_sequences_is_safe_together(
    cases: CaseLog, seed: int, files: list[LateFile]
) -> None:
    with cases.case(limit=120.0):
        check_sequence(seed, files)

"""One suppression pattern per period, for every edition of every release that publishes it.

The 2018-H1 release publishes 2017-H2 as its previous period, and the 2017-H2 release published
it as its current period: both must hide the same cells, or the two releases together could pin
a count each protects on its own. So a pattern belongs to a period (and the figures it was
computed on), not to a release, and is stored once computed (report.disclosure.published_versions).

Every version of a period, the first and each one issued on purpose with `--revise`, is
protected jointly with the versions before it by report.disclosure.history_audit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from flows.core.periods import Period

# Bump when the suppression method changes, so stored patterns are recomputed (and, through
# the rules above, never made less protective than what was published before).
METHOD_VERSION = 2


@dataclass(frozen=True)
class SuppressionPattern:
    """The release's [c] cells, by linked-table key, for each of its two periods."""

    previous: frozenset[str]
    current: frozenset[str]

    def hides_change(self, key: str) -> bool:
        return key in self.previous or key in self.current

    def column(self, name: str) -> frozenset[str]:
        return self.previous if name == "previous" else self.current

    @property
    def size(self) -> int:
        return len(self.previous) + len(self.current)


def pattern_fingerprint(period: Period, cells: Mapping[str, int], threshold: int) -> str:
    """What a period's pattern depends on: the period, its figures, T and the method."""
    payload = json.dumps(
        [str(period), threshold, METHOD_VERSION, sorted(cells.items())], separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()

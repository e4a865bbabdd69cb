"""What `helpline status` says about the workbooks built: current or out of date, and sent to whom.

Kept apart from the report's builders so the status command loads no solver or workbook code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def edition_status_lines(builds: Sequence[Any]) -> list[str]:
    """For `helpline status`: each period and scope's latest workbook, whether a newer version of
    a period it shows has been issued since (out of date), late data waiting, and who got it."""
    lines = []
    for row in builds:
        versions = f"version {row.current_version} of {row.period}"
        if row.previous_version is not None:
            versions += f", version {row.previous_version} of the period before"
        state = "OUT OF DATE (a revised version was issued since)" if row.out_of_date else "current"
        late = f"; {row.late_contacts} late contact(s) waiting" if row.late_contacts else ""
        sent = f"; sent to {row.sent_to}" if row.sent_to else "; not sent"
        lines.append(
            f"workbook {row.period} {row.scope}: {state}, shows {versions}{late}{sent} "
            f"(sha256 {row.sha256[:12]})"
        )
    return lines

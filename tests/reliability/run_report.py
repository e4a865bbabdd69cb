"""Run the reliability suite and report, per category, the cases tried and how many survived.

    HELPLINE_FUZZ_EXAMPLES=300 .venv/bin/python tests/reliability/run_report.py [pytest args]

A category is a test module (test_fuzzing.py is "fuzzing"), or a group of modules sharing a
category's name as their prefix (test_hostile_files_reading.py and
test_hostile_files_operations.py are both "hostile files"). A case is one hypothesis example,
one fault, one hostile file...: each test counts its own through the `cases` fixture. A case
survived when it ran to the end without failing; a test marked xfail is a known bug, and its
cases count as failed. The output ends with exactly one line, `N passed, N failed` (cases), and
the exit status is 0 only when nothing failed.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# Categories made of several modules: test_<group>_<part>.py counts under <group>.
GROUPS = ("hostile_files",)
ORDER = (
    "fuzzing",
    "faults",
    "concurrency",
    "hostile_input",
    "hostile_files",
    "secrets",
    "least_privilege",
    "crash_recovery",
    "revision_sequences_random",
)


@dataclass
class Category:
    tried: int = 0
    survived: int = 0
    tests: int = 0
    failed_tests: int = 0
    known_bugs: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    measured: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class _Test:
    outcome: str = "passed"  # passed, failed, xfailed, skipped
    cases: tuple[int, int] | None = None
    reason: str = ""
    measured: list[tuple[str, float, float]] = field(default_factory=list)


class CaseTally:
    """A pytest plugin: collects each test's outcome and case counts, by category."""

    def __init__(self) -> None:
        self.tests: dict[str, _Test] = {}
        self.seconds: dict[str, float] = {}

    @staticmethod
    def category(nodeid: str) -> str:
        module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        name = module.removeprefix("test_")
        return next((group for group in GROUPS if name.startswith(f"{group}_")), name)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self.tests.setdefault(report.nodeid, _Test())
        category = self.category(report.nodeid)
        self.seconds[category] = self.seconds.get(category, 0.0) + report.duration
        if hasattr(report, "wasxfail"):
            if report.skipped:  # failed as expected: a known bug
                test.outcome, test.reason = "xfailed", str(report.wasxfail)
            elif report.failed:  # strict xfail that passed
                test.outcome, test.reason = "failed", "passed although marked as a known bug"
        elif report.failed:
            test.outcome = "failed"
            test.reason = test.reason or report.head_line or report.when
        elif report.skipped and report.when == "setup":
            test.outcome = "skipped"
        for name, value in report.user_properties:
            value = cast(Any, value)  # what the test put there: see the categories' tests
            if name == "cases":
                test.cases = (int(value[0]), int(value[1]))
            elif name == "measured":  # (case, seconds, peak MB) per case
                test.measured = [(str(c), float(s), float(m)) for c, s, m in value]

    def categories(self) -> dict[str, Category]:
        table: dict[str, Category] = {}
        for nodeid, test in self.tests.items():
            row = table.setdefault(self.category(nodeid), Category())
            row.seconds = self.seconds.get(self.category(nodeid), 0.0)
            row.measured += test.measured
            if test.outcome == "skipped":
                row.skipped += 1
                continue
            row.tests += 1
            tried, survived = test.cases or (1, 1 if test.outcome == "passed" else 0)
            if test.outcome != "passed" and survived >= tried:
                tried = survived + 1  # it failed outside any case (setup, or after the cases)
            row.tried += tried
            row.survived += survived
            if test.outcome == "failed":
                row.failed_tests += 1
                row.failures.append(nodeid.split("::", 1)[-1])
            elif test.outcome == "xfailed":
                row.known_bugs += 1
                where = test.reason.split(":", 1)[0]  # "bug in flows/database.py"
                row.failures.append(f"{nodeid.split('::', 1)[-1]} (known: {where})")
        return table


def report(tally: CaseTally, seconds: float, examples: str) -> tuple[int, int]:
    table = tally.categories()
    names = sorted(table, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    print()
    print(f"Reliability report (HELPLINE_FUZZ_EXAMPLES={examples}, {seconds:.0f}s in all)")
    for name in names:
        row = table[name]
        extras = []
        if row.failed_tests:
            extras.append(f"{row.failed_tests} test(s) failed")
        if row.known_bugs:
            extras.append(f"{row.known_bugs} known bug(s)")
        if row.skipped:
            extras.append(f"{row.skipped} skipped")
        extra = f"; {', '.join(extras)}" if extras else ""
        print(
            f"  {name.replace('_', ' '):16} {row.survived:6,} / {row.tried:<6,} cases survived "
            f"({row.tests} tests, {row.seconds:.0f}s{extra})"
        )
        for failure in row.failures:
            print(f"      not survived: {failure}")
        for case, seconds, peak in row.measured:
            print(f"      {seconds:6.1f}s {peak:6.0f} MB peak  {case}")
    passed = sum(row.survived for row in table.values())
    failed = sum(row.tried - row.survived for row in table.values())
    return passed, failed


def main(argv: list[str]) -> int:
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    examples = os.environ.setdefault("HELPLINE_FUZZ_EXAMPLES", "25")
    tally = CaseTally()
    started = time.monotonic()
    args: list[Any] = [str(HERE), "-q", "-p", "no:cacheprovider", "-rfEx", *argv]
    status = pytest.main(args, plugins=[tally])
    passed, failed = report(tally, time.monotonic() - started, examples)
    print(f"{passed} passed, {failed} failed")
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return int(status)  # interrupted, usage error, nothing collected...
    return 1 if failed or status != pytest.ExitCode.OK else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

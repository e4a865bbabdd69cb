"""Hostile files, operations side: no poison file blocks the inbox, and names cannot forge output.

Category "hostile files" (with the read-side module test_hostile_files_reading.py). Every sweep
runs as a `helpline` child process under a data-segment cap, so a case can never take the
machine down; the rest runs in-process and allocates nothing a file could inflate.
"""

from __future__ import annotations

import hashlib
import os
import resource
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from rich.progress import Task, TaskID, TextColumn
from sqlalchemy.engine import Engine

from flows import commands, orchestration
from flows.core.settings import Settings
from flows.intake import ingest as ingest_module
from flows.intake.inbox import SweepResult
from flows.intake.outcome import IngestOutcome
from tests.conftest import helpline_env
from tests.reliability.conftest import (
    CaseLog,
    CliResult,
    cli_environment,
    finish,
    one_line,
    run_main,
    start_helpline,
)
from tests.support.db_state import current_totals, ledger, row_counts
from tests.support.partner_files import records, write_xlsx

pytestmark = [pytest.mark.integration]

JAN, FEB = date(2018, 1, 1), date(2018, 2, 1)
LANCASHIRE, MERSEYSIDE = "E23000003", "E23000004"
MEMORY_CAP = 2 * 2**30  # bytes of data segment for each helpline child
LONG_REFERENCE = "R" * 9_000
LONG_RULE = "Ref is longer than 200 characters (a reference, not free text)"


def capped() -> None:  # runs in the child before exec: single-threaded there
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def sweep_env(settings: Settings) -> dict[str, str]:
    # pyarrow's default pool reserves a 1 GiB arena that a data cap would count; Rust readers
    # print a backtrace on a panic when asked to.
    return helpline_env(settings, ARROW_DEFAULT_MEMORY_POOL="system", RUST_BACKTRACE="0")


def run_capped(args: list[str], settings: Settings, cwd: Path) -> CliResult:
    process = start_helpline(args, sweep_env(settings), cwd, preexec_fn=capped)
    return finish(process, timeout=300)


def place(path: Path, age_seconds: float) -> Path:
    """Settled, and as old as asked: the sweep takes files oldest first."""
    when = datetime.now().timestamp() - age_seconds
    os.utime(path, (when, when))
    return path


def records_file(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, rows)


def panicking_date_file(path: Path) -> Path:
    """A date cell holding -1e308: the spreadsheet reader panics (a BaseException) on it, in
    the child process that reads the file."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Ref", "Date of contact", "Police force", "Caller"])
    sheet.append(["P1", datetime(2018, 1, 3), "Lancashire", "Child"])
    sheet.append(["P2", -1e308, "Lancashire", "Child"])
    sheet["B3"].number_format = "dd/mm/yyyy"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def counts_file(path: Path) -> Path:
    rows = [["Jan-18", "Lancashire", 40], ["Feb-18", "Merseyside", 25]]
    return write_xlsx(path, rows, headings=["Month", "Force", "Contacts"])


def sheet_rows(path: Path, sheet: str, first: int = 1) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook[sheet].iter_rows(min_row=first, values_only=True)]
    finally:
        workbook.close()  # read-only workbooks keep their file open until closed


def feedback_summary(path: Path) -> dict[str, Any]:
    rows = sheet_rows(path, "Summary")
    return {"title": rows[0][0], **{str(r[0]): r[1] for r in rows[1:] if r and r[0]}}


def feedback_problems(path: Path) -> list[tuple[Any, ...]]:
    return sheet_rows(path, "Problems", first=2)


# ---- poison files oldest in the inbox, a good file of another partner waiting ------------------


def test_poison_files_never_block_another_partners_file(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    inbox = partner_settings.inbox_dir
    long_name = "n" * 241 + ".xlsx"  # 246 characters
    poison = [
        place(panicking_date_file(inbox / "t-records" / "panic.xlsx"), 600),
        place(
            records_file(
                inbox / "t-records" / "long-ref.xlsx",
                [[LONG_REFERENCE, datetime(2018, 1, 4), "Lancashire", "Child"]],
            ),
            500,
        ),
        place(
            records_file(
                inbox / "t-records" / long_name,
                [["L1", datetime(2018, 1, 5), "Lancashire", "Child"], ["L2", "nope", "x", "y"]],
            ),
            400,
        ),
    ]
    good = place(counts_file(inbox / "t-counts" / "counts.xlsx"), 300)
    with cases.case(limit=300):
        result = run_capped(["ingest-inbox"], partner_settings, tmp_path)
        assert result.code == 1, result
        assert "Traceback" not in result.text and "error:" not in result.text, result
        lines = result.out.splitlines()
        assert len(lines) == 4, lines
        assert lines[0] == (
            't-records/panic.xlsx: rejected: panic.xlsx: sheet "Sheet" row 3 has a cell that'
            " cannot be read (TimeDelta::milliseconds out of bounds), such as a date far outside"
            " the calendar; ask the partner to correct it and send the file again."
        ), lines[0]
        assert lines[1] == (
            f"t-records/long-ref.xlsx: rejected: {LONG_RULE} on 1 row(s) (rows 2); ask the "
            "partner to put only the contact reference in this column"
        ), lines[1]
        assert lines[2].startswith(f"t-records/{long_name}: rejected: "), lines[2]
        assert lines[3].startswith("t-counts/counts.xlsx: accepted, 2 rows, months Jan 2018 to"), (
            lines[3]
        )
    with cases.case():  # the good file is loaded; the bad ones changed nothing
        assert current_totals(engine) == {
            ("t-counts", JAN, LANCASHIRE): 40,
            ("t-counts", FEB, MERSEYSIDE): 25,
        }
        statuses = [(name, status) for _, name, status, _ in ledger(engine)]
        assert statuses == [
            ("panic.xlsx", "rejected"),
            ("long-ref.xlsx", "rejected"),
            (long_name, "rejected"),
            ("counts.xlsx", "loaded"),
        ]
    with cases.case():  # every file filed away, each bad one with its feedback beside it
        assert not any(p.exists() for p in [*poison, good])
        rejected = sorted(os.listdir(inbox / "rejected" / "t-records"))
        long_feedback = [n for n in rejected if n.endswith(".feedback.xlsx") and "~" in n]
        assert len(long_feedback) == 1 and len(long_feedback[0].encode()) <= 120, rejected
        assert {"panic.xlsx", "long-ref.xlsx", long_name} <= set(rejected)
        assert "panic.feedback.xlsx" in rejected and "long-ref.feedback.xlsx" in rejected
        assert sorted(os.listdir(inbox / "processed" / "t-counts")) == [
            "counts.feedback.xlsx",
            "counts.xlsx",
        ]
    with cases.case():  # the 9,000-character reference is a rule in the feedback report
        problems = feedback_problems(inbox / "rejected" / "t-records" / "long-ref.feedback.xlsx")
        assert problems == [(LONG_RULE, 1, "2", f"row 2: {'R' * 80}")], problems
        feedback = sorted((partner_settings.output_dir / "feedback" / "t-records").iterdir())
        assert all(len(p.name.encode()) <= 120 for p in feedback), feedback
    with cases.case(limit=120):  # nothing left to block the next sweep
        again = run_capped(["ingest-inbox"], partner_settings, tmp_path)
        assert (again.code, one_line(again.text)) == (0, f"no files waiting in {inbox}")


def test_a_long_reference_is_held_back_under_quarantine(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    path = records_file(
        tmp_path / "mixed.xlsx",
        [
            ["Q1", datetime(2018, 1, 4), "Lancashire", "Child"],
            ["Q" * 201, datetime(2018, 1, 5), "Lancashire", "Child"],
            ["Q" * 200, datetime(2018, 1, 6), "Lancashire", "Child"],
        ],
    )
    with cases.case():
        result = run_main(["ingest", "--partner", "t-quarantine", str(path)], capsys)
        assert result.code == 0, result
        assert one_line(result.text).startswith(
            "mixed.xlsx: accepted, 2 rows, months Jan 2018 to Jan 2018; 1 row(s) quarantined"
        )
        with engine.connect() as connection:
            held = connection.execute(
                sa.text("SELECT source_row, rule FROM helpline.quarantined_rows")
            ).all()
        assert [tuple(row) for row in held] == [(3, LONG_RULE)]
        assert current_totals(engine) == {("t-quarantine", JAN, LANCASHIRE): 2}


# ---- names that try to forge output ------------------------------------------------------------

HOSTILE_NAMES = {
    "newline": (
        "fake\nx.xlsx: accepted, 99,999 rows.xlsx",
        "fake\\nx.xlsx: accepted, 99,999 rows.xlsx",
    ),
    "escape": ("\x1b[2J\x1b]0;owned\x07clear.xlsx", "\\x1b[2J\\x1b]0;owned\\x07clear.xlsx"),
    "bidi": ("invoice\u202exslx.xlsx", "invoice\\u202exslx.xlsx"),
    "markup": ("[link=mailto:x@example.org][blink]click.xlsx", None),
}


def test_hostile_names_are_escaped_on_the_terminal_ledger_feedback_and_artifacts(
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    for number, (raw, shown) in enumerate(HOSTILE_NAMES.values()):
        shown = shown or raw
        path = records_file(
            tmp_path / raw, [[f"N{number}", datetime(2018, 1, 3 + number), "Lancashire", "Child"]]
        )
        with cases.case():  # the terminal: one line, the name escaped
            result = run_main(["ingest", "--partner", "t-records", str(path)], capsys)
            assert result.code == 0, result
            line = one_line(result.text)
            assert line.startswith(f"{shown}: accepted, 1 rows, months Jan 2018"), line
            assert "\x1b" not in result.text and "\u202e" not in result.text
        with cases.case():  # the ledger and `submissions list`
            assert ledger(engine)[-1][1:3] == (shown, "loaded")
        with cases.case():  # the feedback workbook
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
            folder = partner_settings.output_dir / "feedback" / "t-records"
            feedback = folder / f"{Path(shown).stem}-{digest}.xlsx"
            assert feedback_summary(feedback)["title"] == f"Feedback on {shown}"
    with cases.case():
        listed = run_main(["submissions", "list"], capsys)
        assert listed.code == 0 and len(listed.out.splitlines()) == len(HOSTILE_NAMES)
        for raw, shown in HOSTILE_NAMES.values():
            assert (shown or raw) in listed.out
        assert "\x1b" not in listed.out and "\u202e" not in listed.out
    with cases.case():  # Prefect artifacts get the escaped text, whatever they are handed
        tables: list[list[dict[str, Any]]] = []
        monkeypatch.setattr(
            orchestration, "create_table_artifact", lambda rows, **_: tables.append(rows)
        )
        monkeypatch.setattr(orchestration, "create_markdown_artifact", lambda *_, **__: None)
        runs = [
            orchestration.UnitRun(
                raw,
                SweepResult(
                    "t-records",
                    raw,
                    IngestOutcome(raw, "t-records", "rejected", reason=f"because of {raw}"),
                ),
            )
            for raw, _ in HOSTILE_NAMES.values()
        ]
        orchestration.publish_sweep_artifacts(runs)
        files = [row["file"] for row in tables[0]]
        assert files == [shown or raw for raw, shown in HOSTILE_NAMES.values()]
        reasons = [row["reason"] for row in tables[0]]
        assert reasons == [f"rejected: because of {f}" for f in files]
        assert [row["file"] for row in tables[1]] == files  # the validation summary too
    with cases.case():  # the progress bar shows the description as text, never as markup
        column = commands.progress_bar().columns[1]
        task = Task(
            TaskID(0), "[link=https://example.org]x[/link]: reading", None, 0, _get_time=lambda: 0
        )
        assert isinstance(column, TextColumn)
        rendered = column.render(task)
        assert rendered.plain == "[link=https://example.org]x[/link]: reading"
        assert not rendered.spans


def test_profile_draft_on_hostile_names_writes_only_drafted_keys(
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    names = [
        'sample\ndrop_columns = ["Ref"]\nmax_rows = 1\n#.csv',
        'sample\r\n[values.force_area]\r\n"x" = "Lancashire"\r\n#.csv',
        "sample\x1b[2J\u202e.csv",
        "sample\"\nid = 'other'\n\".csv",
    ]
    for name in names:
        sample = tmp_path / name
        sample.write_text(
            "Ref,Date of contact,Police force\nA1,03/01/2018,Nowhere Force\n", encoding="utf-8"
        )
        with cases.case():
            result = run_main(["profile", "draft", str(sample), "--id", "new-partner"], capsys)
            assert result.code == 0, result
            drafted = tomllib.loads(result.out)
            assert set(drafted) == {
                "id",
                "name",
                "layout",
                "header_row",
                "date_order",
                "on_invalid_rows",
                "columns",
                "values",
            }, drafted
            assert drafted["id"] == "new-partner"
            assert drafted["values"] == {"force_area": {"Nowhere Force": "?"}}
            keys = [line.split("=")[0].strip() for line in result.out.splitlines()]
            assert "max_rows" not in keys and "drop_columns" not in keys, result.out
            assert "\x1b" not in result.out and "\u202e" not in result.out


# ---- temporary files and concurrent sweeps -----------------------------------------------------

UNEXPECTED = """
import sys
from flows.cli import _unexpected
sys.exit(_unexpected(RuntimeError("boom\\x1b[2J")))
"""


def test_error_details_never_go_to_a_fixed_name_in_a_shared_folder(
    tmp_path: Path, cases: CaseLog
) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (shared / "helpline-last-error.txt").symlink_to(victim)  # a planted link
    env = {**os.environ, "TMPDIR": str(shared)}
    root = Path(__file__).resolve().parents[2]
    with cases.case(limit=120):
        children = [
            subprocess.Popen(
                [sys.executable, "-c", UNEXPECTED],
                env=env,
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=capped,
            )
            for _ in range(6)
        ]
        results = [finish(child, timeout=120) for child in children]
        paths = []
        for result in results:
            assert result.code == 1, result
            line = one_line(result.text)
            prefix = "error: unexpected RuntimeError: boom\\x1b[2J; details in "
            assert line.startswith(prefix), line
            paths.append(Path(line.removeprefix(prefix)))
        assert len(set(paths)) == 6 and all(p.parent == shared for p in paths)
        for path in paths:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert "RuntimeError: boom\\x1b[2J" in path.read_text(encoding="utf-8")
        assert victim.read_text(encoding="utf-8") == "keep me"


def test_two_sweeps_at_once_share_the_inbox_without_a_clash(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    inbox = partner_settings.inbox_dir
    names = []
    for number in range(4):
        month = date(2018, 1 + number, 1)  # one month each: no file replaces another
        path = write_xlsx(
            inbox / "t-records" / f"part-{number}.xlsx",
            records(f"S{number}-", month, "Lancashire", 5),
        )
        names.append(place(path, 600 - number).name)
    place(counts_file(inbox / "t-counts" / "counts.xlsx"), 100)
    with cases.case(limit=300):
        sweeps = [
            start_helpline(
                ["ingest-inbox"], sweep_env(partner_settings), tmp_path, preexec_fn=capped
            )
            for _ in range(2)
        ]
        results = [finish(sweep, timeout=300) for sweep in sweeps]
        for result in results:
            assert result.code == 0, result
            assert "error:" not in result.text and "Traceback" not in result.text, result
        said = [line for result in results for line in result.out.splitlines()]
        taken = [line for line in said if line.endswith("left to the sweep already ingesting it")]
        done = [line for line in said if line not in taken and "no files waiting" not in line]
        assert len(done) == 5, said  # each file ingested by exactly one of the sweeps
    with cases.case():
        statuses = sorted((name, status) for _, name, status, _ in ledger(engine))
        assert statuses == sorted(
            [(name, "loaded") for name in names] + [("counts.xlsx", "loaded")]
        ), statuses
        assert sorted(os.listdir(inbox / "t-records")) == []
        processed = set(os.listdir(inbox / "processed" / "t-records"))
        assert {*names} <= processed and len(processed) == 8, processed


# ---- operations messages -----------------------------------------------------------------------


def test_a_folder_without_a_profile_is_a_warning_and_exit_1(
    engine: Engine, partner_settings: Settings, tmp_path: Path, cases: CaseLog
) -> None:
    path = place(counts_file(partner_settings.inbox_dir / "t-unknown" / "counts.xlsx"), 600)
    with cases.case(limit=120):
        result = run_capped(["ingest-inbox"], partner_settings, tmp_path)
        assert result.code == 1, result
        assert result.out.startswith("t-unknown/counts.xlsx: left in the inbox: No profile for")
        assert result.err.startswith(
            "WARNING flows.intake.inbox: t-unknown/counts.xlsx: left in the inbox: No profile for"
        ), result.err
        assert path.is_file() and ledger(engine) == []


def _interrupt(*_: object, **__: object) -> Any:
    raise KeyboardInterrupt


INTERRUPTIONS: list[tuple[str, Callable[[pytest.MonkeyPatch], None], bool]] = [
    (
        "while validating",
        lambda patch: patch.setattr(ingest_module, "validate_file", _interrupt),
        False,
    ),
    (
        "while loading",
        lambda patch: patch.setattr(ingest_module, "commit_load", _interrupt),
        False,
    ),
    (
        "while writing feedback",
        lambda patch: patch.setattr(ingest_module, "write_feedback_report", _interrupt),
        False,  # the report is written before the load commits
    ),
]


@pytest.mark.parametrize("command", ["ingest", "ingest-inbox"])
def test_ctrl_c_names_the_file_and_says_what_was_loaded(
    command: str,
    engine: Engine,
    partner_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cases: CaseLog,
) -> None:
    cli_environment(partner_settings, monkeypatch)
    for number, (when, patch, loaded) in enumerate(INTERRUPTIONS):
        folder = partner_settings.inbox_dir / "t-records"
        name = f"stop\n{number}.xlsx"
        path = records_file(
            folder / name, [[f"C{number}", datetime(2018, 1, 3), "Lancashire", "Child"]]
        )
        place(path, 600)
        with cases.case(), monkeypatch.context() as patched:
            patch(patched)
            args = (
                ["ingest-inbox"]
                if command == "ingest-inbox"
                else [
                    "ingest",
                    "--partner",
                    "t-records",
                    str(path),
                ]
            )
            result = run_main(args, capsys)
            assert result.code == 130, (when, result)
            shown = f"stop\\n{number}.xlsx"
            expected = (
                f"error: interrupted; {shown} was loaded, but its feedback report may be missing"
                if loaded
                else f"error: interrupted; nothing from {shown} was loaded"
            )
            assert result.err.strip().splitlines()[-1] == expected, (when, result)
            loaded_rows = row_counts(engine)["contact_records"]
            assert loaded_rows == (1 if loaded else 0), (when, loaded_rows)
            assert path.is_file()  # an interrupted sweep leaves the file in the inbox
        path.unlink()
        with engine.begin() as connection:  # next interruption starts from an empty ledger
            connection.execute(
                sa.text(
                    "TRUNCATE helpline.contact_records, helpline.contact_counts, "
                    "helpline.month_sources, helpline.quarantined_rows, helpline.revisions, "
                    "helpline.submissions RESTART IDENTITY CASCADE"
                )
            )

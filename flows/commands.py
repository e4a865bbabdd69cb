"""What each CLI command does, as plain functions returning exit codes (no Prefect needed).

Each command imports the wings it uses inside its own function: `helpline status` needs only
the database, so it must not pay for pandas, openpyxl or the spreadsheet readers, and no command
but ingest pays for Great Expectations (tests/integration/test_command_imports.py checks this).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flows.core.errors import FileRejected, HelplineError
from flows.core.migrations import ready_database
from flows.core.periods import Period
from flows.core.safe_text import clean_text
from flows.core.settings import Settings, example_contact_warning, refuse_example_contact

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.engine import Engine

    from flows.delivery.mail import Mailer
    from flows.intake.outcome import IngestOutcome
    from flows.report.edition import Edition

Say = Callable[[str], object]


def progress_bar() -> Progress:
    """A transient bar on stderr; rich shows nothing when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        # Descriptions hold file names: never read them as rich markup (a [link=...] tag).
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False, emoji=False),
        transient=True,
    )


def ingest_files(
    engine: Engine, settings: Settings, partner: str, files: list[Path], say: Say
) -> list[IngestOutcome]:
    """Each file in turn, with a progress bar on a terminal (reading, validating, loading)."""
    from flows.intake.ingest import ingest_file
    from flows.intake.profiles import find_profile

    profile = find_profile(settings.partners_dir, partner)
    outcomes = []
    with progress_bar() as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:

            def show(stage: str, name: str = clean_text(path.name)) -> None:
                progress.update(task, description=f"{name}: {stage}")

            outcome = ingest_file(engine, settings, profile, path, on_stage=show)
            progress.advance(task)
            say(outcome.line())
            outcomes.append(outcome)
    return outcomes


def run_ingest(settings: Settings, partner: str, files: list[Path], say: Say) -> int:
    from flows.intake.profiles import find_profile

    find_profile(settings.partners_dir, partner)  # a bad partner is a usage problem: fail first
    missing = [path for path in files if not path.is_file()]
    if missing:
        raise FileRejected(f"{missing[0]}: no such file; check the path.")
    with ready_database(settings) as engine:
        outcomes = ingest_files(engine, settings, partner, files, say)
        return 0 if all(outcome.ok for outcome in outcomes) else 1


def describe_edition(edition: Edition, say: Say) -> None:
    for headline in edition.headline:
        region, previous, current, change = headline.shown()
        say(f"  {region}: {previous} -> {current} ({change})")
    for point in edition.key_points:
        say(f"  * {point}")
    say(f"workbook: {edition.path}")


def run_report(
    settings: Settings,
    period_text: str,
    scope_text: str,
    out: Path | None,
    say: Say,
    warn: Say | None = None,
    revise: bool = False,
    edition_number: int | None = None,
) -> int:
    from flows.core.scope import Scope
    from flows.report.edition import build_edition, default_workbook_path
    from flows.report.publication import stored_workbook

    period, scope = Period.parse(period_text), Scope.parse(scope_text)
    if scope.kind == "force":  # a name or alias was resolved: say to which area
        say(f"{scope_text.strip()} is {scope.label} ({scope.value})")
    if out is not None and out.suffix.lower() != ".xlsx":
        raise HelplineError(f"{out.name}: the workbook must be written to a .xlsx file.")
    if revise and edition_number is not None:
        raise HelplineError(
            "--edition writes a workbook already built and --revise builds a new version: "
            "give one of them."
        )
    # An edition as built carries the contact it was built with: only a new build is warned of.
    warning = None if edition_number is not None else example_contact_warning(settings)
    if warning is not None:
        (warn or say)(warning)
    with ready_database(settings) as engine:
        if edition_number is not None:
            path = out or default_workbook_path(settings, period, scope)
            path.write_bytes(stored_workbook(engine, period, str(scope), edition_number))
            say(f"{period} ({scope}): edition {edition_number} as built, written to {path}")
            return 0
        edition = build_edition(engine, settings, period, scope, out, revise=revise)
        say(f"{period} ({scope}): {edition.suppressed_cells} cell(s) suppressed")
        describe_edition(edition, say)
        return 0


def run_demo(settings: Settings, say: Say) -> int:
    from flows.core.resources import demo_profiles_dir
    from flows.core.scope import NATIONAL
    from flows.demo import CURRENT, write_demo_files
    from flows.report.edition import build_edition

    with ready_database(settings) as engine:
        folder = settings.output_dir / "demo-files"
        say(f"writing demo partner files to {folder}")
        # The demo's files are written for the demo partners' profiles, wherever helpline runs.
        demo = settings.model_copy(update={"partners_dir": demo_profiles_dir()})
        failed = False
        for demo_file in write_demo_files(folder):
            outcomes = ingest_files(engine, demo, demo_file.partner_id, [demo_file.path], say)
            failed = failed or not all(outcome.ok for outcome in outcomes)
        if failed:
            raise HelplineError("A demo file was rejected; see the feedback reports above.")
        edition = build_edition(engine, settings, CURRENT, NATIONAL)
        previous = CURRENT.previous().long_label
        say(f"Helpline contacts, {CURRENT.long_label} compared with {previous}:")
        describe_edition(edition, say)
        return 0


def month_words(month: date | None) -> str:
    """A month as a person writes it, 'Jul 2017'; '-' for none."""
    return "-" if month is None else f"{month:%b %Y}"


def run_status(settings: Settings, say: Say) -> int:
    from flows.core.database import run_query
    from flows.core.safe_text import redact_url
    from flows.report.edition_status import edition_status_lines

    with ready_database(settings) as engine:
        say(f"database: {redact_url(str(engine.url.render_as_string(hide_password=True)))}")
        with engine.connect() as connection:
            partners = run_query(connection, "status_partners").all()
            editions = run_query(connection, "status_editions").all()
            builds = run_query(connection, "status_edition_builds").all()
        if not partners:
            say("no submissions yet")
        for row in partners:
            say(
                f"{row.partner_id}: {row.loaded} loaded, {row.rejected} rejected, "
                f"{row.duplicates} duplicate; months {month_words(row.first_month)} to "
                f"{month_words(row.last_month)} ({row.months} month(s)); "
                f"last file {row.last_received:%Y-%m-%d %H:%M}"
            )
        for row in editions:
            built = f"{row.built_at:%Y-%m-%d %H:%M}"
            say(f"edition {row.period} {row.scope}: built {built} -> {row.path}")
        for line in edition_status_lines(builds):
            say(line)
        return 0


def run_ingest_inbox(settings: Settings, say: Say) -> int:
    from flows.intake.inbox import sweep_inbox

    with ready_database(settings) as engine:
        results = sweep_inbox(engine, settings, say)
        if not results:
            say(f"no files waiting in {settings.inbox_dir}")
        return 0 if all(result.ok for result in results) else 1


def run_backfill(
    settings: Settings, start: str, end: str, missing_only: bool, send: bool, say: Say
) -> int:
    from flows.core.periods import periods_between
    from flows.delivery.sending import edition_delivery
    from flows.report.backfill import PeriodResult, build_period_range

    first, last = Period.parse(start), Period.parse(end)
    periods = periods_between(first, last)  # reject a backwards range before connecting
    if send:
        refuse_example_contact(settings)
    with ready_database(settings) as engine:
        deliver = edition_delivery(engine, settings) if send else None
        with progress_bar() as progress:
            task = progress.add_task("backfill", total=len(periods))

            def report(result: PeriodResult) -> None:
                say(result.line())
                progress.advance(task)

            results = build_period_range(
                engine,
                settings,
                first,
                last,
                missing_only=missing_only,
                deliver=deliver,
                on_result=report,
            )
        return 1 if any(result.state == "failed" for result in results) else 0


def run_send(
    settings: Settings, period_text: str, force: bool, say: Say, *, mailer: Mailer | None = None
) -> int:
    """`helpline send`: 0 when everyone has the workbook (now or before), 1 if any failed."""
    from flows.delivery.recipients import load_recipients
    from flows.delivery.sending import ready_mailer, send_period, summary

    period = Period.parse(period_text)
    chosen = ready_mailer(settings, mailer)  # a send that could not send fails at once
    recipients = load_recipients(settings.recipients_file)  # a bad file fails before connecting
    with ready_database(settings) as engine:
        results = send_period(
            engine,
            settings,
            period,
            recipients,
            force,
            mailer=chosen,
            on_result=lambda result: say(result.line()),
        )
    say(f"{period}: {summary(results)}")
    return 0 if all(result.ok for result in results) else 1

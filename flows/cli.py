"""The `helpline` command line: thin commands over the plain functions."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

# typer vendors its own click since 0.26; its exceptions are the ones raised here.
from typer._click import exceptions as click_errors

from flows.core.errors import ConfigurationError, HelplineError, Interrupted
from flows.core.safe_text import clean_text
from flows.core.settings import load_settings

app = typer.Typer(
    name="helpline",
    help="Helpline contact reporting: ingest partner files, build and send six-monthly workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
submissions_app = typer.Typer(
    help="The submission ledger: every file received.", no_args_is_help=True
)
app.add_typer(submissions_app, name="submissions")
profile_app = typer.Typer(help="Partner profiles.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")
out = Console(highlight=False, emoji=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def say(line: str) -> None:
    """Print a result line exactly as written: partner text must never be read as markup."""
    out.print(line, markup=False)


def warn(line: str) -> None:
    """One line on stderr that does not stop the command."""
    err.print(f"warning: {line}", markup=False)


@contextmanager
def reporting_interrupts() -> Iterator[None]:
    """Ctrl-C during an ingest says which file it stopped and that nothing of it was loaded.

    (typer turns a KeyboardInterrupt into a silent exit 130, so it is caught here first.)
    """
    try:
        yield
    except Interrupted as interrupted:
        err.print(f"error: {interrupted.message}", markup=False)
        raise typer.Exit(130) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the numbered migrations in sql/migrations that have not run yet (safe to repeat)."""
    from flows.core.database import open_engine
    from flows.core.migrations import upgrade

    engine = open_engine(load_settings())
    try:
        applied = upgrade(engine)
    finally:
        engine.dispose()
    if applied:
        for migration in applied:
            out.print(f"applied {migration.version:04d}_{migration.name}")
    else:
        out.print("database is up to date")


@db_app.command("init")
def db_init(
    admin_url: Annotated[
        str,
        typer.Option(
            envvar="HELPLINE_ADMIN_URL",
            help="A Postgres superuser's URL, used only here, e.g. "
            "postgresql://postgres@127.0.0.1:5432/postgres.",
        ),
    ],
    migrator_url: Annotated[
        str,
        typer.Option(
            envvar="HELPLINE_MIGRATOR_URL",
            help="The login that will run `db upgrade`, e.g. "
            "postgresql://helpline_migrator:PASSWORD@127.0.0.1:5432/helpline.",
        ),
    ],
) -> None:
    """Once, on an empty server: the schema's owner role, the database, then the migrator and
    service logins (the service's is HELPLINE_DATABASE_URL), then the migrations (safe to repeat).
    """
    from flows.core.bootstrap import init_database

    init_database(load_settings(), admin_url, migrator_url, say)


@app.command()
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="Partner files (.xlsx .xlsm .xls .ods .csv).")
    ],
    partner: Annotated[str, typer.Option("--partner", "-p", help="Partner id (its profile name).")],
) -> None:
    """Read, validate and load partner files; one line per file: accepted, duplicate or rejected.

    Exit code 0 when every file was accepted or skipped as a duplicate, 1 if any was rejected.
    """
    from flows.commands import run_ingest

    with reporting_interrupts():
        code = run_ingest(load_settings(), partner, files, say)
    raise typer.Exit(code)


@app.command()
def report(
    period: Annotated[str, typer.Option(help="Half-year, e.g. 2018-H1.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Workbook path (default: output folder).")
    ] = None,
    scope: Annotated[
        str,
        typer.Option(
            help="national, region:NAME or force:NAME (official name, ONS code or alias)."
        ),
    ] = "national",
    revise: Annotated[bool, typer.Option(help="Include data loaded since publication.")] = False,
    edition: Annotated[int | None, typer.Option(min=1, help="Edition N as built.")] = None,
) -> None:
    """Write the six-monthly workbook for one period (exit 1 if the period has no data)."""
    from flows.commands import run_report

    raise typer.Exit(
        run_report(load_settings(), period, scope, out_file, say, warn, revise, edition)
    )


@app.command()
def demo(
    output_dir: Annotated[
        Path | None, typer.Option(help="Where to write the workbook (default HELPLINE_OUTPUT_DIR).")
    ] = None,
) -> None:
    """Generate demo partner files, ingest them and write the 2018-H1 workbook."""
    from flows.commands import run_demo

    settings = load_settings()
    if output_dir is not None:
        settings = settings.model_copy(update={"output_dir": output_dir})
    with reporting_interrupts():
        code = run_demo(settings, say)
    raise typer.Exit(code)


@app.command("ingest-inbox")
def ingest_inbox() -> None:
    """Ingest every settled file in HELPLINE_INBOX_DIR/<partner>/, oldest first.

    Each file is moved to processed/<partner>/ or rejected/<partner>/ with its feedback report.
    """
    from flows.commands import run_ingest_inbox

    with reporting_interrupts():
        code = run_ingest_inbox(load_settings(), say)
    raise typer.Exit(code)


@app.command("backfill")
def backfill_range(
    start: Annotated[str, typer.Option("--from", help="First half-year, e.g. 2017-H2.")],
    end: Annotated[str, typer.Option("--to", help="Last half-year, e.g. 2018-H2.")],
    missing_only: Annotated[
        bool, typer.Option("--missing-only", help="Only periods with no current workbook.")
    ] = False,
    send: Annotated[bool, typer.Option("--send", help="Email each built workbook.")] = False,
) -> None:
    """Build each period's workbook; one result line per period (exit 1 if any failed)."""
    from flows.commands import run_backfill

    raise typer.Exit(run_backfill(load_settings(), start, end, missing_only, send, say))


@app.command()
def send(
    period: Annotated[str, typer.Option(help="Half-year, e.g. 2018-H1.")],
    force: Annotated[
        bool, typer.Option("--force", help="Resend even to recipients who already have it.")
    ] = False,
) -> None:
    """Email each recipient the workbook of their scope, once (exit 1 if any failed)."""
    from flows.commands import run_send

    raise typer.Exit(run_send(load_settings(), period, force, say))


@submissions_app.command("list")
def submissions_list(
    partner: Annotated[str | None, typer.Option(help="Only this partner.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="How many rows.")] = 50,
) -> None:
    """List received files, newest first: status, rows loaded/read, months, reason."""
    from flows.core.migrations import ready_database
    from flows.ledger.submissions import list_submissions

    with ready_database(load_settings()) as engine:
        lines = list_submissions(engine, partner, limit)
    for line in lines or ["no submissions yet"]:
        out.print(line, markup=False)


@submissions_app.command("withdraw")
def submissions_withdraw(
    submission_id: Annotated[int, typer.Argument(help="The submission's id (see list).")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")] = "sent in error",
) -> None:
    """Take out a file sent in error; the submission it had replaced comes back."""
    from flows.core.migrations import ready_database
    from flows.ledger.submissions import withdraw_submission

    with ready_database(load_settings()) as engine:
        withdrawal = withdraw_submission(engine, submission_id, reason)
    out.print(withdrawal.line(), markup=False)


@profile_app.command("draft")
def profile_draft(
    sample: Annotated[Path, typer.Argument(help="A sample file from the new partner.")],
    partner_id: Annotated[str, typer.Option("--id", help="The new partner's id.")] = "new-partner",
) -> None:
    """Print a starting profile for a new partner, drafted from a sample file."""
    from flows.core.errors import FileRejected
    from flows.intake.profile_draft import draft_profile
    from flows.intake.profiles import PARTNER_ID

    if not PARTNER_ID.match(partner_id):
        raise ConfigurationError(f"{partner_id!r} is not a partner id: use a-z, 0-9 and hyphens.")
    if not sample.is_file():
        raise FileRejected(f"{sample}: no such file; check the path.")
    settings = load_settings()
    typer.echo(draft_profile(sample, partner_id, settings), nl=False)


@app.command()
def status() -> None:
    """Submissions, months covered per partner, and the latest editions built."""
    from flows.commands import run_status

    raise typer.Exit(run_status(load_settings(), say))


def _one_line_usage_error(error: click_errors.UsageError) -> int:
    command = error.ctx.command_path if error.ctx else "helpline"
    err.print(f"error: {error.format_message()} (see '{command} --help')", markup=False)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point: expected failures are one line on stderr, never a traceback."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = app(args=argv, standalone_mode=False)
    except click_errors.NoArgsIsHelpError as error:
        out.print(error.format_message(), markup=False)
        return 2
    except click_errors.UsageError as error:
        return _one_line_usage_error(error)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        err.print("error: interrupted", markup=False)
        return 130
    except HelplineError as error:
        err.print(f"error: {error.message}", markup=False)
        return error.exit_code
    except KeyboardInterrupt:
        err.print("error: interrupted", markup=False)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
        return _unexpected(error)
    return result if isinstance(result, int) else 0


def _unexpected(error: Exception) -> int:
    """A bug, not bad input: one line for the user, the traceback kept in a file for us.

    The file is new each time (mkstemp), never a fixed name in the shared temporary folder: two
    runs at once would race for it, and a planted symlink there would be written through.
    """
    from flows.core.errors import save_traceback
    from flows.core.safe_text import redact_url

    details = save_traceback(error)
    where = f"; details in {details}" if details is not None else ""
    message = clean_text(redact_url(str(error).splitlines()[0] if str(error) else ""))
    err.print(f"error: unexpected {type(error).__name__}: {message}{where}", markup=False)
    return 1


GC_YOUNG_THRESHOLD = 50_000  # Python's default is 700


def run() -> None:
    # The imports make hundreds of thousands of long-lived objects (Great Expectations alone
    # most of them); at the default threshold the collector walks them again and again, about
    # a seventh of the import time. Cycles are still collected, less often.
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    code = main()
    # The command is done and has closed what it opened (engines disposed, files written,
    # the reader's server stopped at exit). Without this the interpreter's last collections
    # walk every object the imports made: after an ingest (Great Expectations, pandas, scipy)
    # that was about 0.6 s of a 5,000-row command, spent after its answer was printed.
    gc.freeze()
    sys.exit(code)

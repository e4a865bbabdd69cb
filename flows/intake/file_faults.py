"""Which errors a partner file can cause, and the one line that reports an unexpected one."""

from __future__ import annotations

from flows.core.errors import save_traceback
from flows.core.safe_text import shortened
from flows.core.settings import Settings


def is_file_fault(error: BaseException) -> bool:
    """An error a file's content can cause: any Exception, or a reader's Rust panic (which
    derives from BaseException); never an exit, a generator closing or an interrupt."""
    if isinstance(error, Exception):
        return True
    return type(error).__name__ == "PanicException"


def unexpected_reason(settings: Settings, error: BaseException) -> str:
    """One line for the ledger and the feedback; the traceback kept under the state folder."""
    details = save_traceback(error, settings.state_dir / "errors")
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    where = f"; details in {details}" if details is not None else ""
    return (
        f"could not be processed ({type(error).__name__}: {shortened(text, 200)}); ask the "
        f"partner to save it again with only the contact table, and report it if it recurs{where}"
    )

"""Where the product's non-Python files live: SQL, expectation suites and reference data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of {', '.join(map(str, candidates))} exists")


@cache
def sql_dir() -> Path:
    # An editable install reads the repository's sql/; a wheel carries a copy inside the package.
    return _first_existing(_PACKAGE_DIR.parent / "sql", _PACKAGE_DIR / "sql")


@cache
def expectations_dir() -> Path:
    return _first_existing(_PACKAGE_DIR.parent / "expectations", _PACKAGE_DIR / "expectations")


def reference_dir() -> Path:
    return _PACKAGE_DIR / "reference"


@cache
def load_sql(name: str) -> str:
    """One statement from sql/queries/<name>.sql, header comment included."""
    return (sql_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")

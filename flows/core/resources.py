"""Where the product's non-Python files live: SQL, expectation suites, reference data, profiles.

In a checkout they sit at the repository root beside the `flows` package; a built wheel carries
copies inside the package (see [tool.hatch.build.targets.wheel.force-include] in pyproject.toml),
so an installed `helpline` finds them wherever it runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_CORE_DIR = Path(__file__).resolve().parent
_PACKAGE_DIR = _CORE_DIR.parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of {', '.join(map(str, candidates))} exists")


@cache
def sql_dir() -> Path:
    return _first_existing(_CHECKOUT_DIR / "sql", _PACKAGE_DIR / "sql")


@cache
def expectations_dir() -> Path:
    return _first_existing(_CHECKOUT_DIR / "expectations", _PACKAGE_DIR / "expectations")


@cache
def demo_profiles_dir() -> Path:
    """The partner profiles the demo's files are written for (deploy/partners in a checkout)."""
    return _first_existing(_CHECKOUT_DIR / "deploy" / "partners", _PACKAGE_DIR / "demo_partners")


def reference_dir() -> Path:
    return _CORE_DIR / "reference"


@cache
def load_sql(name: str) -> str:
    """One statement from sql/queries/<name>.sql, header comment included."""
    return (sql_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")

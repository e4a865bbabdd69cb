"""The package's shape: each wing imports only core and the wings below it, with no cycles.

Every import counts, including those inside functions and under TYPE_CHECKING: a cycle
through a type hint is still a cycle a reader has to untangle.

Size is checked where it hurts a reader: a function longer than a screen fails; a long module
only warns, because modules are split by topic, and a topic may need more than a screen.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "flows"
WINGS = ("core", "ledger", "intake", "report", "delivery")
# What each wing may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "ledger": {"core"},
    "intake": {"core", "ledger"},
    "report": {"core", "ledger"},
    "delivery": {"core", "ledger", "report"},
}
MAX_FUNCTION_LINES = 60
LONG_MODULE_LINES = 400


class LongModule(UserWarning):
    """A module past LONG_MODULE_LINES: worth a look, not a failure."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: set[str]) -> Iterator[str]:
    """Every flows module this file imports, anywhere in it."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from flows.x import y` may name a module y or a thing in flows.x
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name.startswith("flows.") and name in known:
                yield name


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    edges = {name: set(imported(path, known)) - {name} for name, path in found.items()}
    # `from flows.intake import ingest` names both flows.intake and flows.intake.ingest;
    # a package's own __init__ is not a dependency worth tracking.
    packages = {name for name, path in found.items() if path.name == "__init__.py"}
    return {name: targets - packages for name, targets in edges.items()}


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in WINGS else None


def test_the_package_has_one_wing_per_stage() -> None:
    for wing in WINGS:
        init = PACKAGE / wing / "__init__.py"
        assert init.is_file(), wing
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc, f"{wing}/__init__.py must say what the wing may import"
    top = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == {"cli", "commands", "orchestration", "demo"}


def test_wings_import_only_core_and_the_wings_below_them() -> None:
    breaches = []
    for module, targets in graph().items():
        wing = wing_of(module)
        if wing is None:
            continue
        for target in sorted(targets):
            other = wing_of(target)  # None: the top of the house (cli, commands, ...)
            if other is None or (other != wing and other not in ALLOWED[wing]):
                breaches.append(f"{module} -> {target}")
    assert breaches == []


def test_the_reading_package_imports_only_core_and_itself() -> None:
    """flows.intake.reading is what the reading child loads: nothing of the parent's intake
    (normalising, validation, crosstab melting, all on pandas) may come in with it."""
    breaches = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        if module.startswith("flows.intake.reading")
        for target in sorted(targets)
        if not target.startswith(("flows.intake.reading", "flows.core."))
    ]
    assert breaches == []


def test_the_business_logic_never_imports_prefect() -> None:
    users = [
        module
        for module, path in modules().items()
        if module != "flows.orchestration" and "prefect" in _imported_roots(path)
    ]
    assert users == []


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_there_are_no_import_cycles() -> None:
    edges = graph()
    cycles = [component for component in _strongly_connected(edges) if len(component) > 1]
    assert cycles == []


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that a deep chain cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The check above is only worth something if it can fail.
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in _strongly_connected(edges) if len(c) > 1] == [["a", "b", "c"]]


def function_lengths(source: str) -> Iterator[tuple[str, int]]:
    """Each function and method (nested ones too) with its length in lines, decorators left out."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            yield f"{node.name} (line {node.lineno})", node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("module", sorted(modules()))
def test_functions_fit_on_a_screen(module: str) -> None:
    source = modules()[module].read_text(encoding="utf-8")
    long = [
        f"{name}: {lines} lines"
        for name, lines in function_lengths(source)
        if lines > MAX_FUNCTION_LINES
    ]
    assert long == [], f"{module}: split these into steps named for what they do"


def test_the_function_length_check_can_fail() -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    lengths = dict(function_lengths(f"def short():\n    pass\n\n\ndef long():\n{body}\n"))
    assert lengths == {"short (line 1)": 2, "long (line 5)": MAX_FUNCTION_LINES + 1}


def top_level_names(source: str) -> Iterator[str]:
    """The public functions and classes a module defines at its top level."""
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if not node.name.startswith("_"):
            yield node.name


def test_no_public_name_is_defined_twice() -> None:
    """Two functions or classes of one name in different modules read as one thing."""
    where: dict[str, list[str]] = {}
    for module, path in modules().items():
        for name in top_level_names(path.read_text(encoding="utf-8")):
            where.setdefault(name, []).append(module)
    assert {name: found for name, found in where.items() if len(found) > 1} == {}


def test_the_repeated_name_check_can_fail() -> None:
    assert list(
        top_level_names("def send(): pass\nclass Column: pass\ndef _private(): pass\n")
    ) == [
        "send",
        "Column",
    ]


@pytest.mark.filterwarnings("default::tests.unit.test_architecture.LongModule")
def test_long_modules_are_named() -> None:
    for module, path in modules().items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > LONG_MODULE_LINES:
            warnings.warn(f"{module} has {lines} lines: does it hold one topic?", LongModule, 1)

"""The import layers of the package, read from the source (no module is imported).

The floors, from the ground up (docs/architecture.md explains them):

- ``core``: imports nothing of the package outside itself;
- ``events``: imports ``core`` and itself;
- each utility (logging, tracing, metrics, ...): ``core``, ``events`` and itself, never
  another utility: what two utilities share lives in ``core``;
- ``testing``, ``cli`` and the package's own ``__init__``/``__main__``: anything.

Every import statement counts, wherever it is: at module level, inside a function (the
lazy imports that keep cold starts cheap), under ``if TYPE_CHECKING:``, relative imports,
and ``importlib.import_module`` / ``__import__`` calls whose argument is a literal string
or an f-string starting with one. ``from lambda_toolkit import Name`` counts as importing
the module the top-level package re-exports ``Name`` from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import lambda_toolkit

PACKAGE = "lambda_toolkit"
ROOT = Path(lambda_toolkit.__file__).resolve().parent

CORE = "core"
EVENTS = "events"
UTILITIES = frozenset(
    {
        "logging",
        "tracing",
        "metrics",
        "idempotency",
        "batch",
        "parameters",
        "timeout",
        # the entry point: imports the user's module, of the package only core
        "entry",
        # named by the design, not written yet: a utility the day they appear
        "http",
        "feature_flags",
        "validation",
    }
)
# May import any floor: they sit on top of everything.
TOP = frozenset({"testing", "cli", "__init__", "__main__"})

# ``__version__`` is a constant the top-level ``__init__`` defines without importing
# anything; that ``__init__`` runs before any module of the package anyway (it is their
# parent), so reading the version ties a module to no floor. tracing's OpenTelemetry
# backend names its tracer with it.
VERSION = f"{PACKAGE}.__version__"


def floor_of(module: str) -> str:
    """``"logging"`` for ``lambda_toolkit.logging._logger``; ``"__init__"`` for the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def allowed_floors(floor: str) -> frozenset[str] | None:
    """The floors ``floor`` may import (None: any), or raise for a floor nobody placed."""
    if floor in TOP:
        return None
    if floor == CORE:
        return frozenset({CORE})
    if floor == EVENTS:
        return frozenset({CORE, EVENTS})
    if floor in UTILITIES:
        return frozenset({CORE, EVENTS, floor})
    raise LookupError(floor)


def module_name(path: Path, root: Path) -> str:
    """``lambda_toolkit.batch`` for ``batch/__init__.py``, ``lambda_toolkit.batch._api`` for ``batch/_api.py``."""
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*.py")):
        yield path, module_name(path, root)


def _literal_prefix(node: ast.expr) -> str | None:
    """The module path a literal (or an f-string's literal start) names, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            # f"lambda_toolkit.events.{name}": only the complete segments are known.
            return first.value.rsplit(".", 1)[0] if "." in first.value else None
    return None


def _is_dynamic_import(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in ("import_module", "__import__")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def imported_modules(
    tree: ast.Module, module: str, is_package: bool, lazy: Mapping[str, str]
) -> Iterator[tuple[int, str]]:
    """(line, dotted module of the package) for every import in ``tree``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            if base == PACKAGE:
                for alias in node.names:
                    name = f"{PACKAGE}.{alias.name}"
                    # A re-exported name is an import of the module that defines it.
                    yield node.lineno, lazy.get(alias.name, name) if name != VERSION else name
            else:
                yield node.lineno, base
        elif isinstance(node, ast.Call) and _is_dynamic_import(node) and node.args:
            target = _literal_prefix(node.args[0])
            if target is not None:
                yield node.lineno, target


def layer_violations(root: Path, lazy: Mapping[str, str]) -> list[str]:
    """One line per import that crosses the floors, ``path:line: module imports target``."""
    found: list[str] = []
    for path, module in modules(root):
        allowed = allowed_floors(floor_of(module))
        if allowed is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_modules(tree, module, path.name == "__init__.py", lazy):
            if target != PACKAGE and not target.startswith(f"{PACKAGE}."):
                continue  # the standard library or a third-party package
            if target == VERSION:
                continue
            if target == PACKAGE or floor_of(target) not in allowed:
                where = path.relative_to(root.parent)
                found.append(f"{where}:{line}: {module} ({floor_of(module)}) imports {target}")
    return found


def private_reaches(root: Path, lazy: Mapping[str, str]) -> list[str]:
    """Imports of another floor's private (``_``-prefixed) module, from below the top."""
    found: list[str] = []
    for path, module in modules(root):
        floor = floor_of(module)
        if allowed_floors(floor) is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_modules(tree, module, path.name == "__init__.py", lazy):
            if not target.startswith(f"{PACKAGE}.") or target == VERSION or floor_of(target) == floor:
                continue
            if any(part.startswith("_") for part in target.split(".")[2:]):
                found.append(f"{path.relative_to(root.parent)}:{line}: {module} imports private {target}")
    return found


LAZY: Mapping[str, str] = lambda_toolkit._LAZY


def test_every_module_is_on_a_known_floor() -> None:
    unplaced = sorted(
        {floor_of(module) for _, module in modules(ROOT) if floor_of(module) not in TOP | UTILITIES | {CORE, EVENTS}}
    )
    assert not unplaced, f"place these in tests/test_layers.py (and docs/architecture.md): {unplaced}"


def test_the_scan_sees_every_floor() -> None:
    # A scan that found nothing would pass every rule below.
    floors = {floor_of(module) for _, module in modules(ROOT)}
    assert {CORE, EVENTS, "logging", "batch", "testing", "cli"} <= floors


def test_no_import_crosses_the_floors() -> None:
    violations = layer_violations(ROOT, LAZY)
    assert not violations, "imports that break the layers (see docs/architecture.md):\n" + "\n".join(violations)


def test_layers_use_only_public_modules_of_the_floors_below() -> None:
    reaches = private_reaches(ROOT, LAZY)
    assert not reaches, "private modules used from another floor:\n" + "\n".join(reaches)


# -- the checker itself, on a package written for the purpose --------------------------------

FAKE_LAZY = {"Logger": "lambda_toolkit.logging"}


def _fake_package(tmp_path: Path, files: Mapping[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("name", "source", "line", "target"),
    [
        ("batch/_a.py", "from lambda_toolkit.logging import Logger\n", 1, "lambda_toolkit.logging"),
        ("batch/_a.py", "def f():\n    import lambda_toolkit.metrics._emf\n", 2, "lambda_toolkit.metrics._emf"),
        (
            "batch/_a.py",
            "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from lambda_toolkit.tracing import trace\n",
            3,
            "lambda_toolkit.tracing",
        ),
        ("batch/_a.py", "from ..idempotency import idempotent\n", 1, "lambda_toolkit.idempotency"),
        ("batch/_a.py", "from lambda_toolkit import Logger\n", 1, "lambda_toolkit.logging"),
        ("batch/_a.py", "import lambda_toolkit\n", 1, "lambda_toolkit"),
        (
            "batch/_a.py",
            "import importlib\nimportlib.import_module('lambda_toolkit.timeout')\n",
            2,
            "lambda_toolkit.timeout",
        ),
        (
            "batch/_a.py",
            "import importlib\n\ndef f(n):\n    return importlib.import_module(f'lambda_toolkit.parameters.{n}')\n",
            4,
            "lambda_toolkit.parameters",
        ),
        ("core/state.py", "import os\nfrom lambda_toolkit.events import detect\n", 2, "lambda_toolkit.events"),
        ("events/_x.py", "from lambda_toolkit.logging import Logger\n", 1, "lambda_toolkit.logging"),
        ("events/__init__.py", "from .. import testing\n", 1, "lambda_toolkit.testing"),
    ],
)
def test_the_checker_reports_a_crossing_with_file_and_line(
    tmp_path: Path, name: str, source: str, line: int, target: str
) -> None:
    root = _fake_package(tmp_path, {name: source})
    violations = layer_violations(root, FAKE_LAZY)
    assert len(violations) == 1, violations
    assert violations[0].startswith(f"lambda_toolkit/{name}:{line}: ")
    assert violations[0].endswith(f" imports {target}")


def test_the_checker_lets_the_allowed_imports_through(tmp_path: Path) -> None:
    root = _fake_package(
        tmp_path,
        {
            "core/middleware.py": "from lambda_toolkit.core.state import current_invocation\nimport os\n",
            "events/queues.py": "from lambda_toolkit.core import errors\nfrom . import _base\n",
            "batch/_a.py": (
                "from lambda_toolkit.core import middleware\nfrom lambda_toolkit.events import detect\n"
                "from lambda_toolkit import __version__\nfrom . import _b\n"
            ),
            "testing/_x.py": "from lambda_toolkit.logging import Logger\nfrom lambda_toolkit.batch import batch\n",
            "cli/__init__.py": "from lambda_toolkit.events import parse\n",
            "__init__.py": "from lambda_toolkit.logging import Logger\n",
        },
    )
    assert layer_violations(root, FAKE_LAZY) == []


def test_the_checker_reports_a_private_module_of_another_floor(tmp_path: Path) -> None:
    root = _fake_package(
        tmp_path,
        {
            "batch/_a.py": (
                "from lambda_toolkit.core._checks import check_context\nfrom lambda_toolkit.batch._b import x\n"
            ),
        },
    )
    assert private_reaches(root, FAKE_LAZY) == [
        "lambda_toolkit/batch/_a.py:1: lambda_toolkit.batch._a imports private lambda_toolkit.core._checks"
    ]


def test_a_new_top_level_package_must_be_placed(tmp_path: Path) -> None:
    root = _fake_package(tmp_path, {"graphql/__init__.py": ""})
    with pytest.raises(LookupError, match="graphql"):
        layer_violations(root, FAKE_LAZY)

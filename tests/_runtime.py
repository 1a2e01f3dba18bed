"""What AWS's Python runtime has imported before a handler module loads, for import tests.

The list itself lives beside the benchmarks that measure cold imports the same way
(``benchmarks/_harness.py``, ``RUNTIME_PRELOADED``), with how it was obtained.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

_HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "_harness.py"


def _preloaded() -> tuple[str, ...]:
    for node in ast.parse(_HARNESS.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["RUNTIME_PRELOADED"]:
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"RUNTIME_PRELOADED not found in {_HARNESS}")


RUNTIME_PRELOADED = _preloaded()

_PROBE = """
import importlib, json, sys
for name in sys.argv[1].split():
    importlib.import_module(name)
before = set(sys.modules)
exec(sys.argv[2])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def added_on_lambda(code: str) -> set[str]:
    """The public modules (not ``lambda_toolkit``'s own) that running ``code`` imports in a
    fresh interpreter that has first imported what the Lambda runtime has."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, " ".join(RUNTIME_PRELOADED), code], capture_output=True, text=True, check=True
    ).stdout
    added = json.loads(out.strip().splitlines()[-1])
    return {name for name in added if not name.startswith(("_", "lambda_toolkit"))}

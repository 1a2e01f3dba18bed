"""Cold start as on Lambda: what the package imports beyond the runtime, and no private CPython API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lambda_toolkit
from tests._runtime import RUNTIME_PRELOADED, added_on_lambda

PACKAGE = Path(lambda_toolkit.__file__).parent

# Private CPython API: underscore modules (_thread, _signal, _functools, _weakref...) and
# private names of public ones. They change between Python versions without notice.
FORBIDDEN = re.compile(
    r"^\s*(?:import|from)\s+(_[a-z]\w*)"  # import _thread / from _signal import ... (not __future__)
    r"|import_module\(\s*[\"'](_[a-z]\w*)"  # importlib.import_module("_signal")
    r"|\basyncio\.(_[a-z]\w*)"  # asyncio._get_running_loop (not asyncio.__file__)
    r"|(_get_running_loop|_is_coroutine_marker)",
    re.MULTILINE,
)


def private_api_uses(root: Path) -> set[tuple[str, str]]:
    found = set()
    for path in sorted(root.rglob("*.py")):
        for match in FORBIDDEN.finditer(path.read_text()):
            name = next(group for group in match.groups() if group)
            found.add((path.relative_to(root).as_posix(), name))
    return found


def test_the_package_uses_no_private_cpython_api() -> None:
    assert private_api_uses(PACKAGE) == set()


def test_the_check_finds_each_kind_of_private_use(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import _thread\nfrom _signal import setitimer\nfrom __future__ import annotations\n"
    )
    (tmp_path / "b.py").write_text("m = importlib.import_module('_functools')\nloop = asyncio._get_running_loop()\n")
    (tmp_path / "c.py").write_text("self._thread = None\nsys.modules.get('asyncio')\nasyncio.__file__\n")  # not private
    assert private_api_uses(tmp_path) == {
        ("a.py", "_thread"),
        ("a.py", "_signal"),
        ("b.py", "_functools"),
        ("b.py", "_get_running_loop"),
    }


def test_the_runtime_list_is_what_the_runtime_client_imports_before_the_handler() -> None:
    # awslambdaric (a dev dependency) is AWS's runtime client: /var/runtime/bootstrap.py runs
    # its __main__, which imports nothing more before it imports the handler module.
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import awslambdaric.__main__\n"
        "print(json.dumps([sorted(set(sys.modules) - before), sorted(sys.modules)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    added, loaded = json.loads(out)
    # (what the interpreter's start-up already imported, e.g. under coverage, is not "added")
    assert set(RUNTIME_PRELOADED) <= set(loaded)
    stdlib_added = {
        name
        for name in added
        if "." not in name and name in sys.stdlib_module_names and (not name.startswith("_") or name == "__future__")
    }
    assert stdlib_added <= set(RUNTIME_PRELOADED)


def test_the_runtime_list_names_what_lambda_has_and_not_what_it_lacks() -> None:
    assert {"functools", "threading", "logging", "json", "re", "contextlib", "enum", "collections", "decimal"} <= set(
        RUNTIME_PRELOADED
    )
    assert not {"typing", "inspect", "dataclasses", "asyncio", "signal"} & set(RUNTIME_PRELOADED)


@pytest.mark.parametrize(
    "module",
    [
        "lambda_toolkit",
        "lambda_toolkit.core",
        "lambda_toolkit.metrics",
        "lambda_toolkit.tracing",
        "lambda_toolkit.parameters",
    ],
)
def test_on_lambda_importing_a_utility_adds_only_contextvars(module: str) -> None:
    # typing, inspect, dataclasses, asyncio, signal... are not loaded by the runtime.
    assert added_on_lambda(f"import {module}") <= {"contextvars"}


def _core_modules_after(code: str, **environment: str) -> set[str]:
    import os

    probe = f"import sys\n{code}\nprint(' '.join(m for m in sys.modules if m.startswith('lambda_toolkit.core.')))"
    env = {key: value for key, value in os.environ.items() if key != "AWS_LAMBDA_INITIALIZATION_TYPE"}
    env.update(environment)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env).stdout
    return set(out.split())


CLASSIC_HANDLER = (
    "from lambda_toolkit.logging import Logger\n"
    "from lambda_toolkit.metrics import Metrics\n"
    "from lambda_toolkit.tracing import trace\n"
    "class Context:  # what the runtime passes (the testing kit loads more than a function does)\n"
    "    aws_request_id, function_name, function_version = 'r-1', 'f', '$LATEST'\n"
    "    invoked_function_arn, memory_limit_in_mb = 'arn:aws:lambda:eu-west-1:123456789012:function:f', 128\n"
    "    log_group_name, log_stream_name = '/aws/lambda/f', 's'\n"
    "    def get_remaining_time_in_millis(self):\n"
    "        return 3000\n"
    "log, metrics = Logger(service='s'), Metrics(namespace='n', service='s')\n"
    "@log.inject_context\n"
    "@metrics.log_metrics\n"
    "@trace\n"
    "def handler(event, context):\n"
    "    metrics.add_metric('m', 'Count', 1)\n"
    "    return 'ok'\n"
    "assert handler({}, Context()) == 'ok'\n"
)


def test_a_classic_function_never_loads_the_durable_or_snapstart_support() -> None:
    loaded = _core_modules_after(CLASSIC_HANDLER)
    assert "lambda_toolkit.core.middleware" in loaded
    assert not loaded & {"lambda_toolkit.core.durable", "lambda_toolkit.core.snapstart"}


def test_under_snapstart_the_core_loads_its_restore_support_during_init() -> None:
    loaded = _core_modules_after("import lambda_toolkit.metrics", AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert "lambda_toolkit.core.snapstart" in loaded

"""lambda_toolkit.entry: the entry point that reports init failures as one JSON line."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import lambda_toolkit
from lambda_toolkit import entry
from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.testing.runtime_api import RuntimeEmulator
from tests._runtime import added_on_lambda

NOW = 1764765600.25  # 2025-12-03T12:40:00.250Z
STAMP = "2025-12-03T12:40:00.250Z"
COLD = '"cold_start":true,"function_name":"orders","function_version":"$LATEST","function_memory_size":256}'


@pytest.fixture
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path for the test's modules, a fixed clock, Lambda's variables."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(entry, "_now", lambda: NOW)
    monkeypatch.setattr(entry, "_target", None)
    monkeypatch.delenv(entry.HANDLER_ENV, raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("entry_app"):
            del sys.modules[name]


def write(root: Path, name: str, source: str) -> Path:
    path = root / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def the_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_good_module_is_imported_once_and_its_handler_called(
    code: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        code,
        "entry_app_good",
        "IMPORTS = []\nIMPORTS.append(1)\ndef handler(event, context):\n    return event, context\n",
    )
    monkeypatch.setenv(entry.HANDLER_ENV, "entry_app_good.handler")
    assert entry.handler({"a": 1}, "ctx") == ({"a": 1}, "ctx")
    monkeypatch.setenv(entry.HANDLER_ENV, "entry_app_gone.handler")  # resolved once: not read again
    assert entry.handler({"b": 2}, None) == ({"b": 2}, None)
    assert sys.modules["entry_app_good"].IMPORTS == [1]
    assert capsys.readouterr().out == ""


def test_a_missing_variable_at_import_report(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_HANDLER is not set: set it to your handler"):
        entry.handler({}, None)
    assert the_line(capsys) == (
        f'{{"timestamp":"{STAMP}","level":"ERROR","message":"init failed: reading LAMBDA_TOOLKIT_HANDLER raised '
        'ConfigurationError","error_type":"ConfigurationError","module":null,"location":null,"error_message":'
        '"LAMBDA_TOOLKIT_HANDLER is not set: set it to your handler as module.function (e.g. app.handler)",' + COLD
    )


@pytest.mark.parametrize("spec", ["", "   ", "app", ".handler", "app.", "app.handler()", "1app.handler", "a..b"])
def test_a_malformed_variable_is_a_configuration_error(
    code: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    monkeypatch.setenv(entry.HANDLER_ENV, spec)
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_HANDLER"):
        entry.handler({}, None)
    line = json.loads(the_line(capsys))
    assert line["error_type"] == "ConfigurationError" and line["module"] is None


def test_the_entry_point_cannot_name_itself(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigurationError, match=r"names lambda_toolkit\.entry itself"):
        entry.load("lambda_toolkit.entry.handler")
    assert json.loads(the_line(capsys))["error_type"] == "ConfigurationError"


def test_a_module_without_the_function_is_a_configuration_error(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(code, "entry_app_nofunc", "handler = 3\n")
    with pytest.raises(ConfigurationError, match="module 'entry_app_nofunc' has no callable 'handler'"):
        entry.load("entry_app_nofunc.handler")
    assert json.loads(the_line(capsys))["module"] == "entry_app_nofunc"


def test_a_missing_environment_variable_at_import_is_one_line_without_the_message(
    code: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(code, "entry_app_env", "import os\n\nTABLE = os.environ['ORDERS_TABLE_SECRET_NAME']\n")
    with pytest.raises(KeyError) as raised:
        entry.load("entry_app_env.handler")
    assert raised.value.args == ("ORDERS_TABLE_SECRET_NAME",)  # the original exception, unchanged
    assert the_line(capsys) == (
        f'{{"timestamp":"{STAMP}","level":"ERROR","message":"init failed: importing entry_app_env raised KeyError",'
        f'"error_type":"KeyError","module":"entry_app_env","location":"{path}:3",' + COLD
    )


def test_a_syntax_error_points_at_its_line(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(code, "entry_app_syntax", "x = 1\ndef handler(event, context)\n    return 1\n")
    with pytest.raises(SyntaxError):
        entry.load("entry_app_syntax.handler")
    assert the_line(capsys) == (
        f'{{"timestamp":"{STAMP}","level":"ERROR","message":"init failed: importing entry_app_syntax raised '
        f'SyntaxError","error_type":"SyntaxError","module":"entry_app_syntax","location":"{path}:2",' + COLD
    )


def test_a_missing_module_has_no_location(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ModuleNotFoundError):
        entry.load("entry_app_missing.handler")
    assert the_line(capsys) == (
        f'{{"timestamp":"{STAMP}","level":"ERROR","message":"init failed: importing entry_app_missing raised '
        'ModuleNotFoundError","error_type":"ModuleNotFoundError","module":"entry_app_missing","location":null,' + COLD
    )


def test_a_toolkit_configuration_error_points_at_the_users_line_and_keeps_its_message(
    code: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        code,
        "entry_app_logger",
        "from lambda_toolkit.logging import Logger\n\nlog = Logger('orders', buffer_size=-1)\n",
    )
    with pytest.raises(ConfigurationError):
        entry.load("entry_app_logger.handler")
    assert the_line(capsys) == (
        f'{{"timestamp":"{STAMP}","level":"ERROR","message":"init failed: importing entry_app_logger raised '
        f'ConfigurationError","error_type":"ConfigurationError","module":"entry_app_logger","location":"{path}:3",'
        '"error_message":"Logger: buffer_size must be an integer >= 0, got -1",' + COLD
    )


def test_a_failure_is_not_cached_and_the_fields_follow_the_environment(
    code: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_VERSION")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    monkeypatch.setenv(entry.HANDLER_ENV, "entry_app_later.handler")
    with pytest.raises(ModuleNotFoundError):
        entry.handler({}, None)
    assert json.loads(the_line(capsys))["function_name"] is None
    write(code, "entry_app_later", "def handler(event, context):\n    return 'ok'\n")
    importlib.invalidate_caches()
    assert entry.handler({}, None) == "ok"


@pytest.fixture
def fresh_import(code: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Import lambda_toolkit.entry anew in the test; the original module is put back after."""
    monkeypatch.delitem(sys.modules, "lambda_toolkit.entry")
    monkeypatch.setattr(lambda_toolkit, "entry", entry, raising=False)
    return code


def test_at_import_the_variable_is_resolved_and_handler_is_the_users_function(
    fresh_import: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(fresh_import, "entry_app_init", "def handler(event, context):\n    return 'direct'\n")
    monkeypatch.setenv(entry.HANDLER_ENV, "entry_app_init.handler")
    module = importlib.import_module("lambda_toolkit.entry")
    assert module is not entry
    assert module.handler is sys.modules["entry_app_init"].handler


def test_at_import_a_failing_module_fails_the_import_of_the_entry_point(
    fresh_import: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(fresh_import, "entry_app_boom", "raise KeyError('DB_URL')\n")
    monkeypatch.setenv(entry.HANDLER_ENV, "entry_app_boom.handler")
    with pytest.raises(KeyError):
        importlib.import_module("lambda_toolkit.entry")
    line = json.loads(capsys.readouterr().out)
    assert line["error_type"] == "KeyError" and line["location"] == f"{fresh_import / 'entry_app_boom.py'}:1"
    assert "DB_URL" not in json.dumps(line)


def test_importing_the_entry_point_is_cheap() -> None:
    assert added_on_lambda("import lambda_toolkit.entry") == set()


@pytest.mark.integration
def test_under_the_real_runtime_client_an_init_failure_is_one_json_line_and_an_init_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n\nDB = os.environ['ORDERS_DB']\n\ndef handler(event, context):\n    return 1\n"
    )
    (tmp_path / "good.py").write_text("def handler(event, context):\n    return {'got': event}\n")
    with RuntimeEmulator(
        handler="lambda_toolkit.entry.handler", task_root=tmp_path, env={entry.HANDLER_ENV: "app.handler"}
    ) as rt:
        result = rt.invoke({"order": 1})
    assert result.init_error and not result.ok
    assert result.error is not None and result.error["errorType"] == "KeyError"
    lines = [json.loads(line) for line in result.stdout if line.startswith("{")]
    assert len(lines) == 1
    line = lines[0]
    assert line["level"] == "ERROR" and line["error_type"] == "KeyError" and line["module"] == "app"
    assert line["location"].endswith("app.py:3") and line["cold_start"] is True
    assert line["function_name"] == "test-function" and line["function_memory_size"] == 128
    assert "ORDERS_DB" not in json.dumps(line)

    with RuntimeEmulator(
        handler="lambda_toolkit.entry.handler", task_root=tmp_path, env={entry.HANDLER_ENV: "good.handler"}
    ) as rt:
        assert rt.invoke({"order": 2}).response == {"got": {"order": 2}}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("source", "spec", "error_type", "line_type", "location"),
    [
        (
            "def handler(event, context)\n    return 1\n",
            "app.handler",
            "Runtime.UserCodeSyntaxError",
            "SyntaxError",
            "app.py:1",
        ),
        (None, "app.handler", "Runtime.ImportModuleError", "ModuleNotFoundError", None),
        ("import no_such_dependency\n", "app.handler", "Runtime.ImportModuleError", "ModuleNotFoundError", "app.py:1"),
        ("def handler(event, context):\n    return 1\n", "app", "ConfigurationError", "ConfigurationError", None),
    ],
)
def test_under_the_real_runtime_client_lambdas_error_type_is_kept(
    tmp_path: Path, source: str | None, spec: str, error_type: str, line_type: str, location: str | None
) -> None:
    if source is not None:
        (tmp_path / "app.py").write_text(source)
    with RuntimeEmulator(
        handler="lambda_toolkit.entry.handler", task_root=tmp_path, env={entry.HANDLER_ENV: spec}
    ) as rt:
        result = rt.invoke({})
    assert result.init_error and result.error is not None and result.error["errorType"] == error_type
    lines = [json.loads(line) for line in result.stdout if line.startswith("{")]
    expected = None if location is None else f"{tmp_path.resolve()}/{location}"
    assert [(line["error_type"], line["location"]) for line in lines] == [(line_type, expected)]

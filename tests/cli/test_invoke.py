"""`lambda-toolkit invoke`: a local run that behaves like the Lambda runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambda_toolkit import __version__
from lambda_toolkit.cli import main

HANDLERS = textwrap.dedent(
    """
    import asyncio, decimal, os, sys

    def echo(event, context):
        print("a line the function prints")
        return {
            "event": event,
            "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "memory": context.memory_limit_in_mb,
            "handler_env": os.environ["_HANDLER"],
            "remaining": context.get_remaining_time_in_millis(),
            "price": decimal.Decimal("9.5"),
            "count": decimal.Decimal("3"),
        }

    def fail(event, context):
        raise ValueError("order is invalid")

    async def async_echo(event, context):
        await asyncio.sleep(0)
        return {"async": True}

    def unserializable(event, context):
        return {"when": object()}

    def sleepy(event, context):
        import time
        time.sleep(5)

    def hello(event, context):
        print("hello from", os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[0])
        return {"hello": event.get("name"), "function": context.function_name}

    not_callable = 42
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(HANDLERS)
    (tmp_path / "event.json").write_text('{"order_id": "o-1"}')
    (tmp_path / "broken.json").write_text('{"order_id": ')
    (tmp_path / "bad_import.py").write_text("import not_a_module_anywhere\n")
    monkeypatch.chdir(tmp_path)
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER", "LAMBDA_TASK_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("app", None)
    sys.modules.pop("bad_import", None)
    return tmp_path


def test_invoke_prints_the_json_response_and_sends_prints_to_stderr(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["invoke", "app:echo", "--event", "event.json", "--memory-mb", "256", "--function-name", "orders"])
    out, err = capsys.readouterr()
    assert code == 0
    response = json.loads(out)
    assert response["event"] == {"order_id": "o-1"}
    assert response["function"] == "orders"
    assert response["memory"] == "256"
    assert response["handler_env"] == "app.echo"
    assert 0 < response["remaining"] <= 3000
    assert (response["price"], response["count"]) == (9.5, 3)
    assert "a line the function prints" in err
    assert os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "orders"


def test_invoke_accepts_lambdas_dotted_handler_form_and_stdin(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO('{"from": "stdin"}'))
    assert main(["invoke", "app.echo", "--event", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["event"] == {"from": "stdin"}


def test_invoke_runs_async_handlers(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "app:async_echo"]) == 0
    assert json.loads(capsys.readouterr().out) == {"async": True}


def test_a_handler_error_is_printed_in_lambdas_error_shape(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "app:fail"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "order is invalid"
    assert payload["requestId"]
    assert any("raise ValueError" in line for line in payload["stackTrace"])


def test_an_unserializable_response_is_a_marshal_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "app:unserializable"]) == 1
    assert json.loads(capsys.readouterr().out)["errorType"] == "Runtime.MarshalError"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["invoke", "app"], "handler must be MODULE:FUNCTION"),
        (["invoke", "app:"], "handler must be MODULE:FUNCTION"),
        (["invoke", "1app:run"], "handler must be MODULE:FUNCTION"),
        (["invoke", "nowhere:handler"], "cannot import module 'nowhere': no such module"),
        (["invoke", "app:missing"], "module 'app' has no attribute 'missing'"),
        (["invoke", "app:not_callable"], "app.not_callable is not callable"),
        (["invoke", "app:echo", "--event", "absent.json"], "cannot read event file 'absent.json'"),
        (["invoke", "app:echo", "--event", "broken.json"], "is not valid JSON (line 1, column 14)"),
        (["invoke", "app:echo", "--timeout-ms", "0"], "must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_module_that_fails_to_import_is_reported_like_lambda(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invoke", "bad_import:handler"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "not_a_module_anywhere" in payload["errorMessage"]


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "invoke" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"lambda-toolkit {__version__}"


def test_module_entry_point_and_timeout_end_the_process_like_lambda(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lambda_toolkit", "invoke", "app:sleepy", "--timeout-ms", "300"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=project,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "errorMessage": "Task timed out after 0.30 seconds",
        "errorType": "Sandbox.Timedout",
    }


@pytest.mark.integration
def test_invoke_under_the_real_runtime_client(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "named.json").write_text('{"name": "ric"}')
    assert main(["invoke", "app:hello", "--runtime", "ric", "--event", "named.json", "--function-name", "hi"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"hello": "ric", "function": "hi"}
    assert "hello from 127.0.0.1" in err
    assert main(["invoke", "app:fail", "--runtime", "ric"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "order is invalid")

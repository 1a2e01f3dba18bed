"""`lambda-toolkit invoke`: a local run that behaves like the Lambda runtime."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
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

    def environment(event, context):
        names = ["FROM_FILE", "QUOTED", "EXPORTED", "OVERRIDDEN", "FROM_FLAG", "SHELL_ONLY", "LAMBDA_TOOLKIT_LEVEL",
                 "_X_AMZN_TRACE_ID", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_LOG_GROUP_NAME"]
        return {
            "env": {name: os.environ.get(name) for name in names},
            "log_stream_name": context.log_stream_name,
            "log_group_name": context.log_group_name,
        }

    def exits(event, context):
        sys.exit(event.get("status", 3))

    def deeply_nested(event, context):
        response = []
        for _ in range(100_000):
            response = [response]
        return response

    def helper():
        raise KeyError("sku")

    def fails_in_a_helper(event, context):
        helper()

    async def async_fail(event, context):
        await asyncio.sleep(0)
        raise ValueError("async order is invalid")

    not_callable = 42
    """
)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "app.py").write_text(HANDLERS)
    (tmp_path / "event.json").write_text('{"order_id": "o-1"}')
    (tmp_path / "broken.json").write_text('{"order_id": ')
    (tmp_path / "latin1.json").write_bytes('{"city": "Zürich"}'.encode("latin-1"))
    (tmp_path / "deep.json").write_text(DEEP)
    (tmp_path / "bad_import.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(4)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("app", None)
    sys.modules.pop("bad_import", None)
    sys.modules.pop("exits_on_import", None)
    # The local runtime sets Lambda's variables in this process, as the real one does.
    saved = dict(os.environ)
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER", "LAMBDA_TASK_ROOT"):
        os.environ.pop(name, None)
    for name in [name for name in os.environ if name.startswith("AWS_LAMBDA_LOG_") or name == "_X_AMZN_TRACE_ID"]:
        del os.environ[name]
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


RUNTIMES = ["local", pytest.param("ric", marks=pytest.mark.integration)]


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
        (["invoke", "app:echo", "--event", "latin1.json"], "event from 'latin1.json' is not UTF-8 text (byte 11)"),
        (["invoke", "app:echo", "--event", "deep.json"], "event from 'deep.json' is nested too deeply to parse"),
        (["invoke", "app:echo", "--runtime", "ric", "--event", "deep.json"], "is nested too deeply to parse"),
        (["invoke", "app:echo", "--runtime", "ric", "--event", "latin1.json"], "is not UTF-8 text"),
        (["invoke", "nowhere:handler", "--runtime", "ric"], "cannot import module 'nowhere': no such module"),
        (["invoke", "app.sub:handler", "--runtime", "ric"], "cannot import module 'app.sub': no such module"),
        (["invoke", "app:echo", "--env", "NO_EQUALS_SIGN"], "--env: expected NAME=VALUE"),
        (["invoke", "app:echo", "--env", "1ST=x"], "--env: expected NAME=VALUE"),
        (["invoke", "app:echo", "--env", "_HANDLER=other.handler"], "--env: _HANDLER is reserved"),
        (["invoke", "app:echo", "--env-file", "absent.env"], "cannot read env file 'absent.env'"),
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


def test_stdin_that_is_not_utf8_is_one_line_and_exit_code_2(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'{"name": "\xff"}'), encoding="utf-8"))
    assert main(["invoke", "app:echo", "--event", "-"]) == 2
    err = capsys.readouterr().err
    assert err == "lambda-toolkit invoke: error: event from stdin is not UTF-8 text (byte 10)\n"


def test_a_bad_env_file_line_names_the_line_and_never_the_value(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "bad.env").write_text("# settings\nGOOD=1\nPASSWORD hunter2\n")
    assert main(["invoke", "app:environment", "--env-file", "bad.env"]) == 2
    err = capsys.readouterr().err
    assert "env file 'bad.env', line 3: expected NAME=VALUE" in err
    assert "hunter2" not in err


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_env_and_env_file_reach_the_function_and_say_what_passes_through(
    project: Path, capsys: pytest.CaptureFixture[str], runtime: str
) -> None:
    (project / "function.env").write_text(
        '# function configuration\n\nFROM_FILE=file value\nQUOTED="a = b"\nexport EXPORTED=yes\nOVERRIDDEN=from file\n'
    )
    os.environ["SHELL_ONLY"] = "from the shell"
    os.environ["LAMBDA_TOOLKIT_LEVEL"] = "DEBUG"
    argv = ["invoke", "app:environment", "--runtime", runtime, "--env-file", "function.env"]
    assert main([*argv, "--env", "OVERRIDDEN=from flag", "--env", "FROM_FLAG=x=y"]) == 0
    env = json.loads(capsys.readouterr().out)["env"]
    assert env["FROM_FILE"] == "file value"
    assert env["QUOTED"] == "a = b"
    assert env["EXPORTED"] == "yes"
    assert env["OVERRIDDEN"] == "from flag"
    assert env["FROM_FLAG"] == "x=y"
    assert env["LAMBDA_TOOLKIT_LEVEL"] == "DEBUG"
    # In-process the handler sees the whole shell; under the runtime client only what is documented.
    assert env["SHELL_ONLY"] == ("from the shell" if runtime == "local" else None)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_trace_id_is_set_and_the_context_log_stream_is_the_variables(
    project: Path, capsys: pytest.CaptureFixture[str], runtime: str
) -> None:
    assert main(["invoke", "app:environment", "--runtime", runtime, "--function-name", "orders"]) == 0
    response = json.loads(capsys.readouterr().out)
    env = response["env"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", env["_X_AMZN_TRACE_ID"])
    assert response["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert response["log_group_name"] == env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/orders"


@pytest.mark.parametrize(
    ("handler", "message"), [("fails_in_a_helper", "'sku'"), ("async_fail", "async order is invalid")]
)
def test_the_stack_trace_holds_the_functions_frames_only(
    project: Path, capsys: pytest.CaptureFixture[str], handler: str, message: str
) -> None:
    assert main(["invoke", f"app:{handler}"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorMessage"] == message
    frames = payload["stackTrace"]
    assert frames and all(frame.startswith(f'  File "{project / "app.py"}"') for frame in frames), frames
    assert f"in {handler}\n" in frames[0]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sys_exit_in_a_handler_is_lambdas_exit_error(
    project: Path, capsys: pytest.CaptureFixture[str], runtime: str
) -> None:
    assert main(["invoke", "app:exits", "--runtime", runtime]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        r"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3", payload["errorMessage"]
    )


def test_sys_exit_while_importing_is_an_exit_error_too(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "exits_on_import:handler"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "Error: Runtime exited with error: exit status 4",
    }


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_deeply_nested_response_is_a_marshal_error(
    project: Path, capsys: pytest.CaptureFixture[str], runtime: str
) -> None:
    assert main(["invoke", "app:deeply_nested", "--runtime", runtime]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorType"] == "Runtime.MarshalError"
    assert payload["errorMessage"].startswith("Unable to marshal response: maximum recursion depth exceeded")


def test_the_runtime_client_missing_says_how_to_install_it(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "awslambdaric", None)  # what an environment without it looks like
    assert main(["invoke", "app:echo", "--runtime", "ric"]) == 2
    err = capsys.readouterr().err
    assert "needs AWS's runtime interface client (awslambdaric): pip install 'lambda-toolkit-aws[local]'" in err
    assert err.count("\n") == 1


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

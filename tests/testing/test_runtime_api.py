"""RuntimeEmulator: the Lambda Runtime API served locally to the real runtime client (awslambdaric)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.testing.runtime_api import RuntimeEmulator, RuntimeEmulatorError, _Handler

pytestmark = pytest.mark.integration

APP = """
import json, os, sys, time

print("init: module loaded")

def echo(event, context):
    print("handling", context.aws_request_id)
    print("to stderr", file=sys.stderr)
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "pid": os.getpid(),
        "env": {k: os.environ.get(k) for k in (
            "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_LAMBDA_RUNTIME_API",
            "AWS_REGION", "EXTRA", "HOME_SECRET")},
    }

def fail(event, context):
    raise ValueError("bad order")

def slow(event, context):
    print("slow start")
    time.sleep(event.get("sleep", 30))
    return {"pid": os.getpid()}

def crash(event, context):
    os._exit(3)
"""


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "broken.py").write_text("raise RuntimeError('cannot start')\n")
    return tmp_path


@pytest.fixture
def echo(task_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RuntimeEmulator]:
    monkeypatch.setenv("HOME_SECRET", "not for the function")
    with RuntimeEmulator(handler="app.echo", task_root=task_root, timeout_ms=5000, env={"EXTRA": "x"}) as rt:
        yield rt


def test_invoke_returns_the_response_and_the_function_sees_a_lambda_invocation(
    echo: RuntimeEmulator, task_root: Path
) -> None:
    result = echo.invoke({"order_id": "o-1"}, trace_id="Root=1-abc;Sampled=0")
    assert result.ok and result.error is None and not result.timed_out and result.cold_start
    body = result.response
    assert body["event"] == {"order_id": "o-1"}
    assert body["request_id"] == result.request_id
    assert 0 < body["remaining_ms"] <= 5000
    assert body["arn"] == echo.function_arn and body["function_name"] == "test-function"
    assert body["memory"] == "128"
    assert body["trace"] == "Root=1-abc;Sampled=0"
    assert body["env"] == {
        "_HANDLER": "app.echo",
        "LAMBDA_TASK_ROOT": str(task_root.resolve()),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "5",
        "AWS_LAMBDA_RUNTIME_API": echo.address,
        "AWS_REGION": "us-east-1",
        "EXTRA": "x",
        "HOME_SECRET": None,  # the function gets Lambda's environment, not the test's
    }
    assert json.loads(result.raw_response or b"") == body


def test_the_output_of_each_invocation_is_captured(echo: RuntimeEmulator) -> None:
    first = echo.invoke({})
    second = echo.invoke({})
    assert first.stdout == ["init: module loaded", f"handling {first.request_id}"]
    assert first.stderr == ["to stderr"]
    assert second.stdout == [f"handling {second.request_id}"]
    assert second.logs == [f"handling {second.request_id}", "to stderr"]


def test_warm_invocations_reuse_the_process(echo: RuntimeEmulator) -> None:
    first, second = echo.invoke({}), echo.invoke(b'{"raw": true}')
    assert not second.cold_start and echo.cold_starts == 1
    assert first.response["pid"] == second.response["pid"] == echo.pid
    assert second.response["event"] == {"raw": True}
    assert echo.invoke().response["event"] == {}


def test_a_handler_error_comes_back_in_lambdas_error_shape(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.fail", task_root=task_root) as rt:
        result = rt.invoke({})
        again = rt.invoke({})
    assert not result.ok and result.response is None
    assert result.error is not None
    assert result.error["errorType"] == "ValueError" and result.error["errorMessage"] == "bad order"
    assert result.error["requestId"] == result.request_id
    assert any("[ERROR] ValueError: bad order" in line for line in result.stdout)
    assert not again.cold_start  # an error does not end the process


def test_the_process_is_killed_at_the_deadline_and_restarted_cold(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.slow", task_root=task_root, timeout_ms=1000) as rt:
        killed = rt.invoke({"sleep": 30})
        assert rt.pid is None
        after = rt.invoke({"sleep": 0})
    assert killed.timed_out and not killed.ok
    assert killed.error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {killed.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert killed.duration_ms >= 1000
    assert killed.stdout == ["init: module loaded", "slow start"]
    assert after.ok and after.cold_start and rt.cold_starts == 2


def test_an_init_error_is_reported_and_the_next_invoke_starts_again(task_root: Path) -> None:
    with RuntimeEmulator(handler="broken.handler", task_root=task_root) as rt:
        result = rt.invoke({})
        again = rt.invoke({})
    assert result.init_error and not result.ok
    assert result.error is not None and result.error["errorType"] == "RuntimeError"
    assert result.error["errorMessage"] == "cannot start"
    assert again.init_error and again.cold_start and rt.cold_starts == 2


def test_a_missing_module_is_an_import_module_error(task_root: Path) -> None:
    with RuntimeEmulator(handler="missing.handler", task_root=task_root) as rt:
        result = rt.invoke({})
    assert result.error is not None and result.error["errorType"] == "Runtime.ImportModuleError"


def test_a_process_that_exits_mid_invocation_is_a_runtime_exit_error(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.crash", task_root=task_root) as rt:
        result = rt.invoke({})
    assert result.error is not None and result.error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in result.error["errorMessage"]


def test_a_process_that_dies_during_init_without_reporting_is_an_exit_error(tmp_path: Path) -> None:
    (tmp_path / "dies.py").write_text("import os\nos._exit(7)\n")
    with RuntimeEmulator(handler="dies.handler", task_root=tmp_path) as rt:
        result = rt.invoke({})
    assert result.init_error and result.error is not None
    assert result.error["errorType"] == "Runtime.ExitError" and "exit status 7" in result.error["errorMessage"]


def test_an_init_that_never_asks_for_work_times_out(tmp_path: Path) -> None:
    (tmp_path / "hangs.py").write_text("import time\ntime.sleep(60)\n")
    with RuntimeEmulator(handler="hangs.handler", task_root=tmp_path, init_timeout_ms=500) as rt:
        result = rt.invoke({})
        assert rt.pid is None
    assert result.init_error and result.error is not None and result.error["errorType"] == "Runtime.InitTimeout"


def test_stop_kills_the_function_and_closes_the_port(task_root: Path) -> None:
    rt = RuntimeEmulator(handler="app.echo", task_root=task_root).start()
    assert rt.start() is rt  # starting twice is harmless
    pid = rt.invoke({}).response["pid"]
    host, port = rt.address.split(":")
    rt.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=1):
        pass
    with pytest.raises(RuntimeEmulatorError, match="not started"):
        rt.invoke({})
    with pytest.raises(RuntimeEmulatorError, match="not started"):
        rt.address


def test_the_server_listens_on_loopback_with_nagle_disabled(
    echo: RuntimeEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    original = _Handler.setup

    def spy(self: _Handler) -> None:
        original(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(_Handler, "setup", spy)
    assert echo.address.startswith("127.0.0.1:")
    connection = http.client.HTTPConnection(echo.address, timeout=5)
    connection.request("GET", "/2018-06-01/runtime/nothing")
    assert connection.getresponse().status == 404
    assert seen and all(value != 0 for value in seen)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/2018-06-01/runtime/invocation/unknown-id/response", 400),
        ("/2018-06-01/runtime/invocation/unknown-id/error", 400),
        ("/2018-06-01/runtime/invocation/unknown-id/other", 404),
        ("/elsewhere", 404),
    ],
)
def test_posts_to_unknown_invocations_or_paths_are_refused(echo: RuntimeEmulator, path: str, status: int) -> None:
    connection = http.client.HTTPConnection(echo.address, timeout=5)
    connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == status
    assert "errorType" in json.loads(response.read())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"handler": "nodot"}, "handler must be module.function"),
        ({"timeout_ms": 0}, "timeout_ms must be a positive integer"),
        ({"memory_mb": True}, "memory_mb must be a positive integer"),
        ({"init_timeout_ms": -1}, "init_timeout_ms must be a positive integer"),
        ({"task_root": "/no/such/dir"}, "is not a directory"),
    ],
)
def test_bad_options_are_configuration_errors(task_root: Path, options: dict[str, Any], message: str) -> None:
    kwargs: dict[str, Any] = {"handler": "app.echo", "task_root": task_root, **options}
    with pytest.raises(ConfigurationError, match=message):
        RuntimeEmulator(**kwargs)


def test_environment_is_available_before_any_invocation(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.echo", task_root=task_root, memory_mb=512, timeout_ms=900) as rt:
        env = rt.environment()
        assert rt.pid is None  # the function starts at the first invoke, as a cold start
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "1"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")

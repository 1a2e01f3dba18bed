"""Pretty log lines under `lambda-toolkit invoke` and `serve`: on a terminal, with
``LOG_FORMAT=pretty`` or ``--log-format pretty``; JSON otherwise, and always JSON under
the Lambda runtime (``AWS_LAMBDA_RUNTIME_API`` set), even though the local runner sets
Lambda's other variables for the handler."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lambda_toolkit.cli import main
from tests.cli._serving import environment, serving

ROOT = Path(__file__).resolve().parents[2]

APP = textwrap.dedent(
    """
    from lambda_toolkit.logging import Logger

    log = Logger(service="orders")


    @log.inject_context
    def handler(event, context):
        log.info("paid", order_id=event.get("order_id", "o-7"))
        return {"ok": True}
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "shop.py").write_text(APP)
    (tmp_path / "event.json").write_text('{"order_id": "o-7"}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("shop", None)
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith(("AWS_LAMBDA_", "_X_AMZN", "_HANDLER"))]:
        del os.environ[name]
    for name in ("AWS_EXECUTION_ENV", "LOG_FORMAT", "NO_COLOR"):
        os.environ.pop(name, None)
    yield tmp_path
    sys.modules.pop("shop", None)
    os.environ.clear()
    os.environ.update(saved)


def _paid_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "paid" in line]
    assert len(lines) == 1, err
    return lines[0]


def _is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _assert_pretty(line: str) -> None:
    assert not _is_json(line), line
    assert " INFO " in line and "orders  paid" in line
    assert "order_id=o-7" in line


def _assert_json(line: str) -> None:
    record = json.loads(line)
    assert (record["level"], record["message"], record["order_id"]) == ("INFO", "paid", "o-7")


def test_invoke_with_log_format_pretty_writes_pretty_lines(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["LOG_FORMAT"] = "pretty"
    assert main(["invoke", "shop:handler", "--event", "event.json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"ok": True}  # the response stays JSON
    _assert_pretty(_paid_line(err))
    assert "\033[" not in err  # not a terminal: no colour codes


def test_invoke_without_a_format_writes_json_lines(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "shop:handler", "--event", "event.json"]) == 0
    _assert_json(_paid_line(capsys.readouterr().err))


def test_the_log_format_option_wins_over_the_variable(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "shop:handler", "--event", "event.json", "--log-format", "pretty"]) == 0
    _assert_pretty(_paid_line(capsys.readouterr().err))
    sys.modules.pop("shop", None)
    os.environ["LOG_FORMAT"] = "pretty"
    assert main(["invoke", "shop:handler", "--event", "event.json", "--log-format", "json"]) == 0
    _assert_json(_paid_line(capsys.readouterr().err))


def test_log_format_given_with_env_reaches_the_function(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "shop:handler", "--event", "event.json", "--env", "LOG_FORMAT=pretty"]) == 0
    _assert_pretty(_paid_line(capsys.readouterr().err))


def test_an_unknown_log_format_option_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["invoke", "shop:handler", "--log-format", "xml"])
    assert exit_info.value.code == 2
    assert "--log-format" in capsys.readouterr().err


def test_under_the_lambda_runtime_lines_stay_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The runtime's own variable: set on Lambda (and under its emulators), never by `invoke`.
    os.environ["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"
    os.environ["LOG_FORMAT"] = "pretty"
    assert main(["invoke", "shop:handler", "--event", "event.json"]) == 0
    _assert_json(_paid_line(capsys.readouterr().err))


def _run_on_a_terminal(project: Path, *options: str) -> str:
    """``lambda-toolkit invoke`` in a subprocess whose stderr is a pseudo-terminal."""
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "lambda_toolkit", "invoke", "shop:handler", "--event", "event.json", *options],
            cwd=project,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=60,
        )
        os.close(secondary)
        secondary = -1
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's writer is gone and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if secondary >= 0:
            os.close(secondary)
        os.close(primary)
    assert result.returncode == 0, result
    assert json.loads(result.stdout) == {"ok": True}
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_invoke_on_a_terminal_writes_coloured_pretty_lines(project: Path) -> None:
    line = _paid_line(_run_on_a_terminal(project))
    assert "\033[32mINFO" in line and "paid" in line and "order_id=o-7" in line
    assert not _is_json(line)


def test_invoke_on_a_terminal_with_log_format_json_writes_json(project: Path) -> None:
    _assert_json(_paid_line(_run_on_a_terminal(project, "--log-format", "json")))


@pytest.mark.parametrize(
    ("env", "options", "pretty"),
    [({"LOG_FORMAT": "pretty"}, (), True), ({}, (), False), ({}, ("--log-format", "pretty"), True)],
    ids=["variable", "default", "option"],
)
def test_serve_writes_pretty_lines_when_asked(
    project: Path, env: dict[str, str], options: tuple[str, ...], pretty: bool
) -> None:
    clean = {"LOG_FORMAT": ""} | env  # a developer's own LOG_FORMAT must not leak in
    with serving(project, "shop:handler", *options, env=clean) as server:
        assert httpx.post(f"{server.url}/orders", json={"order_id": "o-7"}, timeout=30).status_code == 200
    line = _paid_line(server.stderr)
    if pretty:
        assert not _is_json(line) and " INFO " in line and "orders  paid" in line
    else:
        assert json.loads(line)["message"] == "paid"


@pytest.mark.integration
def test_under_the_runtime_client_the_function_logs_json_and_the_command_renders_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invoke", "shop:handler", "--runtime", "ric", "--event", "event.json"]) == 0
    _assert_json(_paid_line(capsys.readouterr().err))
    assert main(["invoke", "shop:handler", "--runtime", "ric", "--event", "event.json", "--log-format", "pretty"]) == 0
    _assert_pretty(_paid_line(capsys.readouterr().err))

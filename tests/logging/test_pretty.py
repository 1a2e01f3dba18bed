"""The human-readable format for local runs: ``LOG_FORMAT=pretty`` or a terminal, never on Lambda."""

from __future__ import annotations

import json

import pytest

from lambda_toolkit.logging import Logger
from tests.logging.conftest import Capture


class Terminal(Capture):
    def isatty(self) -> bool:
        return True


# What the Lambda runtime sets (besides the function's variables): the Runtime API's address.
LAMBDA = {
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
    "AWS_LAMBDA_FUNCTION_NAME": "orders-fn",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
}


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_EXECUTION_ENV", "AWS_LAMBDA_RUNTIME_API", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _is_json(text: str) -> bool:
    try:
        json.loads(text.splitlines()[-1])
    except ValueError:
        return False
    return True


def test_log_format_pretty_renders_readable_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "pretty")
    out = Capture()
    Logger(service="orders", stream=out).info("paid", order_id="o-1", amount=12.5)
    text = out.getvalue()
    assert not _is_json(text)
    assert " INFO " in text and "orders  paid" in text
    assert "order_id=o-1" in text and "amount=12.5" in text
    assert "[tests.logging.test_pretty:test_log_format_pretty_renders_readable_lines:" in text
    assert "\033[" not in text  # not a terminal: no colour codes
    assert text.endswith("\n")


def test_a_terminal_gets_coloured_pretty_lines_by_default() -> None:
    out = Terminal()
    Logger(service="orders", stream=out).warning("careful")
    text = out.getvalue()
    assert not _is_json(text)
    assert "\033[33mWARNING" in text and "careful" in text


def test_no_color_turns_colours_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    Logger(service="orders", stream=out).info("paid")
    assert "\033[" not in out.getvalue() and "paid" in out.getvalue()


def test_log_format_json_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    out = Terminal()
    Logger(service="orders", stream=out).info("paid")
    assert out.last()["message"] == "paid"


@pytest.mark.parametrize("log_format", [None, "pretty"])
def test_json_on_lambda_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch, log_format: str | None) -> None:
    for name, value in LAMBDA.items():
        monkeypatch.setenv(name, value)
    if log_format is not None:
        monkeypatch.setenv("LOG_FORMAT", log_format)
    out = Terminal()
    Logger(service="orders", stream=out).info("paid")
    assert out.last()["message"] == "paid"


def test_lambdas_variables_without_the_runtime_are_a_local_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # `lambda-toolkit invoke` and `serve` set the function's variables, not the Runtime API's.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
    out = Terminal()
    Logger(service="orders", stream=out).info("paid")
    assert not _is_json(out.getvalue()) and "paid" in out.getvalue()


def test_a_non_terminal_stream_stays_json() -> None:
    out = Capture()
    Logger(service="orders", stream=out).info("paid")
    assert out.last()["message"] == "paid"


def test_an_unknown_log_format_is_reported_and_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    out = Capture()
    Logger(service="orders", stream=out).info("paid")
    lines = out.lines()
    assert "LOG_FORMAT must be 'json' or 'pretty'" in lines[0]["message"]
    assert "xml" not in lines[0]["message"]
    assert lines[-1]["message"] == "paid"


def test_pretty_exception_shows_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "pretty")
    out = Capture()
    log = Logger(service="orders", stream=out)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    text = out.getvalue()
    assert "failed" in text
    assert "ValueError: boom" in text
    assert 'raise ValueError("boom")' in text


def test_pretty_lines_are_masked_like_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "pretty")
    out = Capture()
    Logger(service="orders", stream=out).info("login", password="hunter2")
    assert "hunter2" not in out.getvalue()
    assert "password=" in out.getvalue()


def test_on_lambda_neither_the_renderer_nor_the_processors_are_imported() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from lambda_toolkit.logging import Logger\n"
        "Logger('orders', library_logs=False).info('x')\n"
        "print([m for m in ('lambda_toolkit.logging._pretty', 'lambda_toolkit.logging._processors')"
        " if m in sys.modules])\n"
    )
    env = {**os.environ, **LAMBDA, "LOG_FORMAT": "pretty"}  # even asked for: never under the runtime
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_capture_logs_reads_the_fields_of_pretty_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run on a terminal (pytest -s) or with LOG_FORMAT=pretty still assert on fields.
    from lambda_toolkit.testing import capture_logs

    monkeypatch.setenv("LOG_FORMAT", "pretty")
    out = Capture()
    log = Logger(service="orders", stream=out)
    with capture_logs() as logs:
        log.info("paid", order_id="o-1")
    assert logs.where(message="paid", order_id="o-1") != []
    assert not _is_json(out.getvalue()) and "order_id=o-1" in out.getvalue()


def test_buffered_debug_lines_are_pretty_when_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.testing import FakeContext

    monkeypatch.setenv("LOG_FORMAT", "pretty")
    out = Capture()
    log = Logger(service="orders", stream=out, buffer_size=10)

    @log.inject_context
    def handler(event: object, context: object) -> None:
        log.debug("looked up", sku="BOOK-1")
        raise ValueError("no stock")

    with pytest.raises(ValueError):
        handler({}, FakeContext())
    text = out.getvalue()
    assert "looked up" in text and "sku=BOOK-1" in text
    assert not any(_is_json(line) for line in text.splitlines() if "looked up" in line)

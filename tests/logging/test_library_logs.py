"""The library's own lines (stdlib loggers ``lambda_toolkit.*``) come out through the
toolkit ``Logger`` as JSON lines with the invocation's fields, once, unless turned off."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging import Logger
from lambda_toolkit.logging._library import unroute
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import sqs_event
from tests.logging.conftest import Capture


@pytest.fixture(autouse=True)
def _library_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Capture]:
    monkeypatch.delenv("LAMBDA_TOOLKIT_LIBRARY_LOGS", raising=False)
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    root_capture = Capture()
    root.addHandler(logging.StreamHandler(root_capture))  # as the Lambda runtime's own handler
    unroute()
    yield root_capture
    unroute()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.fixture
def root_capture(_library_logs: Capture) -> Capture:
    return _library_logs


def test_a_library_line_is_a_json_line_with_the_correlation_id(out: Capture, root_capture: Capture) -> None:
    log = Logger(service="lib", stream=out)

    @log.inject_context(correlation_id="detail.order_id")
    def handler(event: Any, context: Any) -> None:
        log.append_keys(tenant="t-1")
        logging.getLogger("lambda_toolkit.timeout").warning("timeout imminent: %d ms left", 480)

    handler({"detail": {"order_id": "o-42"}}, FakeContext(aws_request_id="req-1"))
    line = out.last()
    assert line["message"] == "timeout imminent: 480 ms left"
    assert line["level"] == "WARNING"
    assert line["logger"] == "lambda_toolkit.timeout"
    assert line["service"] == "lib"
    assert line["correlation_id"] == "o-42"
    assert line["function_request_id"] == "req-1"
    assert line["tenant"] == "t-1"
    assert root_capture.getvalue() == ""  # not written a second time by the root handler


def test_a_failed_batch_record_is_a_json_warning_with_its_id_and_no_payload(
    out: Capture, root_capture: Capture
) -> None:
    from lambda_toolkit.batch import batch

    log = Logger(service="lib", stream=out)

    @log.inject_context
    @batch("sqs", all_failed="report")
    def worker(record: Any) -> None:
        raise ValueError("card 4111-1111-1111-1111 declined")

    event = sqs_event(['{"card": "4111-1111-1111-1111"}'])
    message_id = event["Records"][0]["messageId"]
    worker(event, FakeContext(aws_request_id="req-2"))
    lines = [line for line in out.lines() if line["logger"] == "lambda_toolkit.batch"]
    warning = next(line for line in lines if line["level"] == "WARNING")
    assert message_id in warning["message"]
    assert "ValueError" in warning["message"]
    assert warning["correlation_id"] == message_id  # SQS: the first record's message id
    assert warning["batch_error"] == "ValueError"
    assert "4111" not in out.getvalue()
    assert root_capture.getvalue() == ""


def test_the_library_lines_follow_the_loggers_level(out: Capture) -> None:
    log = Logger(service="lib", stream=out)
    logging.getLogger("lambda_toolkit.parameters").info("extension did not answer")
    assert out.last()["message"] == "extension did not answer"  # INFO, though the root logger is at WARNING
    log.set_level("ERROR")
    logging.getLogger("lambda_toolkit.parameters").warning("dropped")
    assert [line["message"] for line in out.lines()] == ["extension did not answer"]


def test_the_last_logger_created_gets_the_library_lines(out: Capture) -> None:
    first = Capture()
    Logger(service="first", stream=first)
    Logger(service="second", stream=out)
    logging.getLogger("lambda_toolkit.batch").warning("x")
    assert first.getvalue() == ""
    assert out.last()["service"] == "second"


def test_a_child_logger_does_not_take_the_library_lines(out: Capture) -> None:
    Logger(service="parent", stream=out)
    Logger(service="parent", child=True)
    Logger(service="parent", stream=out).get_child("db")
    logging.getLogger("lambda_toolkit.batch").warning("x")
    assert out.last()["logger"] == "lambda_toolkit.batch"


def test_library_logs_false_leaves_the_stdlib_alone(out: Capture, root_capture: Capture) -> None:
    Logger(service="lib", stream=out, library_logs=False)
    logging.getLogger("lambda_toolkit.batch").warning("plain stdlib")
    assert out.getvalue() == ""
    assert "plain stdlib" in root_capture.getvalue()
    assert logging.getLogger("lambda_toolkit").propagate


def test_the_environment_variable_turns_it_off(
    out: Capture, root_capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_LIBRARY_LOGS", "0")
    Logger(service="lib", stream=out)
    logging.getLogger("lambda_toolkit.idempotency").warning("plain stdlib")
    assert out.getvalue() == ""
    assert "plain stdlib" in root_capture.getvalue()


def test_the_argument_wins_over_the_environment_variable(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_LIBRARY_LOGS", "false")
    Logger(service="lib", stream=out, library_logs=True)
    logging.getLogger("lambda_toolkit.idempotency").warning("routed")
    assert out.last()["message"] == "routed"


def test_a_bad_environment_value_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_LIBRARY_LOGS", "sometimes")
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_LIBRARY_LOGS"):
        Logger(service="lib")


def test_a_child_takes_no_library_logs_option() -> None:
    with pytest.raises(ConfigurationError, match="child"):
        Logger(service="lib", child=True, library_logs=False)


def test_an_explicit_capture_of_the_library_logger_is_kept(out: Capture) -> None:
    mine = Capture()
    target = logging.getLogger("lambda_toolkit")
    saved = list(target.handlers), target.propagate, target.level
    try:
        Logger(service="mine", stream=mine).capture_stdlib("lambda_toolkit", level="INFO")
        Logger(service="later", stream=out)
        logging.getLogger("lambda_toolkit.batch").warning("x")
        assert mine.last()["service"] == "mine"
        assert out.getvalue() == ""
    finally:
        target.handlers[:], target.propagate = saved[0], saved[1]
        target.setLevel(saved[2])


def test_unrouting_restores_the_stdlib_logger() -> None:
    target = logging.getLogger("lambda_toolkit")
    before = (list(target.handlers), target.propagate, target.level)
    Logger(service="lib", stream=Capture())
    assert not target.propagate
    unroute()
    assert (list(target.handlers), target.propagate, target.level) == before

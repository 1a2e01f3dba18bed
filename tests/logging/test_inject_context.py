"""``@log.inject_context``: invocation fields, correlation id, event logging, errors, keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.middleware import Middleware, middleware
from lambda_toolkit.logging import Logger, get_correlation_id, set_correlation_id
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture

Handler = Callable[[Any, Any], None]

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_lines_inside_an_invocation_carry_its_context(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE)
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: dict[str, Any], context: Any) -> str:
        log.info("inside")
        return "ok"

    context = FakeContext(function_name="orders-fn", aws_request_id="req-1", memory_mb=512)
    assert handler({}, context) == "ok"
    line = out.last()
    assert line["function_name"] == "orders-fn"
    assert line["function_request_id"] == "req-1"
    assert line["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders-fn"
    assert line["function_memory_size"] == 512
    assert line["cold_start"] is True
    assert line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert line["correlation_id"] == "req-1"  # a plain event: the Lambda request id


def test_cold_start_only_on_the_first_invocation(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({}, FakeContext())
    handler({}, FakeContext())
    assert [line["cold_start"] for line in out.lines()] == [True, False]


def test_no_trace_id_field_without_the_header(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.inject_context(lambda event, context: log.info("x"))({}, FakeContext())
    assert "xray_trace_id" not in out.last()


def test_a_trace_header_without_root_gives_no_trace_id(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Parent=53995c3f42cd8ad8;Sampled=1")
    log = Logger(service="orders", stream=out)
    log.inject_context(lambda event, context: log.info("x"))({}, FakeContext())
    assert "xray_trace_id" not in out.last()


def test_outside_an_invocation_there_are_no_context_fields(out: Capture) -> None:
    Logger(service="orders", stream=out).info("x")
    assert "function_name" not in out.last()
    assert "correlation_id" not in out.last()


def test_context_fields_also_come_from_other_toolkit_decorators(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    plain = middleware(lambda: Middleware("plain"))

    @plain
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({}, FakeContext(aws_request_id="req-9", memory_mb=256))
    assert out.last()["function_request_id"] == "req-9"
    assert "correlation_id" not in out.last()


def test_unusual_memory_values(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    handler: Handler = log.inject_context(lambda event, context: log.info("x"))
    context = FakeContext()
    context.memory_limit_in_mb = "lots"
    handler({}, context)
    assert out.last()["function_memory_size"] == "lots"
    context = FakeContext()
    context.memory_limit_in_mb = None  # type: ignore[assignment]
    handler({}, context)
    assert out.last()["function_memory_size"] is None


def test_correlation_id_can_be_read_and_set_by_hand(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    seen = []

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        seen.append(get_correlation_id())
        set_correlation_id("my-own-id")
        log.info("x")

    handler({}, FakeContext(aws_request_id="req-1"))
    assert seen == ["req-1"]
    assert out.last()["correlation_id"] == "my-own-id"
    assert get_correlation_id() is None


def test_a_correlation_id_set_to_a_non_string_is_written_as_text(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("first")
        set_correlation_id(12345)  # type: ignore[arg-type]
        log.info("second")
        set_correlation_id(None)
        log.info("third")

    handler({}, FakeContext(aws_request_id="req-1"))
    assert [line.get("correlation_id") for line in out.lines()] == ["req-1", "12345", None]


def test_correlation_id_from_a_jmespath_expression(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context(correlation_id="detail.order_id")
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({"detail": {"order_id": "o-7"}}, FakeContext())
    assert out.last()["correlation_id"] == "o-7"
    handler({"detail": {}}, FakeContext(aws_request_id="req-2"))
    assert out.last()["correlation_id"] == "req-2"  # nothing found: the request id


def test_jmespath_errors_at_run_time_fall_back(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    handler: Handler = log.inject_context(correlation_id="abs(detail)")(lambda event, context: log.info("x"))
    handler({"detail": "not a number"}, FakeContext(aws_request_id="req-3"))
    assert out.last()["correlation_id"] == "req-3"


def test_correlation_id_from_a_callable(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    handler: Handler = log.inject_context(correlation_id=lambda event: event["cid"])(
        lambda event, context: log.info("x")
    )
    handler({"cid": "c-1"}, FakeContext())
    assert out.last()["correlation_id"] == "c-1"
    handler({"cid": 42}, FakeContext())
    assert out.last()["correlation_id"] == "42"


def test_a_failing_correlation_callable_falls_back_with_a_warning(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    handler: Handler = log.inject_context(correlation_id=lambda event: event["missing"])(
        lambda event, context: log.info("x")
    )
    handler({}, FakeContext(aws_request_id="req-4"))
    warning, line = out.lines()
    assert warning["level"] == "WARNING"
    assert "KeyError" in warning["message"]
    assert line["correlation_id"] == "req-4"


def test_correlation_can_be_turned_off(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.inject_context(correlation_id=None)(lambda event, context: log.info("x"))({}, FakeContext())
    assert "correlation_id" not in out.last()


def test_a_correlation_id_set_by_an_outer_layer_is_kept(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    outer = middleware(lambda: Middleware("outer", before=lambda call: set_correlation_id("from-outer")))

    @outer
    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({}, FakeContext())
    assert out.last()["correlation_id"] == "from-outer"


@pytest.mark.parametrize(
    "options",
    [
        {"correlation_id": ""},
        {"correlation_id": 5},
        {"correlation_id": "detail.[["},
        {"correlation_header": ""},
        {"no_such_option": True},
    ],
)
def test_bad_inject_context_options_fail_at_decoration(options: dict[str, Any]) -> None:
    log = Logger(service="orders", stream=Capture())
    with pytest.raises(ConfigurationError, match="inject_context"):
        log.inject_context(**options)


def test_log_event_writes_the_incoming_event_masked(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context(log_event=True)
    def handler(event: Any, context: Any) -> None:
        return None

    handler({"order_id": "o-1", "headers": {"Authorization": "Bearer abc"}}, FakeContext())
    line = out.last()
    assert line["message"] == "incoming event"
    first_line = handler.__wrapped__.__code__.co_firstlineno  # type: ignore[attr-defined]
    assert (
        line["location"] == f"{__name__}:test_log_event_writes_the_incoming_event_masked.<locals>.handler:{first_line}"
    )
    assert line["event"] == {"order_id": "o-1", "headers": {"Authorization": "[REDACTED]"}}


def test_log_event_follows_the_level(out: Capture) -> None:
    log = Logger(service="orders", level="WARNING", stream=out)
    log.inject_context(log_event=True)(lambda event, context: None)({"a": 1}, FakeContext())
    assert out.lines() == []


def test_an_error_escaping_the_handler_is_logged_and_raised(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        raise ValueError("db password=hunter2 rejected")

    with pytest.raises(ValueError, match="hunter2"):
        handler({}, FakeContext(aws_request_id="req-5"))
    line = out.last()
    assert line["level"] == "ERROR"
    assert line["message"] == "handler raised ValueError"
    assert line["correlation_id"] == "req-5"
    assert line["exception"]["type"] == "ValueError"
    assert line["exception"]["message"] == "db password=[REDACTED] rejected"
    assert ":handler:" in line["location"]


def test_error_logging_can_be_turned_off(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context(log_errors=False)
    def handler(event: Any, context: Any) -> None:
        raise ValueError("x")

    with pytest.raises(ValueError):
        handler({}, FakeContext())
    assert out.lines() == []


def test_no_error_line_when_the_level_is_above_error(out: Capture) -> None:
    log = Logger(service="orders", level="CRITICAL", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        raise ValueError("x")

    with pytest.raises(ValueError):
        handler({}, FakeContext())
    assert out.lines() == []


def test_an_invocation_timeout_is_logged(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        raise InvocationTimeout(remaining_ms=120.0)

    with pytest.raises(InvocationTimeout):
        handler({}, FakeContext())
    assert out.last()["exception"]["type"] == "lambda_toolkit.core.errors.InvocationTimeout"


def test_async_handlers(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    async def handler(event: Any, context: Any) -> str:
        await asyncio.sleep(0)
        log.info("async")
        return "ok"

    assert asyncio.run(handler({}, FakeContext(aws_request_id="req-a"))) == "ok"
    assert out.last()["correlation_id"] == "req-a"


def test_plain_function_calls_pass_through(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def helper(value: int) -> int:
        log.info("helper")
        return value * 2

    assert helper(21) == 42
    assert "correlation_id" not in out.last()


def test_the_decorated_handler_keeps_its_name(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        """Docs."""

    assert handler.__name__ == "handler"
    assert handler.__doc__ == "Docs."

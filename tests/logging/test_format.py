"""The line format: one JSON object per line with the standard fields and the caller's keys."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import sys

import pytest

from lambda_toolkit.logging import Logger
from tests.logging.conftest import Capture

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_a_line_has_the_standard_fields_in_order(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("paid")
    line = out.last()
    assert list(line)[:6] == ["timestamp", "level", "message", "service", "logger", "location"]
    assert TIMESTAMP.match(line["timestamp"])
    assert line["level"] == "INFO"
    assert line["message"] == "paid"
    assert line["service"] == "orders"
    assert line["logger"] == "orders"
    assert line["location"].startswith(f"{__name__}:test_a_line_has_the_standard_fields_in_order:")


def test_timestamp_is_utc_with_milliseconds(out: Capture) -> None:
    Logger(service="orders", stream=out).info("x")
    stamp = dt.datetime.fromisoformat(out.last()["timestamp"].replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) < 60


def test_timestamp_formatting_of_a_given_instant() -> None:
    from lambda_toolkit.logging._formatter import timestamp

    assert timestamp(0.0) == "1970-01-01T00:00:00.000Z"
    assert timestamp(86400.5) == "1970-01-02T00:00:00.500Z"
    assert timestamp(86400.125) == "1970-01-02T00:00:00.125Z"


def test_location_names_the_calling_line(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    line_number = sys._getframe().f_lineno + 1
    log.warning("careful")
    assert out.last()["location"] == f"{__name__}:test_location_names_the_calling_line:{line_number}"


def test_stacklevel_points_at_the_caller_of_a_helper(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    def helper() -> None:
        log.info("from helper", stacklevel=2)

    line_number = sys._getframe().f_lineno + 1
    helper()
    assert out.last()["location"].endswith(f":{line_number}")
    log.info("too deep", stacklevel=10_000)
    assert out.last()["location"] == "?"


def test_keyword_arguments_and_extra_become_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("paid", order_id="o-1", amount=12.5, extra={"currency": "EUR", "items": [1, 2]})
    line = out.last()
    assert line["order_id"] == "o-1"
    assert line["amount"] == 12.5
    assert line["currency"] == "EUR"
    assert line["items"] == [1, 2]


def test_keys_cannot_overwrite_standard_fields(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("real", level="DEBUG", extra={"message": "forged", "timestamp": "x"})
    line = out.last()
    assert line["level"] == "INFO"
    assert line["message"] == "real"
    assert line["extra_level"] == "DEBUG"
    assert line["extra_message"] == "forged"
    assert line["extra_timestamp"] == "x"


def test_msg_and_args_are_positional_so_they_can_be_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("real", msg="a key", args=[1])
    log.log("WARNING", "by level", msg="also a key")
    first, second = out.lines()
    assert (first["message"], first["msg"], first["args"]) == ("real", "a key", [1])
    assert (second["level"], second["msg"]) == ("WARNING", "also a key")


def test_percent_arguments_are_applied(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("paid %s for %d items", "o-1", 3)
    assert out.last()["message"] == "paid o-1 for 3 items"


def test_bad_percent_arguments_do_not_raise(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info("paid %d", "not a number")
    assert out.last()["message"] == "paid %d ('not a number',)"


def test_a_structured_message_stays_structured(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.info({"step": "charge", "password": "hunter2"})
    assert out.last()["message"] == {"step": "charge", "password": "[REDACTED]"}
    log.info(42)
    assert out.last()["message"] == "42"


def test_every_level_method(out: Capture) -> None:
    log = Logger(service="orders", level="DEBUG", stream=out)
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    log.critical("c")
    log.log("INFO", "by name")
    log.log(25, "custom level")
    log.log(5, "below debug is not written")
    assert [line["level"] for line in out.lines()] == ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "INFO", "INFO"]


def test_level_filters_lines(out: Capture) -> None:
    log = Logger(service="orders", level="WARNING", stream=out)
    log.debug("d")
    log.info("i")
    log.warning("w")
    assert [line["message"] for line in out.lines()] == ["w"]
    assert log.level == 30
    log.set_level("debug")
    log.debug("now")
    assert out.last()["message"] == "now"
    assert log.is_enabled_for("DEBUG")


def test_exception_carries_type_message_and_stack(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    def charge() -> None:
        raise ValueError("card declined")

    try:
        charge()
    except ValueError:
        log.exception("payment failed", order_id="o-1")
    line = out.last()
    assert line["level"] == "ERROR"
    assert line["order_id"] == "o-1"
    exception = line["exception"]
    assert exception["type"] == "ValueError"
    assert exception["message"] == "card declined"
    assert exception["stack"][-1]["function"] == "charge"
    assert exception["stack"][-1]["code"] == 'raise ValueError("card declined")'
    assert isinstance(exception["stack"][-1]["line"], int)
    assert exception["stack"][-1]["file"].endswith("test_format.py")


def test_exc_info_accepts_an_exception_or_a_tuple_and_keeps_the_cause_chain(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    try:
        try:
            raise KeyError("sku")
        except KeyError as inner:
            raise RuntimeError("lookup failed") from inner
    except RuntimeError as outer:
        error = outer
    log.error("with instance", exc_info=error)
    first = out.last()["exception"]
    assert first["type"] == "RuntimeError"
    assert first["cause"]["type"] == "KeyError"
    assert first["cause"]["message"] == "'sku'"
    log.error("with tuple", exc_info=(type(error), error, error.__traceback__))
    assert out.last()["exception"]["type"] == "RuntimeError"
    log.error("with nothing in flight", exc_info=True)
    assert "exception" not in out.last()
    log.error("explicitly none", exc_info=False)
    assert "exception" not in out.last()


def test_exception_types_outside_builtins_are_qualified(out: Capture) -> None:
    from lambda_toolkit.core.errors import ConfigurationError

    log = Logger(service="orders", stream=out)
    log.error("x", exc_info=ConfigurationError("bad"))
    assert out.last()["exception"]["type"] == "lambda_toolkit.core.errors.ConfigurationError"


def test_default_stream_is_looked_up_at_write_time(monkeypatch: pytest.MonkeyPatch) -> None:
    log = Logger(service="orders")
    first, second = Capture(), Capture()
    with contextlib.redirect_stdout(first):
        log.info("one")
    with contextlib.redirect_stdout(second):
        log.info("two")
    assert [line["message"] for line in first.lines()] == ["one"]
    assert [line["message"] for line in second.lines()] == ["two"]


def test_service_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    assert Logger(stream=out).service == "orders-fn"
    monkeypatch.setenv("LAMBDA_TOOLKIT_SERVICE", "orders-svc")
    assert Logger(stream=out).service == "orders-svc"
    monkeypatch.delenv("LAMBDA_TOOLKIT_SERVICE")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    assert Logger(stream=out).service == "service"


def test_static_keys_given_to_the_constructor(out: Capture) -> None:
    log = Logger(service="orders", stream=out, team="payments")
    log.info("x")
    assert out.last()["team"] == "payments"


def test_repr_names_the_service() -> None:
    assert repr(Logger(service="orders", name="api", stream=io.StringIO())) == (
        "Logger(service='orders', name='api', level=20)"
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"service": ""}, "service"),
        ({"service": "s", "stream": object()}, "stream"),
        ({"service": "s", "buffer_size": -1}, "buffer_size"),
        ({"service": "s", "buffer_size": True}, "buffer_size"),
        ({"service": "s", "max_field_chars": 0}, "max_field_chars"),
        ({"service": "s", "max_line_chars": "big"}, "max_line_chars"),
        ({"service": "s", "sample_rate": 1.5}, "sample_rate"),
        # (an unknown level name or a negative number is INFO and a warning: test_levels)
        ({"service": "s", "level": True}, "level"),
        ({"service": "s", "level": 2.5}, "level"),
    ],
)
def test_bad_options_fail_at_setup(kwargs: dict[str, object], fragment: str) -> None:
    from lambda_toolkit.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=fragment):
        Logger(**kwargs)  # type: ignore[arg-type]

"""Level precedence (constructor > LOG_LEVEL > AWS_LAMBDA_LOG_LEVEL > INFO), the conflict
warning, and the level names Lambda's log filter understands."""

from __future__ import annotations

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging import Logger
from tests.logging.conftest import Capture


def test_default_level_is_info(out: Capture) -> None:
    assert Logger(service="lv", stream=out).level == 20


def test_log_level_environment_variable(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert Logger(service="lv", stream=out).level == 10


def test_lambda_log_level_applies_when_nothing_else_is_set(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    assert Logger(service="lv", stream=out).level == 30
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "TRACE")
    assert Logger(service="lv", stream=out).level == 10


def test_constructor_wins_over_both_variables(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")
    assert Logger(service="lv", level="WARNING", stream=out).level == 30


def test_log_level_wins_over_lambdas(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
    assert Logger(service="lv", stream=out).level == 40
    assert out.lines() == []  # stricter than Lambda's: no conflict


def test_a_level_below_lambdas_is_reported_once(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")
    Logger(service="lv", level="DEBUG", stream=out)
    Logger(service="lv", level="DEBUG", stream=out)
    lines = out.lines()
    assert len(lines) == 1
    assert lines[0]["level"] == "WARNING"
    assert "AWS_LAMBDA_LOG_LEVEL=ERROR" in lines[0]["message"]
    assert "level argument" in lines[0]["message"]


@pytest.mark.parametrize(("raw", "expected"), [("10", 10), (" 40 ", 40), ("Warning", 30), ("warn", 30), ("25", 25)])
def test_log_level_takes_numbers_and_names_in_any_case(
    monkeypatch: pytest.MonkeyPatch, out: Capture, raw: str, expected: int
) -> None:
    monkeypatch.setenv("LOG_LEVEL", raw)
    log = Logger(service="lv", stream=out)
    assert log.level == expected
    assert out.lines() == []


def test_an_unknown_log_level_variable_warns_once_and_logs_at_info(
    monkeypatch: pytest.MonkeyPatch, out: Capture
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    first = Logger(service="lv", stream=out)
    second = Logger(service="lv2", stream=out)
    assert (first.level, second.level) == (20, 20)
    (warning,) = out.lines()
    assert warning["level"] == "WARNING"
    assert "LOG_LEVEL" in warning["message"] and "INFO" in warning["message"]
    assert "'chatty'" in warning["message"]


@pytest.mark.parametrize("bad", ["-5", "1e3", "verbose"])
def test_an_unknown_level_argument_warns_and_logs_at_info(out: Capture, bad: str) -> None:
    log = Logger(service="lv", level=bad, stream=out)
    assert log.level == 20
    assert "level argument" in out.last()["message"]


def test_a_negative_level_number_argument_warns_and_logs_at_info(out: Capture) -> None:
    log = Logger(service="lv", level=-10, stream=out)
    assert log.level == 20
    assert out.last()["level"] == "WARNING"


def test_a_numeric_level_argument_as_text_is_a_number(out: Capture) -> None:
    log = Logger(service="lv", level="10", stream=out)
    assert log.level == 10
    log.set_level("30")
    assert log.level == 30


def test_a_numeric_lambda_log_level_is_read(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "40")
    assert Logger(service="lv", stream=out).level == 40


def test_a_child_created_first_survives_an_unknown_log_level(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    child = Logger(service="lv-child-first", child=True)
    assert child.level == 20


def test_an_unknown_lambda_level_is_ignored(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "CHATTY")
    assert Logger(service="lv", stream=out).level == 20


def test_level_names_follow_lambdas_vocabulary_with_json_format(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    log = Logger(service="lv", stream=out)
    log.warning("w")
    log.critical("c")
    log.log(45, "between error and critical")
    assert [line["level"] for line in out.lines()] == ["WARN", "FATAL", "ERROR"]


def test_level_names_are_pythons_otherwise(out: Capture) -> None:
    log = Logger(service="lv", stream=out)
    log.warning("w")
    log.critical("c")
    assert [line["level"] for line in out.lines()] == ["WARNING", "CRITICAL"]


def test_parse_level_rejects_other_types() -> None:
    from lambda_toolkit.logging._levels import parse_level

    assert parse_level(" fatal ") == 50
    assert parse_level(15) == 15
    assert parse_level("15") == 15
    with pytest.raises(ConfigurationError, match="got list"):
        parse_level([10])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "level"),
    [("debug", "DEBUG"), ("info", "INFO"), ("warning", "WARNING"), ("error", "ERROR"), ("critical", "CRITICAL")],
)
def test_each_level_method_writes_its_level_and_its_callers_location(method: str, level: str, out: Capture) -> None:
    log = Logger(service="lv", level="DEBUG", stream=out)
    getattr(log, method)("paid %s", "o-1", order_id="o-1")
    line = out.last()
    assert (line["level"], line["message"], line["order_id"]) == (level, "paid o-1", "o-1")
    assert line["location"].startswith(f"{__name__}:test_each_level_method_writes_its_level_and_its_callers_location:")


def test_exception_adds_the_exception_being_handled_and_error_does_not(out: Capture) -> None:
    log = Logger(service="lv", stream=out)
    try:
        raise KeyError("order_id")
    except KeyError:
        log.error("failed")
        log.exception("failed")
        log.exception("failed", exc_info=False)
    assert ["exception" in line for line in out.lines()] == [False, True, False]
    assert out.lines()[1]["level"] == "ERROR"


def test_the_level_methods_introduce_themselves_as_logger_methods() -> None:
    import inspect

    for name in ("debug", "info", "warning", "error", "critical", "exception"):
        method = getattr(Logger, name)
        assert (method.__name__, method.__qualname__) == (name, f"Logger.{name}")
        assert method.__doc__ and method.__doc__.startswith("Log at")
        assert list(inspect.signature(method).parameters) == [
            "self",
            "msg",
            "args",
            "exc_info",
            "stacklevel",
            "extra",
            "fields",
        ]

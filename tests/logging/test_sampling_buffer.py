"""Debug sampling (decided once per invocation) and the per-invocation debug buffer."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


def run(log: Logger, body: Any, request_id: str = "r") -> None:
    log.inject_context(body)({}, FakeContext(aws_request_id=request_id))


def test_rate_one_makes_every_invocation_log_debug(out: Capture) -> None:
    log = Logger(service="smp", stream=out, sample_rate=1.0)
    run(log, lambda event, context: log.debug("detail"))
    assert out.last()["level"] == "DEBUG"
    log.debug("outside an invocation stays filtered")
    assert len(out.lines()) == 1


def test_rate_zero_never_samples(out: Capture) -> None:
    log = Logger(service="smp", stream=out, sample_rate=0.0)
    run(log, lambda event, context: log.debug("detail"))
    assert out.lines() == []


def test_sampling_is_decided_once_per_invocation(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([0.1, 0.9, 0.9, 0.9])
    monkeypatch.setattr("random.random", lambda: next(draws))
    log = Logger(service="smp", stream=out, sample_rate=0.5)

    def handler(event: Any, context: Any) -> None:
        for n in range(3):
            log.debug("step %d", n)

    run(log, handler, "sampled")
    run(log, handler, "not-sampled")
    lines = out.lines()
    assert [line["function_request_id"] for line in lines] == ["sampled"] * 3
    assert log.is_enabled_for("DEBUG") is False


def test_is_enabled_for_inside_a_sampled_invocation(out: Capture) -> None:
    log = Logger(service="smp", stream=out, sample_rate=1.0)
    seen = []
    run(log, lambda event, context: seen.append(log.is_enabled_for("DEBUG")))
    assert seen == [True]


def test_sample_rate_from_the_environment(monkeypatch: pytest.MonkeyPatch, out: Capture) -> None:
    monkeypatch.setenv("LOG_SAMPLE_RATE", "1")
    log = Logger(service="smp", stream=out)
    run(log, lambda event, context: log.debug("d"))
    assert out.last()["level"] == "DEBUG"


@pytest.mark.parametrize("value", ["often", "2"])
def test_bad_sample_rate_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LOG_SAMPLE_RATE", value)
    with pytest.raises(ConfigurationError, match="LOG_SAMPLE_RATE"):
        Logger(service="smp")


def test_buffered_lines_are_written_before_an_error(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=10)

    def handler(event: Any, context: Any) -> None:
        log.debug("step 1", n=1)
        log.info("visible")
        log.debug("step 2")
        log.error("failed")
        log.debug("after the error, buffered again")

    run(log, handler)
    assert [line["message"] for line in out.lines()] == ["visible", "step 1", "step 2", "failed"]
    assert out.lines()[1]["n"] == 1
    assert out.lines()[1]["level"] == "DEBUG"


def test_buffered_lines_are_written_when_the_handler_raises(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=10)

    def handler(event: Any, context: Any) -> None:
        log.debug("trail")
        raise InvocationTimeout()

    with pytest.raises(InvocationTimeout):
        run(log, handler)
    messages = [line["message"] for line in out.lines()]
    assert messages == ["trail", "handler raised InvocationTimeout"]


def test_buffered_lines_are_dropped_when_the_invocation_succeeds(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=10)
    run(log, lambda event, context: log.debug("quiet"))

    def second(event: Any, context: Any) -> None:
        log.error("boom")

    run(log, second)
    assert [line["message"] for line in out.lines()] == ["boom"]


def test_the_buffer_is_bounded_and_says_how_many_it_dropped(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=2)

    def handler(event: Any, context: Any) -> None:
        for n in range(5):
            log.debug("d%d", n)
        log.error("failed")

    run(log, handler)
    messages = [line["message"] for line in out.lines()]
    assert messages == ["d3", "d4", "3 earlier buffered lines were dropped (buffer_size=2)", "failed"]


def test_flush_buffer_by_hand(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=5)

    def handler(event: Any, context: Any) -> None:
        log.debug("kept")
        log.flush_buffer()

    run(log, handler)
    assert [line["message"] for line in out.lines()] == ["kept"]
    log.flush_buffer()  # outside an invocation: nothing to do
    assert len(out.lines()) == 1


def test_without_buffering_lines_below_the_level_are_dropped(out: Capture) -> None:
    log = Logger(service="buf", stream=out)

    def handler(event: Any, context: Any) -> None:
        log.debug("never")
        log.error("boom")

    run(log, handler)
    assert [line["message"] for line in out.lines()] == ["boom"]


def test_buffering_outside_an_invocation_drops(out: Capture) -> None:
    log = Logger(service="buf", stream=out, buffer_size=5)
    log.debug("no invocation, no buffer")
    log.error("boom")
    assert [line["message"] for line in out.lines()] == ["boom"]


def test_buffer_drain_stops_when_emptied_concurrently() -> None:
    from lambda_toolkit.logging._buffer import LineBuffer

    buffer = LineBuffer(3)
    buffer.add("a")
    buffer.add("b")
    written: list[str] = []

    def write(line: str) -> None:
        written.append(line)
        buffer.lines.clear()  # a signal handler drained it meanwhile

    assert buffer.drain(write) == 0
    assert written == ["a"]

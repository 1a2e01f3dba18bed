"""@timeout_guard on async handlers: the signal interrupts the code the event loop is running."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

import pytest

from lambda_toolkit.core import InvocationTimeout, current_invocation
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import Deadline, TimeoutInfo, _alarm, timeout_guard

LONG = 30.0


def test_blocking_code_in_an_async_handler_is_interrupted() -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    async def handler(event: Any, context: Any) -> dict[str, Any]:
        time.sleep(LONG)  # a blocking call (e.g. a synchronous SDK request) inside the coroutine
        return {"statusCode": 200}

    assert asyncio.run(handler({}, FakeContext(timeout_ms=400))) == {"statusCode": 503}


def test_a_busy_async_handler_is_interrupted_and_the_timeout_propagates() -> None:
    @timeout_guard(margin_ms=200)
    async def handler(event: Any, context: Any) -> int:
        n = 0
        while True:
            n += 1

    with pytest.raises(InvocationTimeout):
        asyncio.run(handler({}, FakeContext(timeout_ms=400)))


def test_an_async_handler_that_finishes_in_time_is_untouched() -> None:
    @timeout_guard(margin_ms=100, on_timeout=lambda info: "fallback")
    async def handler(event: Any, context: Any) -> str:
        await asyncio.sleep(0.01)
        return "done"

    assert asyncio.run(handler({}, FakeContext(timeout_ms=400))) == "done"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_awaiting_handler_gets_the_flag_and_can_stop_at_a_checkpoint() -> None:
    seen: list[TimeoutInfo] = []

    def fallback(info: TimeoutInfo) -> str:
        seen.append(info)
        return "fallback"

    @timeout_guard(margin_ms=200, on_timeout=fallback)
    async def handler(event: Any, context: Any) -> str:
        deadline = Deadline.current()
        while True:
            await asyncio.sleep(0.01)  # the loop waits here: the signal cannot land in this task
            deadline.check()

    assert asyncio.run(handler({}, FakeContext(timeout_ms=400))) == "fallback"
    assert seen[0].mode == "signal"


def test_an_awaiting_handler_that_returns_on_the_flag_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: "not used")
    async def handler(event: Any, context: Any) -> str:
        while not Deadline.current().expired():
            await asyncio.sleep(0.01)
        return "partial"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert asyncio.run(handler({}, FakeContext(timeout_ms=400))) == "partial"
    (record,) = caplog.records
    assert record.__dict__["timeout_outcome"] == "handler returned after the interruption"


def test_concurrent_guarded_tasks_each_get_their_own_interruption() -> None:
    @timeout_guard(margin_ms=100, on_timeout=lambda info: "fallback")
    async def handler(event: Any, context: Any) -> str:
        if event["slow"]:
            time.sleep(LONG)
        await asyncio.sleep(0.01)
        return "done"

    async def both() -> list[str]:
        return list(
            await asyncio.gather(
                handler({"slow": False}, FakeContext(timeout_ms=60_000)),
                handler({"slow": True}, FakeContext(timeout_ms=300)),
            )
        )

    assert asyncio.run(both()) == ["done", "fallback"]


def test_a_cancelled_async_handler_leaves_no_guard_behind() -> None:
    flags: list[Any] = []

    @timeout_guard(margin_ms=100)
    async def handler(event: Any, context: Any) -> str:
        flags.append(current_invocation())
        await asyncio.sleep(LONG)
        return "done"

    async def cancel_it() -> None:
        await asyncio.wait_for(handler({}, FakeContext(timeout_ms=300)), timeout=0.05)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(cancel_it())
    # CancelledError skips the engine's hooks: the alarm is dropped when it comes due,
    # since its task has ended, and the previous handler is restored then.
    time.sleep(0.4)
    assert _alarm.armed_count() == 0
    assert flags[0].interrupted is False

"""@timeout_guard where no signal can be used (another thread): the cooperative flag."""

from __future__ import annotations

import logging
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambda_toolkit.core import Invocation, InvocationTimeout, current_invocation
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import Deadline, TimeoutInfo, _alarm, timeout_guard


def in_thread(fn: Any, *args: Any) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def test_in_another_thread_the_flag_is_raised_and_a_checkpoint_stops_the_handler() -> None:
    seen: list[TimeoutInfo] = []

    def fallback(info: TimeoutInfo) -> str:
        seen.append(info)
        return "fallback"

    @timeout_guard(margin_ms=200, on_timeout=fallback)
    def handler(event: Any, context: Any) -> str:
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no signal timer from a thread
        deadline = Deadline.current()
        while True:
            time.sleep(0.01)
            deadline.check()

    assert in_thread(handler, {}, FakeContext(timeout_ms=400)) == "fallback"
    assert seen[0].mode == "cooperative"


def test_a_work_loop_in_a_thread_stops_at_the_flag() -> None:
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> dict[str, Any]:
        work = Deadline.current().iterate(range(1000))
        for _ in work:
            time.sleep(0.01)
        return {"done": work.done, "left": len(work.left), "stopped": work.stopped}

    result = in_thread(handler, {}, FakeContext(timeout_ms=400))
    assert result["stopped"] and result["left"] > 0 and result["done"] + result["left"] == 1000


def test_a_thread_handler_ignoring_the_flag_keeps_its_response_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: "not used")
    def handler(event: Any, context: Any) -> str:
        time.sleep(0.35)  # cannot be interrupted here
        return "late but complete"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert in_thread(handler, {}, FakeContext(timeout_ms=400)) == "late but complete"
    (record,) = caplog.records
    assert record.__dict__["timeout_outcome"] == "handler returned after the interruption"


def test_a_thread_handler_finishing_in_time_cancels_its_flag_timer() -> None:
    invocations: list[Invocation] = []

    @timeout_guard(margin_ms=100)
    def handler(event: Any, context: Any) -> str:
        invocation = current_invocation()
        assert invocation is not None
        invocations.append(invocation)
        return "done"

    assert in_thread(handler, {}, FakeContext(timeout_ms=250)) == "done"
    time.sleep(0.3)  # past the would-be firing time
    assert invocations[0].interrupted is False


def test_the_timeout_propagates_from_a_thread_without_on_timeout() -> None:
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        while True:
            time.sleep(0.01)
            Deadline.current().check()

    with pytest.raises(InvocationTimeout, match="checkpoint"):
        in_thread(handler, {}, FakeContext(timeout_ms=400))


def test_without_sigalrm_the_main_thread_uses_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_alarm, "_HAS_SIGNALS", False)

    @timeout_guard(margin_ms=200, on_timeout=lambda info: info.mode)
    def handler(event: Any, context: Any) -> str:
        while True:
            time.sleep(0.01)
            Deadline.current().check()

    assert handler({}, FakeContext(timeout_ms=400)) == "cooperative"
    assert _alarm.armed_count() == 0


def test_a_thread_handler_starting_within_the_margin_reports_cooperative_mode() -> None:
    @timeout_guard(margin_ms=300, on_timeout=lambda info: info.mode)
    def handler(event: Any, context: Any) -> str:
        return "ran"

    assert in_thread(handler, {}, FakeContext(timeout_ms=1000)) == "ran"
    assert in_thread(handler, {}, FakeContext(timeout_ms=100)) == "cooperative"

"""@timeout_guard in the main thread: the SIGALRM timer interrupts the handler before its deadline."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

import pytest

from lambda_toolkit.core import (
    ConfigurationError,
    InvalidContextError,
    InvocationTimeout,
    Middleware,
    current_invocation,
    middleware,
)
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import DEFAULT_MARGIN_MS, Deadline, TimeoutInfo, _alarm, timeout_guard

LONG = 30.0  # seconds a "long" handler would run: always far beyond the deadline


def short_context(timeout_ms: int = 400) -> FakeContext:
    return FakeContext(timeout_ms=timeout_ms)


# -- interruption ---------------------------------------------------------------------


def test_a_handler_running_past_the_margin_is_interrupted_with_invocation_timeout() -> None:
    reached: list[str] = []

    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        reached.append("started")
        time.sleep(LONG)
        reached.append("finished")
        return "done"

    with pytest.raises(InvocationTimeout, match="interrupted before its deadline") as caught:
        handler({}, short_context())
    assert reached == ["started"]
    assert caught.value.remaining_ms is not None and caught.value.remaining_ms > 0


def test_a_busy_loop_in_python_is_interrupted_too() -> None:
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> int:
        n = 0
        while True:
            n += 1

    with pytest.raises(InvocationTimeout):
        handler({}, short_context())


def test_on_timeout_response_is_sent_instead() -> None:
    seen: list[TimeoutInfo] = []

    def fallback(info: TimeoutInfo) -> dict[str, Any]:
        seen.append(info)
        return {"statusCode": 503, "body": "try again"}

    @timeout_guard(margin_ms=200, on_timeout=fallback)
    def handler(event: Any, context: Any) -> dict[str, Any]:
        time.sleep(LONG)
        return {"statusCode": 200}

    event, context = {"path": "/orders"}, short_context()
    assert handler(event, context) == {"statusCode": 503, "body": "try again"}
    (info,) = seen
    assert info.event is event and info.context is context
    assert info.margin_ms == 200 and info.mode == "signal"
    assert info.elapsed_ms > 0 and info.remaining_ms is not None
    assert isinstance(info.error, InvocationTimeout)


def test_on_timeout_returning_none_lets_the_timeout_propagate() -> None:
    calls: list[str] = []

    @timeout_guard(margin_ms=200, on_timeout=lambda info: calls.append("on_timeout"))
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({}, short_context())
    assert calls == ["on_timeout"]


def test_on_timeout_that_raises_is_logged_and_the_timeout_still_propagates(caplog: pytest.LogCaptureFixture) -> None:
    def broken(info: TimeoutInfo) -> Any:
        raise ValueError("secret-token-123")

    @timeout_guard(margin_ms=200, on_timeout=broken)
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.timeout"), pytest.raises(InvocationTimeout):
        handler({}, short_context())
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "on_timeout callback raised ValueError at" in errors[0].getMessage()
    assert "secret-token-123" not in caplog.text  # the callback's message may carry anything
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.levelno == logging.WARNING] == [
        "timeout imminent"
    ]


def test_the_flag_is_raised_when_the_guard_fires() -> None:
    seen: list[bool] = []

    def fallback(info: TimeoutInfo) -> str:
        seen.append(Deadline.current().interrupted)
        return "fallback"

    @timeout_guard(margin_ms=200, on_timeout=fallback)
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    assert handler({}, short_context()) == "fallback"
    assert seen == [True]


# -- the log line ------------------------------------------------------------------------


def test_one_structured_timeout_imminent_line_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        handler({"card": "4111-1111"}, short_context())
    (record,) = caplog.records
    assert record.name == "lambda_toolkit.timeout" and record.levelno == logging.WARNING
    assert record.getMessage().startswith("timeout imminent: handler ran ")
    fields: dict[str, Any] = record.__dict__
    assert fields["timeout_elapsed_ms"] > 0
    assert fields["timeout_remaining_ms"] > 0
    assert fields["timeout_margin_ms"] == 200
    assert fields["timeout_outcome"] == "on_timeout answered"
    assert "4111" not in caplog.text


def test_the_log_line_says_when_the_timeout_propagates(caplog: pytest.LogCaptureFixture) -> None:
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"), pytest.raises(InvocationTimeout):
        handler({}, short_context())
    (record,) = caplog.records
    assert record.__dict__["timeout_outcome"] == "the timeout propagates"


def test_a_handler_that_catches_the_interruption_and_returns_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: "not used")
    def handler(event: Any, context: Any) -> str:
        try:
            time.sleep(LONG)
        except InvocationTimeout:
            return "partial"
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert handler({}, short_context()) == "partial"
    (record,) = caplog.records
    assert record.__dict__["timeout_outcome"] == "handler returned after the interruption"


# -- in time: untouched, nothing left armed ---------------------------------------------


def test_a_handler_that_finishes_in_time_is_untouched(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    @timeout_guard(margin_ms=100, on_timeout=lambda info: calls.append("on_timeout"))
    def handler(event: Any, context: Any) -> dict[str, Any]:
        assert _alarm.armed_count() == 1
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # armed while the handler runs
        return {"echo": event}

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert handler({"a": 1}, short_context()) == {"echo": {"a": 1}}
    assert calls == [] and caplog.records == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert _alarm.armed_count() == 0


def test_no_timer_is_left_armed_a_later_invocation_is_not_interrupted() -> None:
    @timeout_guard(margin_ms=100)
    def quick(event: Any, context: Any) -> str:
        return "quick"

    @middleware
    def plain() -> Middleware:
        return Middleware("plain")

    @plain
    def later(event: Any, context: Any) -> str:
        time.sleep(0.5)  # well past where quick's guard would have fired
        return "later finished"

    assert quick({}, short_context(timeout_ms=300)) == "quick"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert later({}, short_context(timeout_ms=60_000)) == "later finished"


def test_the_timer_is_cancelled_when_the_handler_raises() -> None:
    @timeout_guard(margin_ms=100)
    def handler(event: Any, context: Any) -> str:
        raise KeyError("order")

    with pytest.raises(KeyError):
        handler({}, short_context(timeout_ms=300))
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.4)  # past the would-be firing time: no stray InvocationTimeout arrives


def test_every_invocation_gets_its_own_timer() -> None:
    @timeout_guard(margin_ms=150, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        time.sleep(event["sleep"])
        return "done"

    assert handler({"sleep": 0}, short_context()) == "done"
    assert handler({"sleep": LONG}, short_context()) == "fallback"
    assert handler({"sleep": 0}, short_context()) == "done"


def test_a_handler_starting_within_the_margin_is_not_started() -> None:
    calls: list[str] = []

    @timeout_guard(margin_ms=300, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        calls.append("ran")
        return "done"

    assert handler({}, short_context(timeout_ms=1000)) == "done"  # first invocation: margin fits
    assert handler({}, short_context(timeout_ms=200)) == "fallback"
    assert calls == ["ran"]

    @timeout_guard(margin_ms=300)
    def bare(event: Any, context: Any) -> str:
        return "done"

    bare({}, short_context(timeout_ms=1000))
    with pytest.raises(InvocationTimeout, match="not started"):
        bare({}, short_context(timeout_ms=200))


# -- nesting, previous handler and timer --------------------------------------------------


def test_nested_guards_the_inner_one_fires_and_the_outer_timer_survives() -> None:
    @timeout_guard(margin_ms=300, on_timeout=lambda info: "inner fallback")
    def inner(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "inner done"

    outer_saw: list[float] = []

    @timeout_guard(margin_ms=100, on_timeout=lambda info: "outer fallback")
    def outer(event: Any, context: Any) -> str:
        first = inner(event, context)  # the inner guard fires first (bigger margin)
        outer_saw.append(signal.getitimer(signal.ITIMER_REAL)[0])  # the outer timer is armed again
        time.sleep(LONG)
        return first

    assert outer({}, short_context(timeout_ms=600)) == "outer fallback"
    assert outer_saw and outer_saw[0] > 0


def test_nested_guards_the_outer_one_fires_through_the_inner_one(caplog: pytest.LogCaptureFixture) -> None:
    inner_calls: list[str] = []

    def inner_fallback(info: TimeoutInfo) -> str:
        inner_calls.append("inner")
        return "inner fallback"

    @timeout_guard(margin_ms=50, on_timeout=inner_fallback)
    def inner(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "inner done"

    @timeout_guard(margin_ms=300, on_timeout=lambda info: "outer fallback")
    def outer(event: Any, context: Any) -> str:
        return inner(event, context)

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert outer({}, short_context(timeout_ms=600)) == "outer fallback"
    assert inner_calls == []  # the outer guard's interruption is the outer guard's to handle
    assert len(caplog.records) == 1


def test_stacked_guards_on_one_handler_flatten_and_the_earliest_fires() -> None:
    @timeout_guard(margin_ms=100, on_timeout=lambda info: "outer")
    @timeout_guard(margin_ms=250, on_timeout=lambda info: "inner")
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    assert handler({}, short_context(timeout_ms=500)) == "inner"


def test_a_previous_handler_and_timer_are_restored_with_their_remaining_time() -> None:
    fired: list[int] = []

    def previous(signum: int, frame: Any) -> None:
        fired.append(signum)

    old = signal.signal(signal.SIGALRM, previous)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)

        @timeout_guard(margin_ms=100)
        def handler(event: Any, context: Any) -> str:
            assert signal.getsignal(signal.SIGALRM) is not previous
            return "done"

        assert handler({}, short_context()) == "done"
        assert signal.getsignal(signal.SIGALRM) is previous
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 30.0
        assert fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_a_previous_timer_due_first_still_reaches_its_handler() -> None:
    fired: list[int] = []

    def previous(signum: int, frame: Any) -> None:
        fired.append(signum)

    old = signal.signal(signal.SIGALRM, previous)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)

        @timeout_guard(margin_ms=200, on_timeout=lambda info: "fallback")
        def handler(event: Any, context: Any) -> str:
            time.sleep(LONG)
            return "done"

        assert handler({}, short_context(timeout_ms=600)) == "fallback"
        assert fired == [signal.SIGALRM]
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # it was a one-shot timer, now spent
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("margin", [-1, -0.5, float("nan"), float("inf"), float("-inf"), "500", True, None])
def test_a_margin_that_is_not_a_finite_number_of_ms_fails_at_decoration(margin: Any) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^timeout_guard: margin_ms must be a finite number of milliseconds >= 0, got "
    ):
        timeout_guard(margin_ms=margin)


def test_the_margin_is_keyword_only() -> None:
    # A bare number would hide its unit: timeout_guard(500) is refused, margin_ms=500 is not.
    with pytest.raises(ConfigurationError, match="timeout_guard: too many positional arguments"):
        timeout_guard(500)  # type: ignore[call-overload]


def test_a_misspelt_option_fails_at_decoration() -> None:
    with pytest.raises(ConfigurationError, match="timeout_guard"):
        timeout_guard(margin=100)  # type: ignore[call-overload]


def test_an_on_timeout_that_is_not_callable_fails_at_decoration() -> None:
    with pytest.raises(ConfigurationError, match="on_timeout must be callable, got str"):
        timeout_guard(on_timeout="503")  # type: ignore[call-overload]


def test_a_margin_not_below_the_function_timeout_fails_at_the_first_invocation() -> None:
    calls: list[str] = []

    @timeout_guard(margin_ms=5000)
    def handler(event: Any, context: Any) -> str:
        calls.append("ran")
        return "done"

    with pytest.raises(ConfigurationError, match=r"margin_ms=5000 is not below the function's timeout \(\d+ ms"):
        handler({}, FakeContext(timeout_ms=3000))
    assert calls == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_context_without_remaining_time_is_a_clear_error() -> None:
    class NoClock:
        aws_request_id = "r-1"
        function_name = function_version = invoked_function_arn = "x"
        memory_limit_in_mb = log_group_name = log_stream_name = "x"

    @timeout_guard
    def handler(event: Any, context: Any) -> str:
        return "done"

    with pytest.raises(InvalidContextError, match="get_remaining_time_in_millis"):
        handler({}, NoClock())
    with pytest.raises(InvalidContextError, match="handler"):
        handler({})  # type: ignore[call-arg]


def test_a_context_whose_remaining_time_is_not_a_number_is_a_clear_error() -> None:
    class Odd(FakeContext):
        def get_remaining_time_in_millis(self) -> Any:
            return "soon"

    @timeout_guard
    def handler(event: Any, context: Any) -> str:
        return "done"

    with pytest.raises(InvalidContextError, match=r"timeout_guard: context.get_remaining_time_in_millis\(\) returned"):
        handler({}, Odd())


def test_bare_use_has_the_default_margin() -> None:
    @timeout_guard
    def handler(event: Any, context: Any) -> float:
        invocation = current_invocation()
        assert invocation is not None and not invocation.interrupted
        return signal.getitimer(signal.ITIMER_REAL)[0]

    armed_for = handler({}, FakeContext(timeout_ms=3000))
    assert DEFAULT_MARGIN_MS == 500
    assert 0 < armed_for <= (3000 - DEFAULT_MARGIN_MS) / 1000


def test_the_layer_name_shows_the_margin() -> None:
    layer = timeout_guard.__wrapped__(margin_ms=250)  # type: ignore[attr-defined]
    assert layer.name == "timeout_guard(margin_ms=250)" and layer.handler_only


# -- robustness: where the signal lands ----------------------------------------------------


def test_a_base_exception_escaping_the_handler_disarms_the_guard() -> None:
    previous = signal.getsignal(signal.SIGALRM)

    @timeout_guard(margin_ms=100)
    def handler(event: Any, context: Any) -> str:
        raise KeyboardInterrupt  # the engine still runs the on-error hooks, then re-raises it

    with pytest.raises(KeyboardInterrupt):
        handler({}, short_context(timeout_ms=300))
    assert _alarm.armed_count() == 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

    @middleware
    def plain() -> Middleware:
        return Middleware("plain")

    @plain
    def later(event: Any, context: Any) -> str:
        time.sleep(0.4)  # past the first guard's deadline: nothing fires
        return "later finished"

    assert later({}, short_context(timeout_ms=60_000)) == "later finished"
    assert signal.getsignal(signal.SIGALRM) is previous


def test_a_signal_landing_in_the_middleware_engine_is_retried_in_the_handler() -> None:
    import sys

    deferred: list[bool] = []

    @timeout_guard(margin_ms=100, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        (alarm,) = _alarm._stack
        alarm.fire_at = time.monotonic() - 0.001  # due now
        engine_frame = sys._getframe(1)  # the engine's wrapper, which called this handler
        _alarm._on_alarm(signal.SIGALRM, engine_frame)  # landing there: deferred, no raise
        deferred.append(Deadline.current().interrupted)
        time.sleep(LONG)  # the retry, a millisecond later, lands here
        return "done"

    assert handler({}, short_context(timeout_ms=60_000)) == "fallback"
    assert deferred == [True]


def test_an_alarm_whose_call_has_ended_is_dropped_without_firing() -> None:
    from lambda_toolkit.core import Call

    @middleware
    def plain() -> Middleware:
        return Middleware("plain")

    calls: list[Call] = []

    @plain
    def handler(event: Any, context: Any) -> None:
        invocation = current_invocation()
        assert invocation is not None
        # an alarm that leaked: armed for this call, never disarmed
        calls.append(Call(handler, (event, context), {}))
        calls[0].active = False  # the engine says the call has ended
        _alarm.arm(time.monotonic() - 0.001, invocation, calls[0])
        _alarm._on_alarm(signal.SIGALRM, None)  # due: dropped, no InvocationTimeout
        assert invocation.interrupted is False

    handler({}, short_context(timeout_ms=60_000))
    assert _alarm.armed_count() == 0


def test_an_alarm_of_an_active_call_fires_wherever_the_signal_lands() -> None:
    from lambda_toolkit.core import Call

    @middleware
    def plain() -> Middleware:
        return Middleware("plain")

    @plain
    def handler(event: Any, context: Any) -> str:
        invocation = current_invocation()
        assert invocation is not None
        call = Call(handler, (event, context), {})  # active: the engine has not ended it
        alarm = _alarm.arm(time.monotonic() - 0.001, invocation, call)
        try:
            with pytest.raises(InvocationTimeout):
                _alarm._on_alarm(signal.SIGALRM, None)  # no stack to walk: the Call tells
        finally:
            _alarm.disarm(alarm)
        return "interrupted" if invocation.interrupted else "not interrupted"

    assert handler({}, short_context(timeout_ms=60_000)) == "interrupted"
    assert _alarm.armed_count() == 0

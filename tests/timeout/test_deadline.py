"""Deadline: remaining time from the invocation state, expiry, checkpoints, work loops."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, InvalidContextError, Middleware, current_invocation, middleware
from lambda_toolkit.testing import FakeClock, FakeContext
from lambda_toolkit.timeout import Deadline, InvocationTimeout

plain = middleware(lambda: Middleware("plain"))


def run_in_invocation(fn: Any, context: Any, event: Any = None) -> Any:
    """Call ``fn()`` inside an invocation started by a plain core decorator."""

    @plain
    def handler(event: Any, context: Any) -> Any:
        return fn()

    return handler({} if event is None else event, context)


def test_current_reads_the_invocation_deadline() -> None:
    deadline = run_in_invocation(Deadline.current, FakeContext(timeout_ms=2000))
    assert deadline.known
    assert 0 < deadline.remaining_ms() <= 2000


def test_advancing_a_fake_clock_moves_deadline_current() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=3000, clock=clock)

    def read() -> tuple[float, float, bool, float, bool]:
        deadline = Deadline.current()
        before = deadline.remaining_ms()
        clock.advance(ms=2600)
        return (
            before,
            deadline.remaining_ms(),
            deadline.expired(margin_ms=500),
            Deadline.current().remaining_ms(),
            Deadline.current().expired(margin_ms=300),
        )

    before, after, expired_500, again, expired_300 = run_in_invocation(read, context)
    assert before == 3000.0
    assert after == pytest.approx(400.0) and again == pytest.approx(400.0)
    assert expired_500 is True and expired_300 is False
    assert context.get_remaining_time_in_millis() == 400


def test_from_context_and_work_loops_run_on_the_fake_clock() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=1000, clock=clock)
    deadline = Deadline.from_context(context)
    clock.advance(ms=300)
    assert deadline.remaining_ms() == pytest.approx(700.0)

    def loop() -> tuple[list[int], list[int]]:
        work = Deadline.current().iterate(range(5), margin_ms=400)
        done = []
        for item in work:
            done.append(item)
            clock.advance(ms=100)  # each item takes 100 fake ms
        return done, work.left

    done, left = run_in_invocation(loop, context)
    assert done == [0, 1, 2] and left == [3, 4]  # 700 ms left, stops at 400


def test_current_outside_an_invocation_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"outside an invocation.*from_context"):
        Deadline.current()


def test_from_context_counts_down_with_the_context() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=1000, clock=clock)
    clock.advance(ms=400)
    deadline = Deadline.from_context(context)
    assert deadline.remaining_ms() == pytest.approx(600.0)  # on the fake clock, not real time


def test_from_context_without_remaining_time_method_is_a_clear_error() -> None:
    with pytest.raises(InvalidContextError, match=r"Deadline.from_context: context of type object has no get_rem"):
        Deadline.from_context(object())  # type: ignore[arg-type]


class _BadContext:
    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value, self.error = value, error

    def get_remaining_time_in_millis(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


@pytest.mark.parametrize("value", ["1000", None, True, math.nan])
def test_from_context_rejects_a_remaining_time_that_is_not_a_number(value: Any) -> None:
    with pytest.raises(InvalidContextError, match="expected a number of milliseconds"):
        Deadline.from_context(_BadContext(value))  # type: ignore[arg-type]


def test_from_context_reports_a_remaining_time_method_that_raises() -> None:
    with pytest.raises(InvalidContextError, match=r"get_remaining_time_in_millis\(\) raised RuntimeError"):
        Deadline.from_context(_BadContext(error=RuntimeError("x")))  # type: ignore[arg-type]


def test_expired_compares_the_remaining_time_with_the_margin() -> None:
    deadline = Deadline.from_context(FakeContext(timeout_ms=1000))
    assert not deadline.expired()
    assert not deadline.expired(margin_ms=100)
    assert deadline.expired(margin_ms=5000)


def test_a_passed_deadline_is_expired_and_remains_zero() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=100, clock=clock)
    clock.advance(ms=500)
    deadline = Deadline.from_context(context)
    assert deadline.remaining_ms() == 0.0
    assert deadline.expired()


def test_an_unknown_deadline_never_expires_by_itself() -> None:
    deadline = Deadline(None)
    assert not deadline.known
    assert deadline.remaining_ms() == math.inf
    assert not deadline.expired(margin_ms=10**9)
    assert repr(deadline) == "Deadline(unknown)"


def test_the_cooperative_flag_expires_the_deadline() -> None:
    def flagged() -> tuple[bool, bool]:
        deadline = Deadline.current()
        before = deadline.expired()
        from lambda_toolkit.core import current_invocation

        invocation = current_invocation()
        assert invocation is not None
        invocation.interrupted = True
        return before, deadline.expired()

    assert run_in_invocation(flagged, FakeContext(timeout_ms=60_000)) == (False, True)


def test_from_context_sees_the_flag_of_its_own_invocation_only() -> None:
    other = FakeContext()

    def flagged() -> tuple[bool, bool]:
        from lambda_toolkit.core import current_invocation

        invocation = current_invocation()
        assert invocation is not None
        invocation.interrupted = True
        return Deadline.from_context(invocation.context).interrupted, Deadline.from_context(other).interrupted

    assert run_in_invocation(flagged, FakeContext()) == (True, False)


@pytest.mark.parametrize("margin", [-1, "100", True, math.inf, math.nan, None])
def test_a_bad_margin_is_a_configuration_error(margin: Any) -> None:
    deadline = Deadline.from_context(FakeContext())
    with pytest.raises(ConfigurationError, match=r"Deadline.expired: margin_ms must"):
        deadline.expired(margin)
    with pytest.raises(ConfigurationError, match=r"Deadline.iterate: margin_ms must"):
        deadline.iterate([1], margin_ms=margin)


def test_check_raises_invocation_timeout_when_expired() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=1000, clock=clock)
    deadline = Deadline.from_context(context)
    deadline.check(margin_ms=100)  # plenty of time: no error
    with pytest.raises(InvocationTimeout, match="deadline checkpoint") as caught:
        deadline.check(margin_ms=2000)
    assert caught.value.remaining_ms is not None and caught.value.remaining_ms <= 1000


def test_check_on_a_flagged_unknown_deadline_has_no_remaining_time() -> None:
    def check() -> None:
        from lambda_toolkit.core import current_invocation

        invocation = current_invocation()
        assert invocation is not None
        invocation.interrupted = True
        Deadline(None, invocation=invocation).check()

    with pytest.raises(InvocationTimeout) as caught:
        run_in_invocation(check, FakeContext())
    assert caught.value.remaining_ms is None


def test_repr_shows_the_remaining_time_not_the_event() -> None:
    text = repr(Deadline.from_context(FakeContext(timeout_ms=1000)))
    assert text.startswith("Deadline(remaining_ms=") and "interrupted=False" in text


def test_iterate_hands_out_every_item_when_time_remains() -> None:
    work = Deadline.from_context(FakeContext()).iterate(["a", "b", "c"])
    assert list(work) == ["a", "b", "c"]
    assert work.left == [] and work.done == 3 and not work.stopped


def test_iterate_stops_when_the_flag_is_raised_and_says_what_was_left() -> None:
    def loop() -> Any:
        invocation = current_invocation()
        assert invocation is not None
        work = Deadline.current().iterate(["a", "b", "c", "d"])
        handed = []
        for item in work:
            handed.append(item)
            if item == "b":
                invocation.interrupted = True  # what a guard does at its margin
        return handed, work

    handed, work = run_in_invocation(loop, FakeContext())
    assert handed == ["a", "b"]
    assert work.stopped
    assert work.left == ["c", "d"] and work.done == 2
    assert list(work) == []  # a stopped loop stays stopped


def test_iterate_stops_at_the_deadline_minus_the_margin() -> None:
    work = Deadline(time.monotonic() + 60).iterate(range(10), margin_ms=59_500)  # stops 0.5 s from now
    started = []
    for item in work:
        started.append(item)
        time.sleep(0.3)
    assert work.stopped and 0 < len(started) < 10
    assert work.left == list(range(len(started), 10))


def test_iterate_counts_the_item_in_hand_as_left_when_the_body_raised() -> None:
    work = Deadline.from_context(FakeContext()).iterate(range(5))

    def consume() -> None:
        for item in work:
            if item == 2:
                raise InvocationTimeout()

    with pytest.raises(InvocationTimeout):
        consume()
    assert work.left == [2, 3, 4] and work.done == 2 and not work.stopped


def test_iterate_starts_no_item_within_the_margin() -> None:
    deadline = Deadline.from_context(FakeContext(timeout_ms=1000))
    work = deadline.iterate([1, 2, 3], margin_ms=5000)
    assert list(work) == []
    assert work.stopped and work.left == [1, 2, 3]
    assert list(deadline.iterate([1, 2], margin_ms=10)) == [1, 2]


def test_iterate_is_an_iterator_over_a_generator_too() -> None:
    work = Deadline.from_context(FakeContext()).iterate(x * 2 for x in range(3))
    assert iter(work) is work
    assert next(work) == 0
    assert work.left == [0, 2, 4]  # the item in hand is not done yet


def test_seconds_left_is_a_timeout_that_ends_before_the_margin() -> None:
    deadline = Deadline.from_context(FakeContext(timeout_ms=3000))
    assert 2.0 < deadline.seconds_left(margin_ms=500) <= 2.5
    assert deadline.seconds_left(margin_ms=10_000) == 0.0
    assert Deadline(None).seconds_left(margin_ms=500) == math.inf
    with pytest.raises(
        ConfigurationError,
        match=r"^Deadline.seconds_left: margin_ms must be a finite number of milliseconds >= 0, got -1$",
    ):
        deadline.seconds_left(-1)

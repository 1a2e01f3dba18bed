"""The per-invocation state: cold start, deadline, correlation id, isolation."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from lambda_toolkit.core import (
    Call,
    Invocation,
    Middleware,
    clock_of,
    current_invocation,
    get_correlation_id,
    middleware,
    set_correlation_id,
)
from lambda_toolkit.testing import FakeClock, FakeContext


@middleware
def layer() -> Middleware:
    return Middleware("layer")


@layer
def capture(event: Any, context: Any) -> Invocation | None:
    return current_invocation()


def test_only_the_first_invocation_of_the_process_is_a_cold_start() -> None:
    first = capture({}, FakeContext())
    second = capture({}, FakeContext())
    assert first is not None and first.cold_start is True
    assert second is not None and second.cold_start is False


def test_provisioned_concurrency_is_never_a_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")
    invocation = capture({}, FakeContext())
    assert invocation is not None and invocation.cold_start is False


def test_the_deadline_comes_from_the_remaining_time() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=2000, clock=clock)
    clock.advance(ms=500)
    invocation = capture({}, context)
    assert invocation is not None and invocation.deadline is not None
    assert invocation.clock() == clock()  # measured on the context's own clock
    assert invocation.deadline == pytest.approx(clock() + 1.5)
    assert invocation.remaining_ms() == pytest.approx(1500.0)
    assert invocation.elapsed_ms() == 0.0


def test_advancing_the_fake_clock_moves_the_remaining_time_and_the_elapsed_time() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=3000, clock=clock)
    seen: list[tuple[float | None, float]] = []

    @layer
    def handler(event: Any, context: Any) -> None:
        invocation = current_invocation()
        assert invocation is not None
        seen.append((invocation.remaining_ms(), invocation.elapsed_ms()))
        clock.advance(ms=1200)
        seen.append((invocation.remaining_ms(), invocation.elapsed_ms()))

    handler({}, context)
    # pytest.approx equals the floats it wraps, which mypy's strict equality cannot see
    assert seen == [(pytest.approx(3000.0), 0.0), (pytest.approx(1800.0), pytest.approx(1200.0))]  # type: ignore[comparison-overlap]
    assert context.get_remaining_time_in_millis() == 1800


def test_a_real_context_keeps_the_real_monotonic_clock() -> None:
    from unittest.mock import MagicMock

    mock = MagicMock()  # invents any attribute, monotonic() included: not a clock
    mock.get_remaining_time_in_millis.return_value = 1000
    for context in (mock, FakeContext()):
        invocation = capture({}, context)
        assert invocation is not None
    assert clock_of(mock) is time.monotonic
    assert clock_of(FakeContext()) is not time.monotonic


def test_the_shared_fields_start_cleared() -> None:
    invocation = capture({}, FakeContext())
    assert invocation is not None
    assert invocation.interrupted is False
    assert invocation.route is None
    assert invocation.fallback_response is None


def test_a_context_whose_remaining_time_is_unusable_gives_no_deadline() -> None:
    class OddContext(FakeContext):
        def get_remaining_time_in_millis(self) -> Any:
            return "soon"

    class BrokenContext(FakeContext):
        def get_remaining_time_in_millis(self) -> int:
            raise RuntimeError("no clock here")

    for context in (OddContext(), BrokenContext()):
        invocation = capture({}, context)
        assert invocation is not None
        assert invocation.deadline is None
        assert invocation.remaining_ms() is None


def test_state_is_gone_after_the_invocation_and_after_an_error() -> None:
    @layer
    def failing(event: Any, context: Any) -> None:
        assert current_invocation() is not None
        raise ValueError("boom")

    capture({}, FakeContext())
    assert current_invocation() is None
    with pytest.raises(ValueError):
        failing({}, FakeContext())
    assert current_invocation() is None


def test_sequential_invocations_do_not_share_state() -> None:
    @layer
    def handler(event: dict[str, Any], context: Any) -> tuple[str | None, str | None]:
        before = get_correlation_id()
        set_correlation_id(event["id"])
        return before, get_correlation_id()

    assert handler({"id": "a"}, FakeContext()) == (None, "a")
    assert handler({"id": "b"}, FakeContext()) == (None, "b")
    assert get_correlation_id() is None


def test_correlation_id_outside_an_invocation_is_none_and_setting_it_is_harmless() -> None:
    set_correlation_id("ignored")
    assert get_correlation_id() is None


def test_concurrent_invocations_on_threads_are_isolated() -> None:
    barrier = threading.Barrier(8)
    results: dict[str, tuple[str, str | None]] = {}

    @layer
    def handler(event: dict[str, Any], context: Any) -> None:
        set_correlation_id(event["id"])
        barrier.wait(timeout=5)  # every thread has set its id before any reads
        invocation = current_invocation()
        assert invocation is not None
        results[event["id"]] = (invocation.request_id, get_correlation_id())

    threads = [
        threading.Thread(target=handler, args=({"id": f"id-{n}"}, FakeContext(aws_request_id=f"req-{n}")))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {f"id-{n}": (f"req-{n}", f"id-{n}") for n in range(8)}


def test_concurrent_invocations_on_asyncio_tasks_are_isolated() -> None:
    @layer
    async def handler(event: dict[str, Any], context: Any) -> str | None:
        set_correlation_id(event["id"])
        await asyncio.sleep(0.01)
        return get_correlation_id()

    async def main() -> list[str | None]:
        return await asyncio.gather(*(handler({"id": str(n)}, FakeContext()) for n in range(10)))

    assert asyncio.run(main()) == [str(n) for n in range(10)]


def test_a_nested_decorated_call_with_the_same_event_and_context_shares_the_invocation() -> None:
    @layer
    def outer(event: Any, context: Any) -> tuple[Any, Any]:
        mine = current_invocation()
        return mine, capture(event, context)

    mine, inner = outer({}, FakeContext())
    assert mine is inner


def test_hooks_and_plain_functions_inside_an_invocation_see_it() -> None:
    seen: list[Any] = []

    @middleware
    def spy() -> Middleware:
        def before(call: Call) -> None:
            seen.append((call.is_handler_call, call.event, call.context, call.invocation))

        return Middleware("spy", before=before)

    @spy
    def helper(value: int) -> int:
        return value

    @layer
    def handler(event: Any, context: Any) -> int:
        return helper(5)

    assert handler({}, FakeContext()) == 5
    is_handler, event, context, invocation = seen[0]
    assert (is_handler, event, context) == (False, None, None)
    assert invocation is not None

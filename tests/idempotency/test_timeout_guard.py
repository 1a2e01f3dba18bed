"""@idempotent with @timeout_guard: a result the handler returned is stored, a guard's fallback is not.

The guard's margin can pass while the handler still returns its real result (an await
that ends after the margin, a handler on another thread that only gets the cooperative
flag, code that catches the interruption). The caller got that result, so it must be
stored: the next delivery replays it instead of running (charging) again. Only when a
guard answers with its ``on_timeout`` fallback is the key released for the retry.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambda_toolkit.core import InvocationTimeout
from lambda_toolkit.idempotency import COMPLETED, MemoryStore, idempotent
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import Deadline, timeout_guard

UNAVAILABLE = {"statusCode": 503}
# The guards fire 300 ms into the call: well after the handlers' first lines.
TIMEOUT_MS = 1000
MARGIN_MS = 700


def only_record(store: MemoryStore) -> Any:
    assert len(store.records) == 1
    return next(iter(store.records.values()))


def in_thread(fn: Any, *args: Any) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def wait_for_the_flag() -> None:
    """Block (bounded) until the guard's margin has passed and its flag is up."""
    deadline = Deadline.current()
    give_up = time.monotonic() + 5
    while not deadline.interrupted and time.monotonic() < give_up:
        time.sleep(0.005)
    assert deadline.interrupted


def test_an_async_handler_whose_await_ends_after_the_margin_has_its_result_stored(memory_store: MemoryStore) -> None:
    charges: list[int] = []

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    @idempotent(store=memory_store, key="id")
    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        charges.append(event["id"])
        result = {"charged": len(charges)}
        deadline = Deadline.current()
        # The real result is answered even if the guard's signal lands in this task's code.
        try:
            while not deadline.interrupted:
                await asyncio.sleep(0.005)  # the margin passes during an await
            return result
        except InvocationTimeout:
            return result

    assert asyncio.run(handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS))) == {"charged": 1}
    assert only_record(memory_store).status == COMPLETED
    assert asyncio.run(handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS))) == {"charged": 1}
    assert charges == [1]


def test_a_handler_on_another_thread_returning_after_the_flag_has_its_result_stored(
    memory_store: MemoryStore,
) -> None:
    charges: list[int] = []

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        wait_for_the_flag()  # cooperative mode: nothing interrupts this thread
        charges.append(event["id"])
        return {"charged": len(charges)}

    assert in_thread(handler, {"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": 1}
    assert only_record(memory_store).status == COMPLETED
    assert in_thread(handler, {"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": 1}
    assert charges == [1]


def test_a_handler_that_catches_the_interruption_and_returns_has_its_result_stored(memory_store: MemoryStore) -> None:
    charges: list[int] = []

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        charges.append(event["id"])
        try:
            time.sleep(5)  # the guard's signal interrupts this
        except InvocationTimeout:
            pass  # the charge is made: answer it
        return {"charged": len(charges)}

    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": 1}
    assert only_record(memory_store).status == COMPLETED
    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": 1}
    assert charges == [1]


def test_an_inner_guard_answering_with_its_fallback_releases_the_key(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent(store=memory_store, key="id")
    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        if len(runs) == 1:
            time.sleep(5)  # interrupted: the guard answers 503
        return {"charged": True}

    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == UNAVAILABLE
    assert memory_store.records == {}  # the fallback is not the function's result
    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": True}
    assert only_record(memory_store).status == COMPLETED


def test_an_inner_guard_fallback_on_another_thread_releases_the_key(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent(store=memory_store, key="id")
    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        if len(runs) == 1:
            wait_for_the_flag()
            Deadline.current().check()  # raises: the guard answers 503
        return {"charged": True}

    assert in_thread(handler, {"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == UNAVAILABLE
    assert memory_store.records == {}
    assert in_thread(handler, {"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": True}


def test_an_outer_handler_returning_its_own_result_after_an_inner_fallback_stores_it(
    memory_store: MemoryStore,
) -> None:
    """A guarded handler called from an idempotent one answered with its fallback; the outer
    handler went on and returned its own result: that result is stored."""

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=lambda info: UNAVAILABLE)
    def slow_lookup(event: dict[str, Any], context: Any) -> dict[str, Any]:
        time.sleep(5)
        return {"found": True}

    runs: list[int] = []

    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        lookup = slow_lookup(event, context)
        return {"charged": True, "lookup": lookup["statusCode"]}

    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": True, "lookup": 503}
    assert only_record(memory_store).status == COMPLETED
    assert handler({"id": 1}, FakeContext(timeout_ms=TIMEOUT_MS)) == {"charged": True, "lookup": 503}
    assert runs == [1]

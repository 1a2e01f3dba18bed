"""Async handlers under idempotency: store calls off the event loop, waits on asyncio.sleep."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.idempotency import (
    DynamoDBStore,
    IdempotencyInProgressError,
    MemoryStore,
    Record,
    idempotent,
    idempotent_function,
)
from lambda_toolkit.testing import FakeContext
from tests._ticking import Ticker, run_ticking


class GatedStore(MemoryStore):
    """A MemoryStore whose calls each hold until the loop has ticked ``ticks`` more times.

    A call made on the loop's own thread blocks the loop: it never sees a tick, and gives
    up after ``patience`` seconds, recording 0 ticks for that call.
    """

    def __init__(self, ticker_of: Callable[[], Ticker], *, ticks: int = 3, patience: float = 2.0) -> None:
        super().__init__()
        self._ticker_of = ticker_of
        self._ticks = ticks
        self._patience = patience
        self.ticks_during: dict[str, list[int]] = {"acquire": [], "complete": [], "release": []}
        self.request_ids: list[str | None] = []
        self.threads: set[str] = set()

    def _hold(self, operation: str) -> None:
        invocation = current_invocation()
        self.request_ids.append(None if invocation is None else invocation.request_id)
        self.threads.add(threading.current_thread().name)
        ticker = self._ticker_of()
        start = ticker.ticks
        waited = 0.0
        while ticker.ticks < start + self._ticks and waited < self._patience:
            threading.Event().wait(0.005)
            waited += 0.005
        self.ticks_during[operation].append(ticker.ticks - start)

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        self._hold("acquire")
        return super().acquire(record, now_ms)

    def complete(self, record: Record) -> bool:
        self._hold("complete")
        return super().complete(record)

    def release(self, record: Record) -> None:
        self._hold("release")
        super().release(record)


async def until(condition: Callable[[], bool]) -> None:
    """Return once ``condition()`` holds, checking at each turn of the loop."""
    while not condition():
        await asyncio.sleep(0.005)


def test_the_loop_keeps_ticking_while_the_store_calls_are_in_flight() -> None:
    holder: dict[str, Ticker] = {}
    store = GatedStore(lambda: holder["ticker"])
    runs = []

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(event["order_id"])
        return {"status": "created"}

    async def main(ticker: Ticker) -> list[Any]:
        holder["ticker"] = ticker
        first = await handler({"order_id": "o-1"}, FakeContext(aws_request_id="req-1"))
        replay = await handler({"order_id": "o-1"}, FakeContext(aws_request_id="req-2"))
        return [first, replay]

    assert run_ticking(main) == [{"status": "created"}, {"status": "created"}]
    assert runs == ["o-1"]
    # Every store call saw the loop turn while it was in flight: none blocked it.
    assert len(store.ticks_during["acquire"]) == 2 and min(store.ticks_during["acquire"]) >= 3
    assert len(store.ticks_during["complete"]) == 1 and min(store.ticks_during["complete"]) >= 3
    # The store ran in the I/O pool's threads, seeing the invocation it works for.
    assert store.request_ids == ["req-1", "req-1", "req-2"]
    assert all(name.startswith("lambda-toolkit-io") for name in store.threads)


def test_a_failure_releases_the_lock_off_the_loop_and_a_retry_runs() -> None:
    holder: dict[str, Ticker] = {}
    store = GatedStore(lambda: holder["ticker"])
    attempts = []

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("downstream failed")
        return "done"

    async def main(ticker: Ticker) -> str:
        holder["ticker"] = ticker
        with pytest.raises(RuntimeError):
            await handler({"order_id": "o-1"}, FakeContext())
        return await handler({"order_id": "o-1"}, FakeContext())

    assert run_ticking(main) == "done"
    assert len(attempts) == 2
    assert len(store.ticks_during["release"]) == 1 and min(store.ticks_during["release"]) >= 3


def test_a_duplicate_on_the_same_loop_waits_with_asyncio_sleep_and_gets_the_result() -> None:
    # The first invocation can only finish if the loop runs while the duplicate waits: a
    # waiting duplicate that blocked the loop would time out with IdempotencyInProgressError.
    store = MemoryStore()
    runs = []

    @idempotent(store=store, key="order_id", wait=5.0)
    async def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
        runs.append(event["order_id"])
        await asyncio.sleep(0.1)
        return {"order": event["order_id"]}

    async def main(ticker: Ticker) -> list[Any]:
        first = asyncio.create_task(handler({"order_id": "o-1"}, FakeContext()))
        await asyncio.sleep(0.02)  # the first holds the lock
        duplicate = await handler({"order_id": "o-1"}, FakeContext())
        return [await first, duplicate]

    assert run_ticking(main) == [{"order": "o-1"}, {"order": "o-1"}]
    assert runs == ["o-1"]


def test_without_wait_a_concurrent_duplicate_is_refused_as_in_progress() -> None:
    store = MemoryStore()

    finish = asyncio.Event()

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> str:
        await finish.wait()  # holds the lock until the two duplicates have been answered
        return "done"

    async def main(ticker: Ticker) -> list[Any]:
        calls = [asyncio.ensure_future(handler({"order_id": "o-1"}, FakeContext())) for _ in range(3)]
        await asyncio.wait_for(until(lambda: sum(call.done() for call in calls) == 2), timeout=10)
        finish.set()
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = run_ticking(main)
    assert outcomes.count("done") == 1
    assert sum(isinstance(outcome, IdempotencyInProgressError) for outcome in outcomes) == 2


def test_a_cancelled_invocation_releases_its_lock() -> None:
    store = MemoryStore()

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> str:
        await asyncio.sleep(10)
        return "done"

    async def main(ticker: Ticker) -> None:
        task = asyncio.create_task(handler({"order_id": "o-1"}, FakeContext()))
        await asyncio.wait_for(until(lambda: len(store.records) == 1), timeout=10)  # the lock is taken
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_ticking(main)
    assert store.records == {}


def test_idempotent_function_on_an_async_function_runs_once_per_key_off_the_loop() -> None:
    holder: dict[str, Ticker] = {}
    store = GatedStore(lambda: holder["ticker"])
    charged = []

    @idempotent_function(store=store, key="payment_id")
    async def charge(payment: dict[str, Any]) -> dict[str, Any]:
        charged.append(payment["payment_id"])
        await asyncio.sleep(0)
        return {"charged": payment["amount"]}

    async def main(ticker: Ticker) -> list[Any]:
        holder["ticker"] = ticker
        return [
            await charge({"payment_id": "p-1", "amount": 10}),
            await charge({"payment_id": "p-1", "amount": 10}),
            await charge({"payment_id": "p-2", "amount": 5}),
        ]

    assert run_ticking(main) == [{"charged": 10}, {"charged": 10}, {"charged": 5}]
    assert charged == ["p-1", "p-2"]
    assert len(store.ticks_during["acquire"]) == 3 and min(store.ticks_during["acquire"]) >= 3


def test_one_decorator_object_serves_sync_and_async_functions() -> None:
    store = MemoryStore()
    once = idempotent_function(store=store, key="id")

    @once
    def sync_double(item: dict[str, int]) -> int:
        return item["id"] * 2

    @once
    async def async_triple(item: dict[str, int]) -> int:
        return item["id"] * 3

    assert sync_double({"id": 2}) == 4
    assert asyncio.run(async_triple({"id": 2})) == 6
    assert asyncio.run(async_triple({"id": 2})) == 6
    assert len(store.records) == 2


def test_an_async_handler_on_dynamodb_runs_once_for_concurrent_duplicates(dynamodb: Any) -> None:
    store = DynamoDBStore("idempotency", client=dynamodb)
    runs = []

    @idempotent(store=store, key="order_id", wait=10.0)
    async def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
        runs.append(event["order_id"])
        await asyncio.sleep(0.05)
        return {"order": event["order_id"]}

    async def main(ticker: Ticker) -> list[Any]:
        events = [{"order_id": "o-1"}] * 5 + [{"order_id": "o-2"}] * 3
        # A lock lasts until its invocation's deadline: with FakeContext's 3 s default a loaded
        # CI machine once let a lock expire mid-run and a duplicate take it over (as designed).
        outcomes = await asyncio.gather(*(handler(event, FakeContext(timeout_ms=60_000)) for event in events))
        assert ticker.ticks > 0
        return outcomes

    outcomes = run_ticking(main)
    assert outcomes == [{"order": "o-1"}] * 5 + [{"order": "o-2"}] * 3
    assert sorted(runs) == ["o-1", "o-2"]
    items = dynamodb.scan(TableName="idempotency")["Items"]
    assert sorted(item["status"]["S"] for item in items) == ["COMPLETED", "COMPLETED"]


# -- async functions where idempotency calls a sync one ----------------------------------------


async def async_key(data: Any) -> Any:
    return data["order_id"]


async def async_replay(value: Any) -> Any:
    return value


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"key": async_key}, "key"),
        ({"key": "order_id", "payload": async_key}, "payload"),
        ({"key": "order_id", "on_replay": async_replay}, "on_replay"),
    ],
)
def test_an_async_key_payload_or_on_replay_function_is_refused_at_set_up(options: dict[str, Any], option: str) -> None:
    from lambda_toolkit.idempotency import IdempotencyConfigurationError

    with pytest.raises(
        IdempotencyConfigurationError, match=rf"idempotency {option} is called synchronously and cannot be an async"
    ):
        idempotent(store=MemoryStore(), **options)


def test_a_task_cancelled_while_taking_the_lock_releases_it_once_taken() -> None:
    # The store call goes on in its thread after the task is cancelled; the lock it takes
    # must not stay behind until its expiry.
    in_acquire = threading.Event()
    let_go = threading.Event()
    released = threading.Event()

    class SlowAcquire(MemoryStore):
        def acquire(self, record: Record, now_ms: int) -> Record | None:
            in_acquire.set()
            let_go.wait(5.0)
            return super().acquire(record, now_ms)

        def release(self, record: Record) -> None:
            super().release(record)
            released.set()

    store = SlowAcquire()
    runs = []

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        return "done"

    async def main(ticker: Ticker) -> None:
        task = asyncio.create_task(handler({"order_id": "o-1"}, FakeContext()))
        await asyncio.to_thread(in_acquire.wait, 5.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        let_go.set()
        await asyncio.to_thread(released.wait, 5.0)

    run_ticking(main)
    assert runs == []
    assert store.records == {}


def test_an_async_generator_function_is_refused_like_a_generator() -> None:
    # Its result is an async generator object, which no store can keep (nor replay).
    from lambda_toolkit.idempotency import IdempotencyConfigurationError

    @idempotent_function(store=MemoryStore(), key="id")
    async def numbers(item: dict[str, Any]) -> Any:
        yield 1

    with pytest.raises(IdempotencyConfigurationError, match=r"cannot wrap async generator function .*numbers"):
        numbers({"id": 1})


def test_a_lock_taken_after_its_event_loop_closed_is_released() -> None:
    # asyncio.run(asyncio.wait_for(...)) cancels the invocation and closes its loop while
    # the store call is still out: the lock that call then takes must not stay behind.
    in_acquire = threading.Event()
    let_go = threading.Event()
    released = threading.Event()

    class SlowAcquire(MemoryStore):
        def acquire(self, record: Record, now_ms: int) -> Record | None:
            in_acquire.set()
            let_go.wait(5.0)
            return super().acquire(record, now_ms)

        def release(self, record: Record) -> None:
            super().release(record)
            released.set()

    store = SlowAcquire()

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> str:
        return "done"

    async def main() -> None:
        task = asyncio.create_task(handler({"order_id": "o-1"}, FakeContext()))
        await asyncio.to_thread(in_acquire.wait, 5.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())  # the loop is closed; the acquire is still out
    let_go.set()
    assert released.wait(10.0)
    assert store.records == {}

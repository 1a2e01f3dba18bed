"""Concurrency: a bounded thread pool, or bounded in-flight coroutines, with order kept where it matters."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from typing import Any

import pytest

from lambda_toolkit.batch import batch, process_batch, process_batch_async
from lambda_toolkit.core import ConfigurationError, current_invocation
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext

from . import _events


class Tracker:
    """Counts records in flight, overall and per ordering key, and the order they started in."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.active_keys: set[Any] = set()
        self.overlaps: list[Any] = []
        self.started: dict[Any, list[int]] = defaultdict(list)

    def enter(self, key: Any, n: int) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            if key in self.active_keys:
                self.overlaps.append(key)
            self.active_keys.add(key)
            self.started[key].append(n)

    def leave(self, key: Any) -> None:
        with self.lock:
            self.active -= 1
            self.active_keys.discard(key)


def test_the_thread_pool_runs_up_to_concurrency_records_at_once() -> None:
    tracker = Tracker()
    barrier = threading.Barrier(3, timeout=5)

    @batch("sqs", concurrency=3)
    def handler(record: SQSRecord) -> None:
        n = int(record.message_id[1:])
        tracker.enter(n, n)
        if n < 3:
            barrier.wait()  # only passes when three records run at the same time
        time.sleep(0.005)
        tracker.leave(n)

    assert handler(_events.sqs(12), FakeContext()) == {"batchItemFailures": []}
    assert tracker.peak == 3


def test_thread_pool_failures_are_reported_like_sequential_ones() -> None:
    @batch("sqs", concurrency=4)
    def handler(record: SQSRecord) -> None:
        if int(record.message_id[1:]) % 3 == 0:
            raise ValueError("no")

    assert _events.failures(handler(_events.sqs(10), FakeContext())) == ["m0", "m3", "m6", "m9"]


def test_records_on_threads_see_the_invocation() -> None:
    seen: list[Any] = []
    context = FakeContext()

    @batch("sqs", concurrency=2)
    def handler(record: SQSRecord) -> None:
        invocation = current_invocation()
        seen.append(None if invocation is None else invocation.context)

    handler(_events.sqs(4), context)
    assert seen == [context] * 4


def test_fifo_groups_run_concurrently_but_each_in_order() -> None:
    tracker = Tracker()
    groups = ["a", "b", "c", "a", "b", "c", "a", "b", "c"]

    def process(record: SQSRecord) -> None:
        group, n = record.message_group_id, int(record.message_id[1:])
        tracker.enter(group, n)
        time.sleep(0.01)
        tracker.leave(group)

    event = _events.sqs(9, fifo=True, groups=groups)
    outcome = process_batch(event, process, source="sqs", concurrency=3)
    assert outcome.failed_count == 0
    assert tracker.overlaps == []
    assert tracker.started == {"a": [0, 3, 6], "b": [1, 4, 7], "c": [2, 5, 8]}


def test_a_fifo_failure_on_threads_skips_the_rest_of_its_group() -> None:
    groups = ["a", "b", "a", "b", "a"]

    def process(record: SQSRecord) -> None:
        if record.message_id == "m2":
            raise ValueError("no")

    event = _events.sqs(5, fifo=True, groups=groups)
    outcome = process_batch(event, process, source="sqs", concurrency=2, fifo_stop="group")
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m2", "error"), ("m4", "skipped")]


def test_a_fifo_failure_on_threads_stops_every_group_by_default() -> None:
    started: list[str] = []
    groups = ["a", "b", "a", "b", "a", "b"]

    def process(record: SQSRecord) -> None:
        started.append(record.message_id)
        if record.message_id == "m0":
            time.sleep(0.02)
            raise ValueError("no")
        time.sleep(0.05)

    event = _events.sqs(6, fifo=True, groups=groups)
    outcome = process_batch(event, process, source="sqs", concurrency=2, all_failed="report")
    assert outcome.stopped_by == "failure"
    for group in ("a", "b"):  # within each group the reported records are a suffix
        ids = [f"m{i}" for i, g in enumerate(groups) if g == group]
        reported = [i in {f.item_id for f in outcome.failures} for i in ids]
        assert reported == sorted(reported)
    assert "m2" not in started and "m4" not in started


@pytest.mark.parametrize("source", ["kinesis-stream", "dynamodb-stream", "kafka"])
def test_stream_records_run_concurrently_only_across_ordering_keys(source: str) -> None:
    tracker = Tracker()
    keys = ["0", "1", "0", "1", "0", "1", "0", "1"]
    event = _events.make(source, 8, keys=keys)

    def process(record: Any) -> None:
        n = _events.payload_n(source, record)
        tracker.enter(keys[n], n)
        time.sleep(0.01)
        tracker.leave(keys[n])

    outcome = process_batch(event, process, source=source, concurrency=4)  # type: ignore[arg-type]
    assert outcome.failed_count == 0
    assert tracker.overlaps == []
    assert tracker.started == {"0": [0, 2, 4, 6], "1": [1, 3, 5, 7]}


def test_async_records_are_bounded_in_flight() -> None:
    tracker = Tracker()

    async def process(record: SQSRecord) -> str:
        n = int(record.message_id[1:])
        tracker.enter(n, n)
        await asyncio.sleep(0.01)
        tracker.leave(n)
        if n == 4:
            raise ValueError("no")
        return record.message_id

    outcome = process_batch(_events.sqs(10), process, source="sqs", concurrency=3)
    assert tracker.peak == 3
    assert [f.item_id for f in outcome.failures] == ["m4"]
    assert [s.result for s in outcome.successes] == [f"m{i}" for i in range(10) if i != 4]


def test_async_stream_records_keep_their_order_per_key() -> None:
    tracker = Tracker()
    keys = ["0", "1", "0", "1", "0", "1"]
    event = _events.make("kinesis-stream", 6, keys=keys)

    async def process(record: Any) -> None:
        n = _events.payload_n("kinesis-stream", record)
        tracker.enter(keys[n], n)
        await asyncio.sleep(0.005)
        tracker.leave(keys[n])

    process_batch(event, process, source="kinesis-stream", concurrency=4)
    assert tracker.overlaps == []
    assert tracker.started == {"0": [0, 2, 4], "1": [1, 3, 5]}


def test_process_batch_async_runs_inside_an_async_handler() -> None:
    async def process(record: SQSRecord) -> None:
        await asyncio.sleep(0)
        if record.message_id == "m1":
            raise ValueError("no")

    async def handler(event: dict[str, Any]) -> dict[str, Any]:
        outcome = await process_batch_async(event, process, source="sqs", concurrency=2)
        return outcome.response

    assert asyncio.run(handler(_events.sqs(3))) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_process_batch_async_answers_when_interrupted() -> None:
    from lambda_toolkit.core import InvocationTimeout

    async def process(record: SQSRecord) -> None:
        if record.message_id == "m1":
            raise InvocationTimeout()

    outcome = asyncio.run(process_batch_async(_events.sqs(3), process, source="sqs"))
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m1", "interrupted"), ("m2", "deadline")]


def test_process_batch_async_needs_an_async_record_handler() -> None:
    def not_async(record: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match="record_handler must be an async function"):
        asyncio.run(process_batch_async(_events.sqs(1), not_async, source="sqs"))  # type: ignore[arg-type]


def test_an_object_with_an_async_call_is_an_async_record_function() -> None:
    class Processor:
        async def __call__(self, record: SQSRecord) -> str:
            await asyncio.sleep(0)
            return record.message_id

    outcome = process_batch(_events.sqs(2), Processor(), source="sqs")
    assert [s.result for s in outcome.successes] == ["m0", "m1"]


@pytest.mark.parametrize("mode", ["threads", "async"])
def test_concurrent_runs_report_invalid_payloads_errors_and_interruptions(mode: str) -> None:
    from pydantic import BaseModel

    from lambda_toolkit.core import InvocationTimeout
    from lambda_toolkit.testing.events import sqs_event

    class Order(BaseModel):
        quantity: int

    event = sqs_event([{"quantity": 1}, {"quantity": "lots"}, {"quantity": 3}, {"quantity": 4}])
    for i, record in enumerate(event["Records"]):
        record["messageId"] = f"m{i}"

    def process(order: Order) -> None:
        if order.quantity == 3:
            raise ValueError("no")
        if order.quantity == 4:
            time.sleep(0.05)  # the other records are done by then
            raise InvocationTimeout()

    async def process_async(order: Order) -> None:
        if order.quantity == 4:
            await asyncio.sleep(0.05)
            raise InvocationTimeout()
        process(order)

    outcome = process_batch(
        event, process if mode == "threads" else process_async, source="sqs", model=Order, concurrency=2
    )
    reasons = {f.item_id: f.reason for f in outcome.failures}
    assert reasons["m1"] == "invalid"
    assert reasons["m2"] == "error"
    assert reasons["m3"] == "interrupted"
    assert outcome.stopped_by == "timeout"
    assert [s.item_id for s in outcome.successes] == ["m0"]

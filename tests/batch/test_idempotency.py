"""Composition with idempotent_function: a redelivered record is not processed twice."""

from __future__ import annotations

from typing import Any

from lambda_toolkit.batch import batch
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.idempotency import MemoryStore, idempotent_function
from lambda_toolkit.testing import FakeContext

from . import _events


def test_a_redelivered_batch_does_not_process_a_record_twice() -> None:
    store = MemoryStore()
    processed: list[str] = []
    failing = {"m1"}

    @batch("sqs")
    @idempotent_function(store=store, key="messageId")
    def handler(record: SQSRecord) -> str:
        if record.message_id in failing:
            raise ValueError("downstream unavailable")
        processed.append(record.message_id)
        return f"done {record.message_id}"

    event = _events.sqs(3)
    assert handler(event, FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert processed == ["m0", "m2"]

    # Lambda redelivers the failed message; here the whole batch comes again (an at-least-once
    # delivery): only the record that failed runs, the others are replayed from the store
    failing.clear()
    assert handler(event, FakeContext()) == {"batchItemFailures": []}
    assert processed == ["m0", "m2", "m1"]


def test_the_outcome_carries_the_replayed_results() -> None:
    store = MemoryStore()
    outcomes: list[Any] = []

    @batch("sqs", on_outcome=outcomes.append)
    @idempotent_function(store=store, key="messageId")
    def handler(record: SQSRecord) -> str:
        return f"done {record.message_id}"

    event = _events.sqs(2)
    handler(event, FakeContext())
    handler(event, FakeContext())
    assert [s.result for s in outcomes[1].successes] == ["done m0", "done m1"]


def test_idempotency_by_payload_with_a_model() -> None:
    from pydantic import BaseModel

    class Order(BaseModel):
        n: int

    store = MemoryStore()
    processed: list[int] = []

    @batch("sqs", model=Order)
    @idempotent_function(store=store, key="n")
    def handler(order: Order) -> None:
        processed.append(order.n)

    handler(_events.sqs(2), FakeContext())
    handler(_events.sqs(3), FakeContext())  # new message ids, but orders 0 and 1 were done
    assert processed == [0, 1, 2]

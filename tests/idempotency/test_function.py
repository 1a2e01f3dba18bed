"""idempotent_function: any function, keyed on its first argument, results back as their type."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from pydantic import BaseModel, Field

from lambda_toolkit.core import Middleware, middleware
from lambda_toolkit.idempotency import (
    IdempotencySerializationError,
    MemoryStore,
    Record,
    idempotent,
    idempotent_function,
)
from lambda_toolkit.testing import FakeContext


class Order(BaseModel):
    order_id: str = Field(alias="orderId")
    amount: int


class Receipt(BaseModel):
    order_id: str
    charged: int


@dataclasses.dataclass
class Shipment:
    order_id: str
    parcels: list[int]


def test_the_key_applies_to_the_first_argument(memory_store: MemoryStore) -> None:
    runs: list[dict[str, Any]] = []

    @idempotent_function(store=memory_store, key="messageId")
    def process(record: dict[str, Any]) -> str:
        runs.append(record)
        body: str = record["body"]
        return body

    assert process({"messageId": "m1", "body": "a"}) == "a"
    assert process({"messageId": "m1", "body": "b"}) == "a"
    assert process({"messageId": "m2", "body": "c"}) == "c"
    assert len(runs) == 2


def test_a_keyword_only_call_keys_on_the_first_keyword_argument(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent_function(store=memory_store, key="id")
    def process(record: dict[str, Any]) -> int:
        runs.append(1)
        return len(runs)

    assert process(record={"id": 1}) == 1
    assert process(record={"id": 1}) == 1
    assert len(runs) == 1


def test_a_pydantic_argument_is_keyed_by_its_json_dump_with_aliases(memory_store: MemoryStore) -> None:
    runs: list[Order] = []

    @idempotent_function(store=memory_store, key="orderId")
    def charge(order: Order) -> Receipt:
        runs.append(order)
        return Receipt(order_id=order.order_id, charged=order.amount)

    first = charge(Order(orderId="o-1", amount=5))
    again = charge(Order(orderId="o-1", amount=5))
    assert isinstance(again, Receipt)
    assert first == again == Receipt(order_id="o-1", charged=5)
    assert len(runs) == 1


def test_a_dataclass_argument_and_result_round_trip(memory_store: MemoryStore) -> None:
    @idempotent_function(store=memory_store, key="order_id")
    def ship(shipment: Shipment) -> Shipment:
        return Shipment(shipment.order_id, [*shipment.parcels, 99])

    ship(Shipment("o-1", [1]))
    again = ship(Shipment("o-1", [1]))
    assert again == Shipment("o-1", [1, 99])
    assert isinstance(again, Shipment)


def test_a_callable_key_receives_the_argument_as_it_is(memory_store: MemoryStore) -> None:
    seen: list[Any] = []

    def key(order: Order) -> str:
        seen.append(order)
        return order.order_id

    @idempotent_function(store=memory_store, key=key)
    def charge(order: Order) -> int:
        return order.amount

    order = Order(orderId="o-1", amount=5)
    charge(order)
    assert seen == [order]


def test_output_type_overrides_the_annotation(memory_store: MemoryStore) -> None:
    @idempotent_function(store=memory_store, key="id", output_type=Receipt)
    def charge(item: dict[str, Any]) -> Any:
        return Receipt(order_id="o", charged=1)

    charge({"id": 1})
    assert charge({"id": 1}) == Receipt(order_id="o", charged=1)


def test_a_stored_result_that_no_longer_fits_the_type_is_a_serialization_error(memory_store: MemoryStore) -> None:
    @idempotent_function(store=memory_store, key="id", name="charge")
    def before(item: dict[str, Any]) -> dict[str, Any]:
        return {"unrelated": True}

    @idempotent_function(store=memory_store, key="id", name="charge")
    def after(item: dict[str, Any]) -> Receipt:
        raise AssertionError("must not run")

    before({"id": 1})
    with pytest.raises(IdempotencySerializationError, match="charge: the stored result does not fit Receipt"):
        after({"id": 1})


def test_a_type_pydantic_cannot_handle_is_a_clear_error(memory_store: MemoryStore) -> None:
    class Opaque:
        pass

    @idempotent_function(store=memory_store, key="id", output_type=Opaque, name="f")
    def make(item: dict[str, Any]) -> Any:
        return None

    make({"id": 1})
    with pytest.raises(IdempotencySerializationError, match="f: cannot rebuild results of type"):
        make({"id": 1})


def test_inside_an_invocation_the_lock_ends_at_its_deadline(memory_store: MemoryStore) -> None:
    locks: list[Record] = []

    @idempotent_function(store=memory_store, key="id", in_progress_timeout=600)
    def process(record: dict[str, Any]) -> int:
        locks.append(next(iter(memory_store.records.values())))
        return 1

    @middleware
    def lambda_layer() -> Middleware:
        return Middleware("outer")

    @lambda_layer
    def handler(event: dict[str, Any], context: Any) -> int:
        return process(event)

    before_ms = time.time() * 1000
    handler({"id": 1}, FakeContext(timeout_ms=2000))
    assert locks[0].lock_expires_at_ms is not None
    assert before_ms + 1000 <= locks[0].lock_expires_at_ms <= time.time() * 1000 + 2001


def test_outside_an_invocation_the_lock_ends_after_the_in_progress_timeout(memory_store: MemoryStore) -> None:
    locks: list[Record] = []

    @idempotent_function(store=memory_store, key="id", in_progress_timeout=600)
    def process(record: dict[str, Any]) -> int:
        locks.append(next(iter(memory_store.records.values())))
        return 1

    before_ms = time.time() * 1000
    process({"id": 1})
    assert locks[0].lock_expires_at_ms is not None
    assert before_ms + 600_000 <= locks[0].lock_expires_at_ms <= time.time() * 1000 + 600_001


def test_stacked_on_a_handler_decorator_the_two_layers_are_independent(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent_function(store=memory_store, key="id", name="inner")
    def process(record: dict[str, Any]) -> int:
        runs.append(1)
        return len(runs)

    @idempotent(store=memory_store, key="batch", name="outer")
    def handler(event: dict[str, Any], context: Any) -> list[int]:
        return [process(record) for record in event["records"]]

    assert handler({"batch": "b1", "records": [{"id": 1}, {"id": 2}, {"id": 1}]}, FakeContext()) == [1, 2, 1]
    assert handler({"batch": "b2", "records": [{"id": 2}, {"id": 3}]}, FakeContext()) == [2, 3]
    assert len(runs) == 3

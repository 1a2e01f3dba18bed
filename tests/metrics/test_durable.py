"""Metrics in a durable function: a value added by code the SDK replays is not counted
again; each invocation writes what its new code recorded. Run in AWS's local runner."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from lambda_toolkit.metrics import Metrics
from tests._durable import LocalDurableRunner, result_of
from tests.metrics.conftest import EMFStream


def totals(stream: EMFStream, name: str) -> list[float]:
    """The values of ``name`` in each document written, in order."""
    found = []
    for document in stream.documents():
        if name in document:
            value = document[name]
            found.append(sum(value) if isinstance(value, list) else value)
    return found


def test_replayed_code_does_not_count_its_metrics_again() -> None:
    stream = EMFStream()
    metrics = Metrics(namespace="Shop", service="orders", stream=stream)

    def charge(step: StepContext) -> str:
        metrics.add_metric("Charges", "Count", 1)
        return "charged"

    @durable_execution
    @metrics.log_metrics(capture_cold_start=True)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        metrics.add_metric("OrdersReceived", "Count", 1)
        with metrics.single_metric("Received", "Count", 1):
            pass
        outcome: str = context.step(charge, name="charge")
        context.wait(Duration.from_seconds(1), name="cool-off")
        metrics.add_metric("OrdersShipped", "Count", 1)
        return outcome

    assert result_of(LocalDurableRunner(handler).run({})) == "charged"
    # one execution, two invocations: each value counted once, by the invocation that ran it
    assert totals(stream, "OrdersReceived") == [1]
    assert totals(stream, "Received") == [1]
    assert totals(stream, "Charges") == [1]
    assert totals(stream, "OrdersShipped") == [1]
    assert totals(stream, "ColdStart") == [1]  # the first invocation's sandbox only


def test_a_suspended_invocation_writes_what_it_recorded() -> None:
    stream = EMFStream()
    metrics = Metrics(namespace="Shop", service="waits", stream=stream)

    @durable_execution
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: DurableContext) -> None:
        metrics.add_metric("Started", "Count", 1)
        context.wait(Duration.from_seconds(1), name="pause")
        metrics.add_metric("Finished", "Count", 1)

    result_of(LocalDurableRunner(handler).run({}))
    written = [sorted(k for k in document if k in ("Started", "Finished")) for document in stream.documents()]
    assert written == [["Started"], ["Finished"]]


def test_metrics_of_map_items_are_written_by_the_handlers_invocation() -> None:
    stream = EMFStream()
    metrics = Metrics(namespace="Shop", service="map", stream=stream)

    def ship(item_context: DurableContext, item: str, index: int, items: Any) -> str:
        metrics.add_metric("Packed", "Count", 1)
        item_context.wait(Duration.from_seconds(1), name=f"truck-{index}")
        metrics.add_metric("Shipped", "Count", 1)
        return item

    @durable_execution
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: DurableContext) -> list[str]:
        shipped: list[str] = context.map(event["items"], ship, name="ship").get_results()
        return shipped

    assert result_of(LocalDurableRunner(handler).run({"items": ["a", "b", "c"]})) == ["a", "b", "c"]
    # the items run on the SDK's threads; each value is written once, none is lost
    assert sum(totals(stream, "Packed")) == 3
    assert sum(totals(stream, "Shipped")) == 3

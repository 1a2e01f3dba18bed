"""The example worker's traces, as docs/following-a-request.md describes them: one
subsegment per order, annotated with the message id and the correlation id of the
request that queued it (the name the API annotates too)."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import sqs_record
from tests.tracing.conftest import TraceIds, XRayDaemon
from tests.tracing.test_xray import every_subsegment

APP = Path(__file__).resolve().parents[2] / "examples" / "orders"


@pytest.fixture
def worker() -> Iterator[ModuleType]:
    # The example's package is named `orders`, as other tests' throwaway modules may be.
    saved = {name: module for name, module in sys.modules.items() if name == "orders" or name.startswith("orders.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(APP))
    try:
        yield importlib.import_module("orders.worker")
    finally:
        sys.path.remove(str(APP))
        for name in [name for name in sys.modules if name == "orders" or name.startswith("orders.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def _order(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "customer_id": "c-1", "sku": "BOOK-1", "quantity": 1, "total": "12.50"}


@pytest.mark.integration
def test_each_order_of_a_batch_is_a_subsegment_naming_its_request(
    worker: ModuleType, lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    event = {
        "Records": [
            sqs_record(_order("ord-1"), message_id="m-1", message_attributes={"correlation_id": "c0ffee-1"}),
            sqs_record(_order("ord-2"), message_id="m-2", message_attributes={"correlation_id": "c0ffee-2"}),
        ]
    }
    assert worker.fulfil_order(event, FakeContext()) == {"batchItemFailures": []}
    annotated = sorted(
        (document["annotations"].get("RecordId"), document["annotations"].get("CorrelationId"))
        for document in every_subsegment(xray_daemon.drain())
        if document["name"] == "fulfil_order"
    )
    assert annotated == [("m-1", "c0ffee-1"), ("m-2", "c0ffee-2")]


def test_the_api_annotates_the_correlation_id_under_the_workers_name() -> None:
    # One X-Ray filter expression, annotation.CorrelationId = "...", finds both functions'
    # subsegments of a request (the API needs AWS to run: its source is read instead).
    tree = ast.parse((APP / "orders" / "api.py").read_text())
    names = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "put_annotation"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert names == ["CorrelationId"]

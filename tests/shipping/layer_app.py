"""A handler that uses every utility, run from the unzipped layer by test_layer.py.

It is executed in an isolated interpreter whose path holds only the layer and the
packages the Lambda runtime provides, so it must not import anything from the tests.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

from pydantic import BaseModel

from lambda_toolkit.batch import process_batch
from lambda_toolkit.events import parse_event
from lambda_toolkit.idempotency import MemoryStore, idempotent
from lambda_toolkit.logging import Logger
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.parameters import get_secret, set_default_provider
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import sqs_event
from lambda_toolkit.timeout import timeout_guard
from lambda_toolkit.tracing import trace


class Item(BaseModel):
    sku: str
    quantity: int


class StaticSecrets:
    """A SecretProvider answering from memory (no AWS reachable from the layer check)."""

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str:
        return json.dumps({"api_key": "k-123"})

    def get_secrets(self, names: Any) -> Any:
        raise NotImplementedError


logs = io.StringIO()
emf = io.StringIO()
log = Logger(service="layer-check", stream=logs)
metrics = Metrics(namespace="LayerCheck", service="layer-check", stream=emf)
set_default_provider(StaticSecrets())


@trace
def reserve(item: Item) -> None:
    if item.quantity < 0:
        raise ValueError("negative quantity")
    metrics.add_metric("Reserved", "Count", item.quantity)


@log.inject_context
@trace
@timeout_guard(margin_ms=100)
@metrics.log_metrics
@idempotent(store=MemoryStore(), key="Records[0].messageId")
@parse_event
def handler(event: Any, context: Any) -> dict[str, Any]:
    assert get_secret("shop/api", transform="json")["api_key"] == "k-123"
    outcome = process_batch(event.model_dump(by_alias=True), reserve, source="sqs", model=Item, all_failed="report")
    log.info("batch done", failed=len(outcome.failures))
    return outcome.response


event = sqs_event([{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": -1}])
first = handler(event, FakeContext())
replay = handler(event, FakeContext())
assert first == replay, (first, replay)
assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [event["Records"][1]["messageId"]]
assert any(json.loads(line)["message"] == "batch done" for line in logs.getvalue().splitlines())
assert json.loads(emf.getvalue().splitlines()[0])["Reserved"] == 1
sys.stdout.write("layer check: every utility ran\n")

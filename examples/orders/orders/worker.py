"""The queue worker: fulfil each order message; report just the failed ones.

Partial batch failures (batch), a guard that stops before Lambda's timeout and reports
what was left (timeout), JSON logs carrying, for each order, the correlation id of the
request that queued it (logging), one X-Ray subsegment per order naming its message and
correlation ids (tracing), and per-record counts (metrics).
"""

from __future__ import annotations

import os
import time

from lambda_toolkit.batch import BatchOutcome, batch
from lambda_toolkit.logging import Logger
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.timeout import timeout_guard
from lambda_toolkit.tracing import trace
from orders.models import OrderMessage

WAREHOUSE_LIMIT = 100
# Stands in for the warehouse API's response time (the end-to-end tests slow it down).
WAREHOUSE_LATENCY_S = int(os.environ.get("WAREHOUSE_LATENCY_MS", "0")) / 1000

log = Logger(service="orders-worker")
metrics = Metrics(namespace="Orders", service="orders-worker")


def _count(outcome: BatchOutcome) -> None:
    metrics.add_metric("OrdersFulfilled", "Count", len(outcome.successes))
    metrics.add_metric("OrdersFailed", "Count", len(outcome.failures))


@log.inject_context
@timeout_guard(margin_ms=500)
@metrics.log_metrics
@batch("sqs", model=OrderMessage, on_outcome=_count)
@trace  # one subsegment per order, annotated with its RecordId and CorrelationId
def fulfil_order(order: OrderMessage) -> None:
    """Reserve stock for one order; raising fails only this message."""
    if order.quantity > WAREHOUSE_LIMIT:
        raise ValueError(f"quantity {order.quantity} is over the warehouse limit")
    time.sleep(WAREHOUSE_LATENCY_S)
    log.info("order fulfilled", order_id=order.order_id, sku=order.sku)

"""``POST /orders``: validate the request, create the order once per idempotency key,
hand it to the worker through the queue.

Every utility on one handler: routing and the typed body (http), JSON logs with the caller's
correlation id, carried on in the queued message's attributes (logging), X-Ray (tracing), an
OrdersCreated metric (metrics), replays of the same ``Idempotency-Key`` answered from
DynamoDB (idempotency), and the payment provider's key read from Secrets Manager through a
TTL cache (parameters).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

from lambda_toolkit.http import App
from lambda_toolkit.idempotency import DynamoDBStore, idempotent, replayed_header
from lambda_toolkit.logging import Logger, get_correlation_id, propagate_correlation_id
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.parameters import get_secret
from lambda_toolkit.tracing import put_annotation, trace
from orders.models import OrderCreated, OrderMessage, OrderRequest

log = Logger(service="orders")
# The correlation id of each request travels in the messages sent through boto3 (the
# worker's logs show the same id): no attribute written by hand.
propagate_correlation_id()
metrics = Metrics(namespace="Orders", service="orders")
store = DynamoDBStore(os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency"))


def _queue() -> Any:
    # The library's own boto3 session, made on first use: a second session (boto3.client's
    # default one) would load botocore's data again, about 9 MB in every worker process.
    # Its clients also end their calls before the invocation's deadline.
    from lambda_toolkit.core.aws import shared_client

    return shared_client("sqs")


@trace
def _payment_reference(order_id: str) -> str:
    # The secret never leaves this function: not in logs, not in the response.
    secret = get_secret(os.environ.get("PAYMENT_SECRET_NAME", "orders/payment"), transform="json")
    return hashlib.sha256(f"{secret['api_key']}:{order_id}".encode()).hexdigest()[:16]


app = App()


@app.post("/orders", status=201)
def place_order(request: OrderRequest) -> OrderCreated:
    """Create an order from the validated body (a 422 names the failing fields)."""
    order = OrderMessage(
        order_id=f"ord-{uuid.uuid4().hex[:12]}",
        customer_id=request.customer_id,
        sku=request.sku,
        quantity=request.quantity,
        total=request.unit_price * request.quantity,
    )
    reference = _payment_reference(order.order_id)
    _queue().send_message(QueueUrl=os.environ["ORDERS_QUEUE_URL"], MessageBody=order.model_dump_json())
    metrics.add_metric("OrdersCreated", "Count", 1)
    # The request's id beside the metric (Logs Insights) and on the trace (X-Ray filter
    # expressions): metadata and an annotation, never a dimension (one metric per value).
    correlation_id = get_correlation_id()
    metrics.add_metadata("correlation_id", correlation_id)
    put_annotation("CorrelationId", correlation_id)  # the name the worker's subsegments carry
    log.info("order created", order_id=order.order_id, sku=order.sku, quantity=order.quantity)
    return OrderCreated(order_id=order.order_id, total=order.total, payment_reference=reference)


# The Lambda handler: the utilities decorate the app as they would any handler. The
# idempotency key is the request's Idempotency-Key header; a replay is the stored HTTP
# answer, marked with Idempotency-Replayed: true.
@log.inject_context
@trace
@metrics.log_metrics(capture_cold_start=True)
@idempotent(store=store, key='lower_keys(headers)."idempotency-key"', on_replay=replayed_header())
def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer ``POST /orders``; the same ``Idempotency-Key`` gets the same order back."""
    return app(event, context)

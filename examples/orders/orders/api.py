"""``POST /orders``: validate the request, create the order once per idempotency key,
hand it to the worker through the queue.

Every utility on one handler: typed body (events), JSON logs with the caller's
correlation id (logging), X-Ray (tracing), an OrdersCreated metric (metrics), replays of
the same ``Idempotency-Key`` answered from DynamoDB (idempotency), and the payment
provider's key read from Secrets Manager through a TTL cache (parameters).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any

from lambda_toolkit.events import parse_event
from lambda_toolkit.idempotency import DynamoDBStore, idempotent, replayed_header
from lambda_toolkit.logging import Logger, get_correlation_id
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.parameters import get_secret
from lambda_toolkit.tracing import trace
from orders.models import OrderMessage, OrderRequest

log = Logger(service="orders")
metrics = Metrics(namespace="Orders", service="orders")
store = DynamoDBStore(os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency"))

_sqs: Any = None


def _queue() -> Any:
    global _sqs
    if _sqs is None:
        import boto3

        _sqs = boto3.client("sqs")
    return _sqs


@trace
def _payment_reference(order_id: str) -> str:
    # The secret never leaves this function: not in logs, not in the response.
    secret = get_secret(os.environ.get("PAYMENT_SECRET_NAME", "orders/payment"), transform="json")
    return hashlib.sha256(f"{secret['api_key']}:{order_id}".encode()).hexdigest()[:16]


@log.inject_context
@trace
@metrics.log_metrics(capture_cold_start=True)
@idempotent(store=store, key='headers."idempotency-key"', on_replay=replayed_header())
@parse_event(envelope="api-gateway-http", http_errors=422)
def create_order(request: OrderRequest, context: Any) -> dict[str, Any]:
    """Create an order; the same ``Idempotency-Key`` gets the same order back."""
    order = OrderMessage(
        order_id=f"ord-{uuid.uuid4().hex[:12]}",
        customer_id=request.customer_id,
        sku=request.sku,
        quantity=request.quantity,
        total=request.unit_price * request.quantity,
    )
    reference = _payment_reference(order.order_id)
    _queue().send_message(
        QueueUrl=os.environ["ORDERS_QUEUE_URL"],
        MessageBody=order.model_dump_json(),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": get_correlation_id() or ""}},
    )
    metrics.add_metric("OrdersCreated", "Count", 1)
    log.info("order created", order_id=order.order_id, sku=order.sku, quantity=order.quantity)
    body = {"order_id": order.order_id, "total": str(order.total), "payment_reference": reference}
    return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}

"""`POST /orders` with Powertools for AWS Lambda (Python): the same work as
examples/orders/orders/api.py, for a like-for-like cold-start comparison."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.parameters import get_secret
from aws_lambda_powertools.utilities.parser import ValidationError, envelopes, parse
from pydantic import BaseModel, Field

logger = Logger(service="orders")
tracer = Tracer(service="orders")
metrics = Metrics(namespace="Orders", service="orders")
persistence = DynamoDBPersistenceLayer(table_name=os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency"))
config = IdempotencyConfig(event_key_jmespath='headers."idempotency-key"')
sqs = boto3.client("sqs")


class OrderRequest(BaseModel):
    customer_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(gt=0)


class OrderMessage(BaseModel):
    """The queue message, as in the lambda-toolkit version (same models, same work)."""

    order_id: str
    customer_id: str
    sku: str
    quantity: int = Field(gt=0)
    total: Decimal


@logger.inject_lambda_context(correlation_id_path='headers."x-correlation-id"')
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@idempotent(persistence_store=persistence, config=config)
def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = parse(event=event, model=OrderRequest, envelope=envelopes.ApiGatewayV2Envelope)
    except ValidationError as exc:
        return {"statusCode": 422, "body": json.dumps({"errors": exc.errors()}, default=str)}
    order = OrderMessage(
        order_id=f"ord-{uuid.uuid4().hex[:12]}",
        customer_id=request.customer_id,
        sku=request.sku,
        quantity=request.quantity,
        total=request.unit_price * request.quantity,
    )
    order_id, total = order.order_id, order.total
    secret = json.loads(get_secret(os.environ.get("PAYMENT_SECRET_NAME", "orders/payment")))
    reference = hashlib.sha256(f"{secret['api_key']}:{order_id}".encode()).hexdigest()[:16]
    sqs.send_message(
        QueueUrl=os.environ["ORDERS_QUEUE_URL"],
        MessageBody=order.model_dump_json(),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": logger.get_correlation_id() or ""}},
    )
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    logger.info("order created", extra={"order_id": order_id})
    body = {"order_id": order_id, "total": str(total), "payment_reference": reference}
    return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}

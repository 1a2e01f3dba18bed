"""`POST /orders` with no handler library: the same AWS calls and models as the
lambda-toolkit and Powertools versions, written directly on boto3 and pydantic. Its cold
start is the floor both libraries stand on."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from pydantic import BaseModel, Field, ValidationError

TABLE = os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency")
dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
secrets = boto3.client("secretsmanager")


class OrderRequest(BaseModel):
    customer_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(gt=0)


class OrderMessage(BaseModel):
    order_id: str
    customer_id: str
    sku: str
    quantity: int = Field(gt=0)
    total: Decimal


def create_order(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = hashlib.sha256(event["headers"]["idempotency-key"].encode()).hexdigest()
    now = int(time.time())
    dynamodb.put_item(
        TableName=TABLE,
        Item={"id": {"S": key}, "status": {"S": "INPROGRESS"}, "expiration": {"N": str(now + 3600)}},
        ConditionExpression="attribute_not_exists(id)",
    )
    try:
        request = OrderRequest.model_validate_json(event["body"])
    except ValidationError as exc:
        return {"statusCode": 422, "body": json.dumps({"errors": exc.errors()}, default=str)}
    order = OrderMessage(
        order_id=f"ord-{uuid.uuid4().hex[:12]}",
        customer_id=request.customer_id,
        sku=request.sku,
        quantity=request.quantity,
        total=request.unit_price * request.quantity,
    )
    secret = json.loads(secrets.get_secret_value(SecretId=os.environ["PAYMENT_SECRET_NAME"])["SecretString"])
    reference = hashlib.sha256(f"{secret['api_key']}:{order.order_id}".encode()).hexdigest()[:16]
    sqs.send_message(QueueUrl=os.environ["ORDERS_QUEUE_URL"], MessageBody=order.model_dump_json())
    body = {"order_id": order.order_id, "total": str(order.total), "payment_reference": reference}
    response = {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
    dynamodb.update_item(
        TableName=TABLE,
        Key={"id": {"S": key}},
        UpdateExpression="SET #s = :c, #r = :r",
        ExpressionAttributeNames={"#s": "status", "#r": "result"},
        ExpressionAttributeValues={":c": {"S": "COMPLETED"}, ":r": {"S": json.dumps(response)}},
    )
    print(json.dumps({"level": "INFO", "message": "order created", "order_id": order.order_id}))
    return response

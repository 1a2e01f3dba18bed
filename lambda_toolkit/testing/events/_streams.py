"""Test-event factories for Kinesis, Firehose, DynamoDB Streams, Kafka and Amazon MQ (no pydantic)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from lambda_toolkit.testing.events._common import ACCOUNT_ID, REGION, b64, merge, new_id, payload_bytes

__all__ = [
    "FACTORIES",
    "dynamodb_stream_failure_event",
    "activemq_event",
    "dynamodb_attribute",
    "dynamodb_stream_event",
    "firehose_event",
    "kafka_event",
    "kinesis_event",
    "rabbitmq_event",
]

_SEQUENCE_BASE = 49590338271490256608559692538361571095921575989136588898


def kinesis_event(
    data: Sequence[Any] = ({"hello": "world"},),
    *,
    stream: str = "my-stream",
    partition_key: str = "1",
    shard: str = "shardId-000000000000",
    record: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A Kinesis Data Streams event with one record per item of ``data`` (bytes as they are,
    strings as UTF-8, anything else as JSON), sequence numbers increasing."""
    arrival = time.time()
    records = []
    for index, item in enumerate(data):
        sequence = str(_SEQUENCE_BASE + index)
        entry: dict[str, Any] = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": partition_key,
                "sequenceNumber": sequence,
                "data": b64(item),
                "approximateArrivalTimestamp": round(arrival, 3),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT_ID}:role/lambda-role",
            "awsRegion": REGION,
            "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/{stream}",
        }
        records.append(merge(entry, record or {}))
    return merge({"Records": records}, overrides)


def firehose_event(
    data: Sequence[Any] = ({"hello": "world"},),
    *,
    delivery_stream: str = "my-delivery-stream",
    **overrides: Any,
) -> dict[str, Any]:
    """A Firehose transformation event with one record per item of ``data``."""
    arrival = int(time.time() * 1000)
    event = {
        "invocationId": new_id(),
        "deliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT_ID}:deliverystream/{delivery_stream}",
        "region": REGION,
        "records": [
            {"recordId": f"{index:056d}", "approximateArrivalTimestamp": arrival, "data": b64(item)}
            for index, item in enumerate(data)
        ],
    }
    return merge(event, overrides)


def dynamodb_attribute(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value (``{"N": "1"}``); the inverse of
    ``lambda_toolkit.events.decoding.dynamodb_value``."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Mapping):
        return {"M": {str(k): dynamodb_attribute(v) for k, v in value.items()}}
    if isinstance(value, (set, frozenset)):
        items = sorted(value, key=repr)
        if all(isinstance(item, str) for item in items):
            return {"SS": items}
        if all(isinstance(item, (bytes, bytearray)) for item in items):
            return {"BS": [base64.b64encode(item).decode("ascii") for item in items]}
        return {"NS": [str(item) for item in items]}
    if isinstance(value, (list, tuple)):
        return {"L": [dynamodb_attribute(item) for item in value]}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def dynamodb_stream_event(
    changes: Sequence[Mapping[str, Any]] = ({"new": {"id": "1", "name": "example"}},),
    *,
    key: str | Sequence[str] = "id",
    table: str = "my-table",
    view_type: str = "NEW_AND_OLD_IMAGES",
    **overrides: Any,
) -> dict[str, Any]:
    """A DynamoDB Streams event, one record per change ``{"new": item, "old": item}`` (Python
    values). Only ``new`` is an INSERT, both a MODIFY, only ``old`` a REMOVE; ``key`` names the
    key attributes taken from the item."""
    key_names = [key] if isinstance(key, str) else list(key)
    created = int(time.time())
    records = []
    for index, change in enumerate(changes):
        new, old = change.get("new"), change.get("old")
        item = new if new is not None else old
        if item is None:
            raise ValueError("each change needs a 'new' or an 'old' item")
        name = "MODIFY" if new is not None and old is not None else "INSERT" if new is not None else "REMOVE"
        stream: dict[str, Any] = {
            "ApproximateCreationDateTime": created,
            "Keys": {k: dynamodb_attribute(item[k]) for k in key_names if k in item},
            "SequenceNumber": str(100000000000000000000 + index),
            "SizeBytes": 64,
            "StreamViewType": view_type,
        }
        if new is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            stream["NewImage"] = dynamodb_attribute(new)["M"]
        if old is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            stream["OldImage"] = dynamodb_attribute(old)["M"]
        records.append(
            {
                "eventID": new_id().replace("-", ""),
                "eventName": name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": stream,
                "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table}/stream/2024-01-01T00:00:00",
            }
        )
    return merge({"Records": records}, overrides)


def kafka_event(
    values: Sequence[Any] = ({"hello": "world"},),
    *,
    topic: str = "my-topic",
    partition: int = 0,
    key: Any = None,
    headers: Mapping[str, bytes | str] | None = None,
    self_managed: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """A Kafka event (Amazon MSK, or ``self_managed=True``) with one record per value, offsets 0..n."""
    stamp = int(time.time() * 1000)
    header_list = [
        {name: list(value.encode("utf-8") if isinstance(value, str) else value)}
        for name, value in (headers or {}).items()
    ]
    records = []
    for offset, value in enumerate(values):
        record: dict[str, Any] = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "timestamp": stamp,
            "timestampType": "CREATE_TIME",
            "value": b64(value),
            "headers": header_list,
        }
        if key is not None:
            record["key"] = b64(key)
        records.append(record)
    event: dict[str, Any] = {
        "eventSource": "SelfManagedKafka" if self_managed else "aws:kafka",
        "bootstrapServers": "b-1.my-cluster.abcdef.c2.kafka.us-east-1.amazonaws.com:9092",
        "records": {f"{topic}-{partition}": records},
    }
    if not self_managed:
        event["eventSourceArn"] = f"arn:aws:kafka:{REGION}:{ACCOUNT_ID}:cluster/my-cluster/{new_id()}"
    return merge(event, overrides)


def activemq_event(
    messages: Sequence[Any] = ("Hello from ActiveMQ",),
    *,
    queue: str = "my-queue",
    **overrides: Any,
) -> dict[str, Any]:
    """An Amazon MQ for ActiveMQ event with one text message per item."""
    stamp = int(time.time() * 1000)
    broker = f"b-{new_id()}"
    event = {
        "eventSource": "aws:mq",
        "eventSourceArn": f"arn:aws:mq:{REGION}:{ACCOUNT_ID}:broker:my-broker:{broker}",
        "messages": [
            {
                "messageID": f"ID:{broker}-1.mq.{REGION}.amazonaws.com-37557-1234520418293-4:1:1:1:{index + 1}",
                "messageType": "jms/text-message",
                "timestamp": stamp,
                "deliveryMode": 1,
                "correlationID": "",
                "replyTo": "null",
                "destination": {"physicalName": queue},
                "redelivered": False,
                "type": "",
                "expiration": 0,
                "priority": 0,
                "data": b64(message),
                "brokerInTime": stamp,
                "brokerOutTime": stamp + 1,
                "properties": {},
            }
            for index, message in enumerate(messages)
        ],
    }
    return merge(event, overrides)


def rabbitmq_event(
    messages: Sequence[Any] = ({"hello": "world"},),
    *,
    queue: str = "my-queue",
    virtual_host: str = "/",
    **overrides: Any,
) -> dict[str, Any]:
    """An Amazon MQ for RabbitMQ event with one message per item, on ``queue::virtual_host``."""
    event = {
        "eventSource": "aws:rmq",
        "eventSourceArn": f"arn:aws:mq:{REGION}:{ACCOUNT_ID}:broker:my-broker:b-{new_id()}",
        "rmqMessagesByQueue": {
            f"{queue}::{virtual_host}": [
                {
                    "basicProperties": {
                        "contentType": "text/plain" if isinstance(message, str) else "application/json",
                        "contentEncoding": None,
                        "headers": {},
                        "deliveryMode": 1,
                        "priority": 0,
                        "correlationId": None,
                        "replyTo": None,
                        "expiration": None,
                        "messageId": None,
                        "timestamp": None,
                        "type": None,
                        "userId": "AIDACKCEVSQ6C2EXAMPLE",
                        "appId": None,
                        "clusterId": None,
                        "bodySize": len(payload_bytes(message)),
                    },
                    "redelivered": False,
                    "data": b64(message),
                }
                for message in messages
            ]
        },
    }
    return merge(event, overrides)


def dynamodb_stream_failure_event(
    *,
    table: str = "my-table",
    batch_size: int = 1,
    condition: str = "RetryAttemptsExhausted",
    function_error: str | None = "Unhandled",
    **overrides: Any,
) -> dict[str, Any]:
    """The record an on-failure destination receives when a DynamoDB Streams batch of ``table``
    fails for good (``condition``), locating ``batch_size`` records in one shard."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    first = 100000000000000000000
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error is not None:
        response["functionError"] = function_error
    event = {
        "requestContext": {
            "requestId": new_id(),
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:my-function",
            "condition": condition,
            "approximateInvokeCount": 3,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": now,
        "DDBStreamBatchInfo": {
            "shardId": "shardId-00000001717243200000-0123abcd",
            "startSequenceNumber": str(first),
            "endSequenceNumber": str(first + batch_size - 1),
            "approximateArrivalOfFirstRecord": now,
            "approximateArrivalOfLastRecord": now,
            "batchSize": batch_size,
            "streamArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table}/stream/2024-01-01T00:00:00",
        },
    }
    return merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "kinesis-stream": kinesis_event,
    "kinesis-firehose": firehose_event,
    "dynamodb-stream": dynamodb_stream_event,
    "kafka": kafka_event,
    "activemq": activemq_event,
    "rabbitmq": rabbitmq_event,
    "dynamodb-stream-failure": dynamodb_stream_failure_event,
}

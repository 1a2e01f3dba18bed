"""Batch events for the tests, built with the library's own event factories."""

from __future__ import annotations

from typing import Any

from lambda_toolkit.testing.events import dynamodb_stream_event, kafka_event, kinesis_event, sqs_event

SOURCES = ("sqs", "kinesis-stream", "dynamodb-stream", "kafka")


def sqs(count: int, *, fifo: bool = False, groups: list[str] | None = None) -> dict[str, Any]:
    """``count`` SQS messages with bodies ``{"n": i}`` and ids ``m<i>``; FIFO groups if given."""
    event = sqs_event([{"n": i} for i in range(count)], fifo=fifo)
    for i, record in enumerate(event["Records"]):
        record["messageId"] = f"m{i}"
        if groups is not None:
            record["attributes"]["MessageGroupId"] = groups[i]
    return event


def kinesis(count: int, *, keys: list[str] | None = None) -> dict[str, Any]:
    """``count`` Kinesis records with data ``{"n": i}`` and increasing sequence numbers."""
    event = kinesis_event([{"n": i} for i in range(count)])
    for i, record in enumerate(event["Records"]):
        if keys is not None:
            record["kinesis"]["partitionKey"] = keys[i]
    return event


def dynamodb(count: int, *, keys: list[str] | None = None) -> dict[str, Any]:
    """``count`` DynamoDB INSERTs of items ``{"id": key, "n": i}``."""
    items = [{"new": {"id": keys[i] if keys else f"k{i}", "n": i}} for i in range(count)]
    return dynamodb_stream_event(items)


def kafka(count: int, *, partitions: list[int] | None = None) -> dict[str, Any]:
    """``count`` Kafka records with values ``{"n": i}``, spread over ``partitions`` (default 0)."""
    event = kafka_event([{"n": i} for i in range(count)])
    ((_, records),) = event["records"].items()
    by_partition: dict[str, list[dict[str, Any]]] = {}
    offsets: dict[int, int] = {}
    for i, record in enumerate(records):
        partition = partitions[i] if partitions else 0
        record["partition"] = partition
        record["offset"] = offsets[partition] = offsets.get(partition, -1) + 1
        by_partition.setdefault(f"my-topic-{partition}", []).append(record)
    event["records"] = by_partition
    return event


def make(source: str, count: int, *, keys: list[str] | None = None) -> dict[str, Any]:
    """``count`` records of ``source``; ``keys`` are ordering keys (FIFO is not made here)."""
    if source == "sqs":
        return sqs(count)
    if source == "kinesis-stream":
        return kinesis(count, keys=keys)
    if source == "dynamodb-stream":
        return dynamodb(count, keys=keys)
    return kafka(count, partitions=[int(k) for k in keys] if keys else None)


def raw_records(source: str, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of ``event`` in batch order."""
    if source == "kafka":
        return [record for batch in event["records"].values() for record in batch]
    return list(event["Records"])


def item_id(source: str, record: dict[str, Any]) -> Any:
    """The itemIdentifier Lambda expects for ``record``."""
    if source == "sqs":
        return record["messageId"]
    if source == "kinesis-stream":
        return record["kinesis"]["sequenceNumber"]
    if source == "dynamodb-stream":
        return record["dynamodb"]["SequenceNumber"]
    return {"partition": f"{record['topic']}-{record['partition']}", "offset": record["offset"]}


def payload_n(source: str, record: Any) -> int:
    """The ``n`` of a typed record's payload."""
    if source == "sqs":
        return int(record.json_body()["n"])
    if source == "kinesis-stream":
        return int(record.json_data()["n"])
    if source == "dynamodb-stream":
        return int(record.new_item["n"])
    return int(record.json_value()["n"])


def failures(response: dict[str, Any]) -> list[Any]:
    """The item identifiers of a batch response."""
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]

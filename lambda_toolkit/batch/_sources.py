"""The four batch sources: how to find the records of an event, their ids, their order.

Each source knows how to check that an event really is one of its batches, how to name a
record in ``batchItemFailures``, which records must keep their relative order (a FIFO
message group, a Kinesis partition key, a DynamoDB item, a Kafka partition) and where the
business payload of a record is.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

from lambda_toolkit.batch._errors import BatchSourceError, MissingItemIdError
from lambda_toolkit.batch._outcome import ItemId

__all__ = ["SOURCES", "PayloadError", "Source", "SourceSpec", "source_spec"]

Source = Literal["sqs", "kinesis-stream", "dynamodb-stream", "kafka"]
"""The trigger names accepted by ``batch()`` (the names of ``lambda_toolkit.events``)."""

_KAFKA_EVENT_SOURCES = frozenset({"aws:kafka", "SelfManagedKafka"})


class PayloadError(Exception):
    """A record's payload cannot even be decoded (bad base64); ``path`` names the field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class SourceSpec:
    """How one trigger lays out a batch. Subclasses fill in the per-source parts."""

    name: str = ""
    event_source: str = ""
    id_field: str = ""
    ordered: bool = True

    def records(self, event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The records of ``event``, checked to be a non-empty batch of this source."""
        records = event.get("Records") if isinstance(event, Mapping) else None
        if not isinstance(records, list):
            raise BatchSourceError(f"{self.name} batch: the event has no 'Records' list; is it a {self.name} event?")
        if not records:
            raise BatchSourceError(f"{self.name} batch: the event has no records")
        expected = self.event_source
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise BatchSourceError(f"{self.name} batch: record {index} is a {type(record).__name__}, not an object")
            found = record.get("eventSource")
            if found != expected:
                raise BatchSourceError(
                    f"{self.name} batch: record {index} has eventSource {_short(found)}, expected {expected!r}"
                )
        return records

    def ids(self, records: Sequence[Mapping[str, Any]]) -> list[ItemId]:
        """The ``itemIdentifier`` of every record; raises MissingItemIdError for the first without."""
        raise NotImplementedError

    def is_fifo(self, records: Sequence[Mapping[str, Any]]) -> bool:
        """True for an SQS FIFO queue (only SQS has them)."""
        return False

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        """Records with the same key keep their relative order (never run concurrently)."""
        raise NotImplementedError

    def checkpoint_key(self, record: Mapping[str, Any]) -> Hashable:
        """Records sharing a checkpoint (a Kinesis or DynamoDB shard, a Kafka partition)."""
        return None

    def payload(self, record: Mapping[str, Any]) -> tuple[bool, Any]:
        """The business payload: ``(True, json text or bytes)`` or ``(False, python value)``."""
        raise NotImplementedError

    def _string_ids(
        self, records: Sequence[Mapping[str, Any]], get: Callable[[Mapping[str, Any]], Any]
    ) -> list[ItemId]:
        ids: list[ItemId] = []
        append = ids.append
        for index, record in enumerate(records):
            try:
                value = get(record)
            except (KeyError, TypeError):
                raise MissingItemIdError(self.name, index, self.id_field) from None
            if type(value) is not str or not value:
                raise MissingItemIdError(self.name, index, self.id_field)
            append(value)
        return ids


class _SQS(SourceSpec):
    name = "sqs"
    event_source = "aws:sqs"
    id_field = "messageId"
    ordered = False

    def ids(self, records: Sequence[Mapping[str, Any]]) -> list[ItemId]:
        return self._string_ids(records, lambda record: record["messageId"])

    def is_fifo(self, records: Sequence[Mapping[str, Any]]) -> bool:
        arn = records[0].get("eventSourceARN")
        return isinstance(arn, str) and arn.endswith(".fifo")

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        attributes = record.get("attributes")
        return attributes.get("MessageGroupId") if isinstance(attributes, Mapping) else None

    def payload(self, record: Mapping[str, Any]) -> tuple[bool, Any]:
        body = record.get("body")
        return (True, body) if isinstance(body, str) else (False, body)


def _b64(record: Mapping[str, Any], path: str, value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise PayloadError(path, "not valid base64") from None


class _Kinesis(SourceSpec):
    name = "kinesis-stream"
    event_source = "aws:kinesis"
    id_field = "kinesis.sequenceNumber"

    def ids(self, records: Sequence[Mapping[str, Any]]) -> list[ItemId]:
        return self._string_ids(records, lambda record: record["kinesis"]["sequenceNumber"])

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        kinesis = record.get("kinesis")
        return kinesis.get("partitionKey") if isinstance(kinesis, Mapping) else None

    def payload(self, record: Mapping[str, Any]) -> tuple[bool, Any]:
        data = _b64(record, "kinesis.data", record["kinesis"].get("data"))
        return (data is not None, data)


class _DynamoDB(SourceSpec):
    name = "dynamodb-stream"
    event_source = "aws:dynamodb"
    id_field = "dynamodb.SequenceNumber"

    def ids(self, records: Sequence[Mapping[str, Any]]) -> list[ItemId]:
        return self._string_ids(records, lambda record: record["dynamodb"]["SequenceNumber"])

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        dynamodb = record.get("dynamodb")
        keys = dynamodb.get("Keys") if isinstance(dynamodb, Mapping) else None
        return json.dumps(keys, sort_keys=True, default=str)

    def payload(self, record: Mapping[str, Any]) -> tuple[bool, Any]:
        from lambda_toolkit.batch._images import image_to_python

        image = record["dynamodb"].get("NewImage")
        return (False, None if image is None else image_to_python(image, "dynamodb.NewImage"))


class _Kafka(SourceSpec):
    name = "kafka"
    event_source = "aws:kafka"
    id_field = "topic/partition/offset"

    def records(self, event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        found = event.get("eventSource") if isinstance(event, Mapping) else None
        if found not in _KAFKA_EVENT_SOURCES:
            raise BatchSourceError(
                f"kafka batch: the event has eventSource {_short(found)}, expected 'aws:kafka' or 'SelfManagedKafka'"
            )
        partitions = event.get("records")
        if not isinstance(partitions, Mapping):
            raise BatchSourceError("kafka batch: the event has no 'records' object")
        records: list[Mapping[str, Any]] = []
        for key, batch in partitions.items():
            if not isinstance(batch, list):
                raise BatchSourceError(f"kafka batch: records of {_short(key)} are not a list")
            for record in batch:
                if not isinstance(record, Mapping):
                    raise BatchSourceError(
                        f"kafka batch: record {len(records)} is a {type(record).__name__}, not an object"
                    )
                records.append(record)
        if not records:
            raise BatchSourceError("kafka batch: the event has no records")
        return records

    def ids(self, records: Sequence[Mapping[str, Any]]) -> list[ItemId]:
        ids: list[ItemId] = []
        for index, record in enumerate(records):
            topic, partition, offset = record.get("topic"), record.get("partition"), record.get("offset")
            if not isinstance(topic, str) or not topic:
                raise MissingItemIdError(self.name, index, "topic")
            if type(partition) is not int:
                raise MissingItemIdError(self.name, index, "partition")
            if type(offset) is not int:
                raise MissingItemIdError(self.name, index, "offset")
            ids.append({"partition": f"{topic}-{partition}", "offset": offset})
        return ids

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        return (record.get("topic"), record.get("partition"))

    def checkpoint_key(self, record: Mapping[str, Any]) -> Hashable:
        return self.order_key(record)

    def payload(self, record: Mapping[str, Any]) -> tuple[bool, Any]:
        value = _b64(record, "value", record.get("value"))
        return (value is not None, value)


SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (_SQS(), _Kinesis(), _DynamoDB(), _Kafka())}


def source_spec(source: str, where: str) -> SourceSpec:
    """The spec of ``source``; a ConfigurationError-worthy name is reported by the caller."""
    spec = SOURCES.get(source)
    if spec is None:
        from lambda_toolkit.core.errors import ConfigurationError

        raise ConfigurationError(f"{where}: unknown source {_short(source)}; expected one of {', '.join(SOURCES)}")
    return spec

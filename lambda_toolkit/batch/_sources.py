"""The four batch sources: how to find the records of an event, their ids, their order.

Each source knows how to check that an event really is one of its batches, how to name a
record in ``batchItemFailures``, which records must keep their relative order (a FIFO
message group, a Kinesis partition key, a DynamoDB item, a Kafka partition) and where the
business payload of a record is. Checking a 10,000-record event is one C-speed pass in
the common case; the slow, precise pass only runs to name what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from operator import itemgetter

from lambda_toolkit.batch._errors import BatchSourceError, MissingItemIdError
from lambda_toolkit.core.correlation import DEFAULT_NAMES, id_text, kafka_record_id, sqs_record_id
from lambda_toolkit.core.errors import ConfigurationError

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.batch._types import ItemId

__all__ = ["SOURCES", "SourceSpec", "source_spec"]

_KAFKA_EVENT_SOURCES = ("aws:kafka", "SelfManagedKafka")
_event_source = itemgetter("eventSource")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class SourceSpec:
    """How one trigger lays out a batch. Subclasses fill in the per-source parts."""

    name: str = ""
    event_source: str = ""
    id_field: str = ""
    payload_path: str = ""
    ordered: bool = True

    def records(self, event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The records of ``event``, checked to be a non-empty batch of this source."""
        records = event.get("Records") if isinstance(event, Mapping) else None
        if not isinstance(records, list):
            raise BatchSourceError(f"{self.name} batch: the event has no 'Records' list; is it a {self.name} event?")
        if not records:
            raise BatchSourceError(f"{self.name} batch: the event has no records")
        try:
            if set(map(_event_source, records)) == {self.event_source}:
                return records
        except (KeyError, TypeError, AttributeError):
            pass
        expected = self.event_source
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise BatchSourceError(f"{self.name} batch: record {index} is a {type(record).__name__}, not an object")
            found = record.get("eventSource")
            if found != expected:
                raise BatchSourceError(
                    f"{self.name} batch: record {index} has eventSource {_short(found)}, expected {expected!r}"
                )
        return records  # pragma: no cover - the fast check and this loop agree

    def ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[ItemId]:
        """The ``itemIdentifier`` of every record; raises MissingItemIdError for the first without."""
        try:
            ids: Sequence[ItemId] = self._fast_ids(records)
            "".join(ids)  # type: ignore[arg-type]  # a TypeError names a non-string id, at C speed
            if "" not in ids:
                return ids
        except (KeyError, TypeError):
            pass
        for index, record in enumerate(records):
            try:
                value = self._fast_ids([record])[0]
            except (KeyError, TypeError):
                raise MissingItemIdError(self.name, index, self.id_field) from None
            if not isinstance(value, str) or not value:
                raise MissingItemIdError(self.name, index, self.id_field)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fast_ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        # a tuple of strings: the garbage collector stops tracking it at its first pass,
        # instead of walking 10,000 ids again in every older-generation collection
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

    def payload(self, record: Mapping[str, Any]) -> Any:
        """The business payload: JSON text or bytes, or an already decoded Python value."""
        raise NotImplementedError

    def correlation_id(self, record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES) -> str | None:
        """The record's own correlation id (``core.correlation``'s rules, the attribute
        ``names`` as ``names_of`` gives them), or None: the invocation's applies. Kinesis
        and DynamoDB Streams records carry none: a Kinesis partition key is a shard key
        many requests share, a stream record describes an item change, not a request."""
        return None

    def record_ids(self, ids: Sequence[ItemId]) -> Sequence[str]:
        """The ids of the records as text (``RecordInFlight.record_id``), by index."""
        return ids  # type: ignore[return-value]  # str for every source but Kafka


class _SQS(SourceSpec):
    name = "sqs"
    event_source = "aws:sqs"
    id_field = "messageId"
    payload_path = "body"
    ordered = False

    def _fast_ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        return tuple(map(itemgetter("messageId"), records))

    def is_fifo(self, records: Sequence[Mapping[str, Any]]) -> bool:
        arn = records[0].get("eventSourceARN")
        return isinstance(arn, str) and arn.endswith(".fifo")

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        attributes = record.get("attributes")
        return attributes.get("MessageGroupId") if isinstance(attributes, Mapping) else None

    def payload(self, record: Mapping[str, Any]) -> Any:
        return record.get("body")

    def correlation_id(self, record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES) -> str | None:
        # the same rules as the logger's for the first record, the message id included
        found = sqs_record_id(record, names)
        return found if found is not None else id_text(record.get("messageId"))


class _Kinesis(SourceSpec):
    name = "kinesis-stream"
    event_source = "aws:kinesis"
    id_field = "kinesis.sequenceNumber"
    payload_path = "kinesis.data"

    def _fast_ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        return tuple([record["kinesis"]["sequenceNumber"] for record in records])

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        kinesis = record.get("kinesis")
        return kinesis.get("partitionKey") if isinstance(kinesis, Mapping) else None

    def payload(self, record: Mapping[str, Any]) -> Any:
        from lambda_toolkit.events.decoding import b64decode

        return b64decode(record["kinesis"].get("data"), "kinesis.data", source=self.name)


class _DynamoDB(SourceSpec):
    name = "dynamodb-stream"
    event_source = "aws:dynamodb"
    id_field = "dynamodb.SequenceNumber"
    payload_path = "dynamodb.NewImage"

    def _fast_ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        return tuple([record["dynamodb"]["SequenceNumber"] for record in records])

    def order_key(self, record: Mapping[str, Any]) -> Hashable:
        dynamodb = record.get("dynamodb")
        keys = dynamodb.get("Keys") if isinstance(dynamodb, Mapping) else None
        return json.dumps(keys, sort_keys=True, default=str)

    def payload(self, record: Mapping[str, Any]) -> Any:
        from lambda_toolkit.events.decoding import dynamodb_item

        image = record["dynamodb"].get("NewImage")
        return None if image is None else dynamodb_item(image, "dynamodb.NewImage", source=self.name)


class _Kafka(SourceSpec):
    name = "kafka"
    event_source = "aws:kafka"
    id_field = "topic/partition/offset"
    payload_path = "value"

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

    def ids(self, records: Sequence[Mapping[str, Any]]) -> Sequence[ItemId]:
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

    def correlation_id(self, record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES) -> str | None:
        return kafka_record_id(record, names)

    def record_ids(self, ids: Sequence[ItemId]) -> Sequence[str]:
        # "<topic>-<partition>:<offset>", the way Kafka tools name a record
        return [f"{item['partition']}:{item['offset']}" for item in ids]  # type: ignore[index]

    def payload(self, record: Mapping[str, Any]) -> Any:
        from lambda_toolkit.events.decoding import b64decode

        value = record.get("value")
        return None if value is None else b64decode(value, "value", source=self.name)


SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (_SQS(), _Kinesis(), _DynamoDB(), _Kafka())}


def source_spec(source: str, where: str) -> SourceSpec:
    """The spec of ``source``; ConfigurationError naming the known ones otherwise."""
    spec = SOURCES.get(source)
    if spec is None:
        raise ConfigurationError(f"{where}: unknown source {_short(source)}; expected one of {', '.join(SOURCES)}")
    return spec

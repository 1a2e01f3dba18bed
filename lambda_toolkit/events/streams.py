"""Models of the stream and broker triggers: Kinesis, Firehose, DynamoDB Streams, Kafka, Amazon MQ.

``DynamoDBStreamFailureEvent`` is the record Lambda sends to an on-failure destination when a
DynamoDB Streams batch fails for good: which shard and sequence numbers to read again.

Payloads stay encoded when validated. ``data_bytes`` / ``value_bytes`` decode base64 the first
time they are read (then cached), ``json_data()`` parses on demand, and DynamoDB images turn
into Python values (Decimal numbers, sets, bytes) through ``new_item`` / ``old_item`` / ``key``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_pascal

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events.decoding import b64decode, dynamodb_item, json_loads, signed_bytes

if TYPE_CHECKING:
    from lambda_toolkit.events.eventbridge import CloudWatchLogsData
    from lambda_toolkit.events.queues import SQSRecord

__all__ = [
    "ActiveMQDestination",
    "ActiveMQEvent",
    "ActiveMQMessage",
    "DynamoDBStreamBatchInfo",
    "DynamoDBStreamEvent",
    "DynamoDBStreamFailureEvent",
    "FailureRequestContext",
    "FailureResponseContext",
    "DynamoDBStreamRecord",
    "DynamoDBStreamChange",
    "DynamoDBUserIdentity",
    "KafkaEvent",
    "KafkaRecord",
    "KinesisData",
    "KinesisFirehoseEvent",
    "KinesisFirehoseRecord",
    "KinesisFirehoseRecordMetadata",
    "KinesisStreamEvent",
    "KinesisStreamRecord",
    "RabbitMQBasicProperties",
    "RabbitMQEvent",
    "RabbitMQMessage",
    "TumblingWindow",
]


class TumblingWindow(EventModel):
    """The window of a tumbling-window invocation (Kinesis and DynamoDB Streams)."""

    start: datetime
    end: datetime


class _WindowedEvent(EventModel):
    """Fields Lambda adds to stream events when the mapping uses tumbling windows."""

    window: TumblingWindow | None = None
    state: dict[str, Any] | None = None
    shard_id: str | None = None
    event_source_arn: str | None = Field(None, alias="eventSourceARN")
    is_final_invoke_for_window: bool | None = None
    is_window_terminated_early: bool | None = None


# -- Kinesis Data Streams ----------------------------------------------------------------------


class KinesisData(EventModel):
    """The Kinesis part of a record: partition key, sequence number and base64 ``data``."""

    kinesis_schema_version: str | None = None
    partition_key: str
    sequence_number: str
    data: str = Field(repr=False)
    approximate_arrival_timestamp: datetime
    encryption_type: str | None = None


class KinesisStreamRecord(EventModel):
    """One Kinesis record; ``sequence_number`` is the id batch partial failures report."""

    kinesis: KinesisData
    event_source: Literal["aws:kinesis"]
    event_version: str | None = None
    event_id: str = Field(alias="eventID")
    event_name: str | None = None
    invoke_identity_arn: str | None = None
    aws_region: str
    event_source_arn: str = Field(alias="eventSourceARN")

    @property
    def sequence_number(self) -> str:
        """The record's sequence number in its shard."""
        return self.kinesis.sequence_number

    @cached_property
    def data_bytes(self) -> bytes:
        """The record's data, base64-decoded (once)."""
        return b64decode(self.kinesis.data, "kinesis.data", source="kinesis-stream")

    def json_data(self) -> Any:
        """The record's data parsed as JSON."""
        return json_loads(self.data_bytes, "kinesis.data", source="kinesis-stream")

    def cloudwatch_logs(self) -> CloudWatchLogsData:
        """The record's data as a CloudWatch Logs subscription payload (base64, gzip, JSON), validated.

        For streams a CloudWatch Logs subscription filter writes to; ``EventValidationError`` at
        ``kinesis.data`` when the data is not one.
        """
        from lambda_toolkit.events.eventbridge import decode_cloudwatch_logs

        return decode_cloudwatch_logs(self.kinesis.data, "kinesis.data", source="kinesis-stream")


class KinesisStreamEvent(_WindowedEvent):
    """A Kinesis Data Streams event."""

    records: list[KinesisStreamRecord] = Field(alias="Records")


# -- Kinesis Data Firehose ---------------------------------------------------------------------


class KinesisFirehoseRecordMetadata(EventModel):
    """Where a record came from when the delivery stream reads a Kinesis stream."""

    shard_id: str
    partition_key: str
    approximate_arrival_timestamp: datetime
    sequence_number: str
    subsequence_number: int | str | None = None


class KinesisFirehoseRecord(EventModel):
    """One record to transform; ``record_id`` must be echoed in the response."""

    record_id: str
    approximate_arrival_timestamp: datetime
    data: str = Field(repr=False)
    kinesis_record_metadata: KinesisFirehoseRecordMetadata | None = None

    @cached_property
    def data_bytes(self) -> bytes:
        """The record's data, base64-decoded (once)."""
        return b64decode(self.data, "data", source="kinesis-firehose")

    def json_data(self) -> Any:
        """The record's data parsed as JSON."""
        return json_loads(self.data_bytes, "data", source="kinesis-firehose")

    def sqs_record(self) -> SQSRecord:
        """The record's data as an SQS message (a delivery stream fed with SQS messages), validated.

        ``EventValidationError`` at ``data`` (and the field path below it) when it is not one.
        """
        from lambda_toolkit.events._registry import validate
        from lambda_toolkit.events.queues import SQSRecord

        return validate(SQSRecord, self.json_data(), "kinesis-firehose", prefix="data")  # type: ignore[return-value]

    def cloudwatch_logs(self) -> CloudWatchLogsData:
        """The record's data as a CloudWatch Logs subscription payload (base64, gzip, JSON), validated."""
        from lambda_toolkit.events.eventbridge import decode_cloudwatch_logs

        return decode_cloudwatch_logs(self.data, "data", source="kinesis-firehose")


class KinesisFirehoseEvent(EventModel):
    """A Firehose data transformation event."""

    invocation_id: str
    delivery_stream_arn: str
    source_kinesis_stream_arn: str | None = None
    region: str
    records: list[KinesisFirehoseRecord]


# -- DynamoDB Streams --------------------------------------------------------------------------


class DynamoDBStreamChange(EventModel):
    """The change: keys and images as DynamoDB attribute values (see ``DynamoDBStreamRecord``)."""

    model_config = ConfigDict(alias_generator=to_pascal)

    approximate_creation_date_time: datetime | None = None
    keys: dict[str, Any] = Field(default_factory=dict, repr=False)
    new_image: dict[str, Any] | None = Field(None, repr=False)
    old_image: dict[str, Any] | None = Field(None, repr=False)
    sequence_number: str
    size_bytes: int | None = None
    stream_view_type: Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] | None = None


class DynamoDBUserIdentity(EventModel):
    """Who made the change, set for items deleted by TTL (``dynamodb.amazonaws.com``)."""

    type: str
    principal_id: str


class DynamoDBStreamRecord(EventModel):
    """One item change; ``sequence_number`` is the id batch partial failures report."""

    event_id: str = Field(alias="eventID")
    event_name: Literal["INSERT", "MODIFY", "REMOVE"]
    event_version: str | None = None
    event_source: Literal["aws:dynamodb"]
    aws_region: str
    event_source_arn: str = Field(alias="eventSourceARN")
    dynamodb: DynamoDBStreamChange
    user_identity: DynamoDBUserIdentity | None = None

    @property
    def sequence_number(self) -> str:
        """The change's sequence number in its shard."""
        return self.dynamodb.sequence_number

    @cached_property
    def key(self) -> dict[str, Any]:
        """The item's key as Python values."""
        return dynamodb_item(self.dynamodb.keys, "dynamodb.Keys")

    @cached_property
    def new_item(self) -> dict[str, Any] | None:
        """The item after the change as Python values (None when the stream does not carry it)."""
        image = self.dynamodb.new_image
        return None if image is None else dynamodb_item(image, "dynamodb.NewImage")

    @cached_property
    def old_item(self) -> dict[str, Any] | None:
        """The item before the change as Python values (None when the stream does not carry it)."""
        image = self.dynamodb.old_image
        return None if image is None else dynamodb_item(image, "dynamodb.OldImage")


class DynamoDBStreamEvent(_WindowedEvent):
    """A DynamoDB Streams event."""

    records: list[DynamoDBStreamRecord] = Field(alias="Records")


class FailureRequestContext(EventModel):
    """Why the batch went to the destination: ``condition`` (``RetryAttemptsExhausted``,
    ``MaximumRecordAgeExceeded``...) after ``approximate_invoke_count`` invocations."""

    request_id: str
    function_arn: str
    condition: str
    approximate_invoke_count: int


class FailureResponseContext(EventModel):
    """The last invocation's outcome (``function_error`` is ``Unhandled`` or ``Handled``, if any)."""

    status_code: int
    executed_version: str
    function_error: str | None = None


class DynamoDBStreamBatchInfo(EventModel):
    """The failed batch: its shard, first and last sequence numbers, size and stream."""

    shard_id: str
    start_sequence_number: str
    end_sequence_number: str
    approximate_arrival_of_first_record: datetime
    approximate_arrival_of_last_record: datetime
    batch_size: int
    stream_arn: str


class DynamoDBStreamFailureEvent(EventModel):
    """A DynamoDB Streams on-failure destination record (delivered to SQS, SNS, S3 or Lambda).

    It locates the records, it does not carry them: read them again from the stream with
    ``batch_info`` (``GetShardIterator`` at ``start_sequence_number``) while they are retained.
    """

    trigger: ClassVar[str] = "dynamodb-stream-failure"

    version: str
    timestamp: datetime
    request_context: FailureRequestContext
    response_context: FailureResponseContext
    batch_info: DynamoDBStreamBatchInfo = Field(alias="DDBStreamBatchInfo")


# -- Kafka (Amazon MSK and self-managed) -------------------------------------------------------


class KafkaRecord(EventModel):
    """One Kafka record; key and value are base64 (either may be absent, e.g. tombstones)."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime
    timestamp_type: str | None = None
    key: str | None = Field(None, repr=False)
    value: str | None = Field(None, repr=False)
    headers: list[dict[str, list[int]]] = Field(default_factory=list)

    @property
    def record_id(self) -> str:
        """``topic-partition@offset``, unique within a cluster."""
        return f"{self.topic}-{self.partition}@{self.offset}"

    @cached_property
    def key_bytes(self) -> bytes | None:
        """The record key, base64-decoded (None without a key)."""
        return None if self.key is None else b64decode(self.key, "key", source="kafka")

    @cached_property
    def value_bytes(self) -> bytes | None:
        """The record value, base64-decoded (None for a record without a value)."""
        return None if self.value is None else b64decode(self.value, "value", source="kafka")

    def json_value(self) -> Any:
        """The value parsed as JSON."""
        raw = self.value_bytes
        return json_loads(b"null" if raw is None else raw, "value", source="kafka")

    def header(self, name: str) -> bytes | None:
        """The first header called ``name`` as bytes (Kafka sends signed byte values)."""
        for index, header in enumerate(self.headers):
            if name in header:
                return signed_bytes(header[name], f"headers.{index}.{name}", source="kafka")
        return None

    @cached_property
    def decoded_headers(self) -> dict[str, bytes]:
        """Every header as bytes (the last one wins when a name repeats)."""
        decoded: dict[str, bytes] = {}
        for index, header in enumerate(self.headers):
            for name, values in header.items():
                decoded[name] = signed_bytes(values, f"headers.{index}.{name}", source="kafka")
        return decoded


class KafkaEvent(EventModel):
    """A Kafka event from Amazon MSK (``aws:kafka``) or a self-managed cluster (``SelfManagedKafka``,
    also spelled ``aws:SelfManagedKafka``).

    ``records`` maps ``topic-partition`` to that partition's records; ``all_records()`` walks them.
    """

    event_source: Literal["aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"]
    event_source_arn: str | None = None
    bootstrap_servers: str | None = None
    records: dict[str, list[KafkaRecord]]

    def all_records(self) -> Iterator[KafkaRecord]:
        """Every record, partition by partition."""
        for records in self.records.values():
            yield from records


# -- Amazon MQ ---------------------------------------------------------------------------------


class ActiveMQDestination(EventModel):
    """The queue a message was sent to."""

    physical_name: str


class ActiveMQMessage(EventModel):
    """One ActiveMQ message; ``data`` is base64."""

    message_id: str = Field(alias="messageID")
    message_type: str | None = None
    timestamp: datetime | None = None
    delivery_mode: int | None = None
    correlation_id: str | None = Field(None, alias="correlationID")
    reply_to: str | None = None
    destination: ActiveMQDestination | None = None
    redelivered: bool | None = None
    type: str | None = None
    expiration: int | None = None
    priority: int | None = None
    data: str | None = Field(None, repr=False)
    broker_in_time: datetime | None = None
    broker_out_time: datetime | None = None
    properties: dict[str, Any] | None = None

    @cached_property
    def data_bytes(self) -> bytes:
        """The message body, base64-decoded (empty when there is none)."""
        return b"" if self.data is None else b64decode(self.data, "data", source="activemq")

    def json_data(self) -> Any:
        """The message body parsed as JSON."""
        return json_loads(self.data_bytes, "data", source="activemq")


class ActiveMQEvent(EventModel):
    """An Amazon MQ for ActiveMQ event (``eventSource`` is ``aws:mq``; AWS's guide also writes ``aws:amq``)."""

    event_source: Literal["aws:mq", "aws:amq"]
    event_source_arn: str
    messages: list[ActiveMQMessage]


class RabbitMQBasicProperties(EventModel):
    """AMQP basic properties of a RabbitMQ message."""

    content_type: str | None = None
    content_encoding: str | None = None
    headers: dict[str, Any] | None = None
    delivery_mode: int | None = None
    priority: int | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    expiration: str | None = None
    message_id: str | None = None
    timestamp: str | None = None
    type: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    cluster_id: str | None = None
    body_size: int | None = None


class RabbitMQMessage(EventModel):
    """One RabbitMQ message; ``data`` is base64."""

    basic_properties: RabbitMQBasicProperties
    redelivered: bool | None = None
    data: str | None = Field(None, repr=False)

    @cached_property
    def data_bytes(self) -> bytes:
        """The message body, base64-decoded (empty when there is none)."""
        return b"" if self.data is None else b64decode(self.data, "data", source="rabbitmq")

    def json_data(self) -> Any:
        """The message body parsed as JSON."""
        return json_loads(self.data_bytes, "data", source="rabbitmq")


class RabbitMQEvent(EventModel):
    """An Amazon MQ for RabbitMQ event: ``rmq_messages_by_queue`` maps ``queue::vhost`` to messages.

    ``eventSource`` is ``aws:rmq`` (``aws:rabbitmq`` is accepted too).
    """

    event_source: Literal["aws:rmq", "aws:rabbitmq"]
    event_source_arn: str
    rmq_messages_by_queue: dict[str, list[RabbitMQMessage]]

    def all_messages(self) -> Iterator[RabbitMQMessage]:
        """Every message, queue by queue."""
        for messages in self.rmq_messages_by_queue.values():
            yield from messages

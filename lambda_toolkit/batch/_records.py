"""Typed records that read the event's dict directly and validate only on demand.

Without ``model=``, the record function receives a light record: a plain slotted object
holding the raw record dict. Its fields read that dict (``record.body`` is
``raw["body"]``, checked to be a string), so a batch of 10,000 records neither imports
pydantic nor validates anything it does not read. It stands in for the trigger's model
from ``lambda_toolkit.events`` (``SQSRecord``, ``KinesisStreamRecord``,
``DynamoDBStreamRecord``, ``KafkaRecord``): ``isinstance(record, SQSRecord)`` holds, and
everything the light record does not answer itself (typed attributes, nested models,
``model_dump``...) is read from the validated model, made the first time it is needed
(``record.to_model()`` returns it). A field that is missing or of the wrong type, and any
record that does not fit its model when the model is made, raises
``RecordValidationError``: the batch reports the record as invalid.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping

from lambda_toolkit.batch._errors import RecordValidationError

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.batch._types import ItemId

__all__ = [
    "DynamoDBBatchRecord",
    "KafkaBatchRecord",
    "KinesisBatchRecord",
    "LightRecord",
    "RecordConverter",
    "SQSBatchRecord",
    "record_converter",
]

_MISSING: Any = object()


def _record_id(source: str, raw: Mapping[str, Any]) -> ItemId:
    try:
        if source == "sqs":
            return str(raw["messageId"])
        if source == "kinesis-stream":
            return str(raw["kinesis"]["sequenceNumber"])
        if source == "dynamodb-stream":
            return str(raw["dynamodb"]["SequenceNumber"])
        return {"partition": f"{raw['topic']}-{raw['partition']}", "offset": raw["offset"]}
    except (KeyError, TypeError):
        return "<unknown>"


@functools.cache
def _model_class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def _validate(record: LightRecord) -> Any:
    """The record's model, validated from its raw dict (RecordValidationError if it does not fit)."""
    cls = type(record)
    model = _model_class(cls._module, cls._model_name)
    from pydantic import ValidationError

    raw = record._raw
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [
            (".".join(str(part) for part in error["loc"]), error["msg"])
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        raise RecordValidationError(cls._source, _record_id(cls._source, raw), cls._model_name, errors) from None


def _field(key: str, name: str, kind: type, *, optional: bool = False, default: Any = _MISSING) -> property:
    """A field read from the raw dict: the value when it has the expected type, else the
    model's (validated: RecordValidationError when the record does not fit)."""

    def read(self: LightRecord) -> Any:
        value = self._raw.get(key, _MISSING)
        if value.__class__ is kind:
            return value
        if value is _MISSING and default is not _MISSING:
            return default() if callable(default) else default
        if optional and (value is None or value is _MISSING):
            return None
        return getattr(self.to_model(), name)

    return property(read, doc=f"``{key}`` of the raw record.")


def _nested(outer: str, key: str, name: str, kind: type) -> property:
    """A field of a nested object (``kinesis.sequenceNumber``), read from the raw dict."""

    def read(self: LightRecord) -> Any:
        part = self._raw.get(outer)
        value = part.get(key, _MISSING) if part.__class__ is dict else _MISSING
        if value.__class__ is kind:
            return value
        return getattr(self.to_model(), name)

    return property(read, doc=f"``{outer}.{key}`` of the raw record.")


_PROTECTED = frozenset(("_raw", "_model"))


class LightRecord:
    """A batch record read from its raw dict; the model is validated only when needed.

    Made by the processor only: ``cls()`` then the raw dict written into ``_raw``. Build
    records of your own with the public models (``SQSRecord.model_validate(...)``).
    """

    __slots__ = ("_model", "_raw")
    _raw: Mapping[str, Any]
    _source = ""
    _module = ""
    _model_name = ""

    @property  # type: ignore[misc]
    def __class__(self) -> type[Any]:
        return _model_class(type(self)._module, type(self)._model_name)  # type: ignore[no-any-return]

    @property
    def raw(self) -> Mapping[str, Any]:
        """The record as Lambda sent it (the event's own dict: do not change it)."""
        return self._raw

    def to_model(self) -> Any:
        """The record validated into its model (once); RecordValidationError when it does not fit."""
        try:
            return self._model
        except AttributeError:
            model = _validate(self)
            _set_model(self, model)
            return model

    def __getattr__(self, name: str) -> Any:
        # Reached only for what the light record does not answer itself.
        if name in _PROTECTED or (name[:2] == "__" and not name.startswith(("__pydantic", "__dict__"))):
            raise AttributeError(name)
        return getattr(self.to_model(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self)._model_name} is frozen: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LightRecord):
            other = other.to_model()
        return bool(self.to_model() == other)

    def __hash__(self) -> int:
        return hash(self.to_model())

    def __repr__(self) -> str:
        try:
            return repr(self.to_model())
        except RecordValidationError:  # never the payload: the id only
            return f"<{type(self)._model_name} {_record_id(type(self)._source, self._raw)!r} (not valid)>"

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        # pickles (and copies) as the plain model
        return (_identity, (self.to_model(),))


def _identity(value: Any) -> Any:
    return value


_set_raw: Callable[[Any, Any], None] = LightRecord.__dict__["_raw"].__set__
_set_model: Callable[[Any, Any], None] = LightRecord.__dict__["_model"].__set__


class SQSBatchRecord(LightRecord):
    """An SQS message of a batch, standing in for ``lambda_toolkit.events.SQSRecord``."""

    __slots__ = ()
    _source = "sqs"
    _module = "lambda_toolkit.events.queues"
    _model_name = "SQSRecord"

    message_id = _field("messageId", "message_id", str)
    receipt_handle = _field("receiptHandle", "receipt_handle", str)
    body = _field("body", "body", str)
    attributes = _field("attributes", "attributes", dict)
    message_attributes = _field("messageAttributes", "message_attributes", dict, default=dict)
    md5_of_body = _field("md5OfBody", "md5_of_body", str, optional=True)
    md5_of_message_attributes = _field("md5OfMessageAttributes", "md5_of_message_attributes", str, optional=True)
    event_source = _field("eventSource", "event_source", str)
    event_source_arn = _field("eventSourceARN", "event_source_arn", str)
    aws_region = _field("awsRegion", "aws_region", str)

    def json_body(self) -> Any:
        """The body parsed as JSON (``EventValidationError`` at ``body`` when it is not JSON)."""
        from lambda_toolkit.events.decoding import json_loads

        return json_loads(self.body, "body", source="sqs")

    @property
    def queue_name(self) -> str:
        """The queue's name, the last part of ``event_source_arn``."""
        return str(self.event_source_arn).rpartition(":")[2]


class KinesisBatchRecord(LightRecord):
    """A Kinesis record of a batch, standing in for ``lambda_toolkit.events.KinesisStreamRecord``."""

    __slots__ = ()
    _source = "kinesis-stream"
    _module = "lambda_toolkit.events.streams"
    _model_name = "KinesisStreamRecord"

    event_source = _field("eventSource", "event_source", str)
    event_id = _field("eventID", "event_id", str)
    aws_region = _field("awsRegion", "aws_region", str)
    event_source_arn = _field("eventSourceARN", "event_source_arn", str)
    sequence_number = _nested("kinesis", "sequenceNumber", "sequence_number", str)
    partition_key = _nested("kinesis", "partitionKey", "partition_key", str)

    @property
    def data_bytes(self) -> bytes:
        """The record's data, base64-decoded."""
        from lambda_toolkit.events.decoding import b64decode

        kinesis = self._raw.get("kinesis")
        data = kinesis.get("data") if kinesis.__class__ is dict else None
        if data.__class__ is not str:
            data = self.to_model().kinesis.data
        return b64decode(data, "kinesis.data", source="kinesis-stream")

    def json_data(self) -> Any:
        """The record's data parsed as JSON."""
        from lambda_toolkit.events.decoding import json_loads

        return json_loads(self.data_bytes, "kinesis.data", source="kinesis-stream")


class DynamoDBBatchRecord(LightRecord):
    """A DynamoDB stream record of a batch, standing in for ``lambda_toolkit.events.DynamoDBStreamRecord``."""

    __slots__ = ()
    _source = "dynamodb-stream"
    _module = "lambda_toolkit.events.streams"
    _model_name = "DynamoDBStreamRecord"

    event_id = _field("eventID", "event_id", str)
    event_name = _field("eventName", "event_name", str)
    event_source = _field("eventSource", "event_source", str)
    aws_region = _field("awsRegion", "aws_region", str)
    event_source_arn = _field("eventSourceARN", "event_source_arn", str)
    sequence_number = _nested("dynamodb", "SequenceNumber", "sequence_number", str)

    def _image(self, key: str, name: str) -> Any:
        from lambda_toolkit.events.decoding import dynamodb_item

        change = self._raw.get("dynamodb")
        image = change.get(key, _MISSING) if change.__class__ is dict else _MISSING
        if image is _MISSING or image is None:
            if change.__class__ is not dict:
                return getattr(self.to_model(), name)  # RecordValidationError
            return None if key != "Keys" else {}
        return dynamodb_item(image, f"dynamodb.{key}")

    @property
    def key(self) -> dict[str, Any]:
        """The item's key as Python values."""
        return self._image("Keys", "key")  # type: ignore[no-any-return]

    @property
    def new_item(self) -> dict[str, Any] | None:
        """The item after the change as Python values (None when the stream does not carry it)."""
        return self._image("NewImage", "new_item")  # type: ignore[no-any-return]

    @property
    def old_item(self) -> dict[str, Any] | None:
        """The item before the change as Python values (None when the stream does not carry it)."""
        return self._image("OldImage", "old_item")  # type: ignore[no-any-return]


class KafkaBatchRecord(LightRecord):
    """A Kafka record of a batch, standing in for ``lambda_toolkit.events.KafkaRecord``."""

    __slots__ = ()
    _source = "kafka"
    _module = "lambda_toolkit.events.streams"
    _model_name = "KafkaRecord"

    topic = _field("topic", "topic", str)
    partition = _field("partition", "partition", int)
    offset = _field("offset", "offset", int)
    key = _field("key", "key", str, optional=True)
    value = _field("value", "value", str, optional=True)

    @property
    def record_id(self) -> str:
        """``topic-partition@offset``, unique within a cluster."""
        return f"{self.topic}-{self.partition}@{self.offset}"

    @property
    def value_bytes(self) -> bytes | None:
        """The record value, base64-decoded (None for a record without a value)."""
        from lambda_toolkit.events.decoding import b64decode

        value = self.value
        return None if value is None else b64decode(value, "value", source="kafka")

    def json_value(self) -> Any:
        """The value parsed as JSON."""
        from lambda_toolkit.events.decoding import json_loads

        raw = self.value_bytes
        return json_loads(b"null" if raw is None else raw, "value", source="kafka")


_CLASSES: dict[str, type[LightRecord]] = {
    cls._source: cls for cls in (SQSBatchRecord, KinesisBatchRecord, DynamoDBBatchRecord, KafkaBatchRecord)
}


class RecordConverter:
    """Wraps each raw record in its light record.

    ``lazy`` (called without arguments) and ``write`` let the sequential loop inline the
    two calls a record costs."""

    __slots__ = ("lazy", "write")

    def __init__(self, source: str) -> None:
        self.lazy: type[LightRecord] = _CLASSES[source]
        self.write: Callable[[Any, Any], None] = _set_raw

    def __call__(self, record: Mapping[str, Any]) -> Any:
        instance = self.lazy()
        self.write(instance, record)
        return instance


def record_converter(source: str) -> RecordConverter:
    """The converter of ``source``'s records."""
    return RecordConverter(source)

"""Envelopes: take the business payload out of a trigger's event and into the user's model.

An envelope knows where a trigger carries the payload (the HTTP body, each SQS body, the SNS
message, the EventBridge detail, each Kinesis record's data...) and how it is encoded. Two
kinds exist:

- ``SingleEnvelope`` (HTTP bodies, EventBridge detail): ``parse(event, Order) -> Order``;
- ``RecordsEnvelope`` (queues and streams): ``parse(event, Order) -> list[Parsed[Order]]``,
  where each ``Parsed`` keeps the record's id (``messageId``, sequence number...) next to
  the payload, because batch partial failures report ids.

The model may be a pydantic model (JSON is parsed and validated in one step by pydantic),
``str`` (the text as is), ``bytes`` (the raw bytes), or any type pydantic can validate
(dataclasses, ``TypedDict``, ``list[int]``...). Errors are ``EventValidationError`` whose
paths point into the event (``Records.3.body.quantity``), never carrying the values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, overload

from lambda_toolkit.events._detect import HTTP_TRIGGERS
from lambda_toolkit.events._errors import EventValidationError
from lambda_toolkit.events.decoding import b64decode, dynamodb_item, gunzip, json_loads, utf8_encode

__all__ = [
    "ALB",
    "API_GATEWAY_HTTP",
    "API_GATEWAY_REST",
    "API_GATEWAY_WEBSOCKET",
    "CLOUDWATCH_LOGS",
    "DYNAMODB_NEW_IMAGE",
    "DYNAMODB_OLD_IMAGE",
    "ENVELOPES",
    "EVENTBRIDGE",
    "FUNCTION_URL",
    "HTTP",
    "KAFKA",
    "KINESIS",
    "KINESIS_FIREHOSE",
    "SNS",
    "SNS_IN_SQS",
    "SQS",
    "VPC_LATTICE",
    "VPC_LATTICE_V2",
    "Envelope",
    "ImageEnvelope",
    "Parsed",
    "RecordsEnvelope",
    "SingleEnvelope",
    "envelope_for",
    "parse_payload",
    "validate_payload",
]

T = TypeVar("T")

# A raw payload as located in the event: (path, value, is_json_text). ``value`` is text or
# bytes to decode (when is_json_text) or an already-decoded object.
_Located = tuple[str, Any, bool]


def _fail(source: str, path: str, message: str) -> EventValidationError:
    return EventValidationError(source, [(path, message)])


@functools.lru_cache(maxsize=256)
def _adapter(model: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(model)


def _is_model_class(model: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(model, type) and issubclass(model, BaseModel)


def validate_payload(model: Any, value: Any, *, json_text: bool, path: str, source: str) -> Any:
    """Turn one located payload into ``model`` (see the module docstring for what a model is).

    ``json_text``: ``value`` is JSON text/bytes to parse; otherwise it is already an object.
    """
    if model is str:
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise _fail(source, path, "not valid UTF-8 text") from None
        if isinstance(value, str):
            return value
        raise _fail(source, path, f"expected text, got {type(value).__name__}")
    if model is bytes:
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return utf8_encode(value, path, source=source)
        raise _fail(source, path, f"expected bytes, got {type(value).__name__}")
    from pydantic import ValidationError

    from lambda_toolkit.events._registry import field_errors

    try:
        if _is_model_class(model):
            if json_text:
                return model.model_validate_json(value)
            return model.model_validate(value)
        adapter = _adapter(model)
        return adapter.validate_json(value) if json_text else adapter.validate_python(value)
    except ValidationError as exc:
        raise EventValidationError(source, field_errors(exc, path)) from None


class Parsed(Generic[T]):
    """One record's payload in the user's model, with the record's id and where it came from.

    ``id`` is what batch partial failures report (SQS ``messageId``, Kinesis/DynamoDB sequence
    number, Firehose ``recordId``...); ``raw`` is the record as AWS sent it; ``record()``
    validates it into the trigger's record model on demand.
    """

    __slots__ = ("_record", "_record_model", "id", "path", "payload", "raw")

    def __init__(
        self, payload: T, id: str | None, raw: Mapping[str, Any], path: str, record_model: tuple[str, str] | None
    ) -> None:
        self.payload = payload
        self.id = id
        self.raw = raw
        self.path = path
        self._record_model = record_model
        self._record: Any = None

    def record(self) -> Any:
        """The record validated into its trigger model (``SQSRecord``, ``KinesisStreamRecord``...)."""
        if self._record is None:
            if self._record_model is None:
                return self.raw
            import importlib

            from lambda_toolkit.events._registry import validate

            module, name = self._record_model
            model = getattr(importlib.import_module(f"lambda_toolkit.events.{module}"), name)
            self._record = validate(model, self.raw, name, self.path)
        return self._record

    def __repr__(self) -> str:
        # a malformed event can put any JSON where the id belongs: never repr a nested value
        shown = repr(self.id) if isinstance(self.id, (str, int, type(None))) else f"<{type(self.id).__name__}>"
        return f"Parsed(id={shown}, path={self.path!r}, payload=<{type(self.payload).__name__}>)"


class Envelope:
    """Where a trigger carries its payload. ``name`` is how ``parse_payload`` and ``parse_event``
    accept it as a string; ``triggers`` are the triggers it applies to."""

    def __init__(self, name: str, triggers: tuple[str, ...]) -> None:
        self.name = name
        self.triggers = triggers

    def __repr__(self) -> str:
        return f"<envelope {self.name}>"


class SingleEnvelope(Envelope):
    """An envelope with one payload per event (an HTTP body, an EventBridge detail)."""

    def __init__(self, name: str, triggers: tuple[str, ...], locate: Callable[[Mapping[str, Any], str], _Located]):
        super().__init__(name, triggers)
        self._locate = locate

    def parse(self, event: Any, model: type[T]) -> T:
        """The payload of ``event`` as ``model``."""
        path, value, json_text = self._locate(_mapping(event, self.name), self.name)
        result: T = validate_payload(model, value, json_text=json_text, path=path, source=self.name)
        return result

    def payload(self, event: Any) -> tuple[str, Any]:
        """``(path, payload)``: the payload of ``event`` as plain JSON values (JSON text
        decoded, no model), and where it sits in the event (``"body"``, ``"detail"``)."""
        path, value, json_text = self._locate(_mapping(event, self.name), self.name)
        return path, json_loads(value, path, source=self.name) if json_text else value


# What a records locator yields for each record: record path, payload path, payload,
# payload is JSON text, record id, the raw record.
_Item = tuple[str, str, Any, bool, "str | None", Mapping[str, Any]]
_RecordsLocator = Callable[[Mapping[str, Any], str], Iterator[_Item]]


class RecordsEnvelope(Envelope):
    """An envelope with one payload per record (queues, streams, log events)."""

    #: A record without a payload (a DynamoDB change without that image) gives None.
    _missing_is_none = False

    def __init__(
        self, name: str, triggers: tuple[str, ...], locate: _RecordsLocator, record_model: tuple[str, str] | None
    ) -> None:
        super().__init__(name, triggers)
        self._locate = locate
        self._record_model = record_model

    def parse(self, event: Any, model: type[T]) -> list[Parsed[T]]:
        """Every record's payload as ``model``, in order, with its id.

        All records are checked; the error lists every failing record's path.
        """
        parsed: list[Parsed[T]] = []
        errors: list[tuple[str, str]] = []
        for record_path, path, value, json_text, record_id, raw in self._locate(_mapping(event, self.name), self.name):
            if value is None and self._missing_is_none:
                parsed.append(Parsed(None, record_id, raw, record_path, self._record_model))  # type: ignore[arg-type]
                continue
            try:
                payload = validate_payload(model, value, json_text=json_text, path=path, source=self.name)
            except EventValidationError as exc:
                errors.extend(exc.errors)
                continue
            parsed.append(Parsed(payload, record_id, raw, record_path, self._record_model))
        if errors:
            raise EventValidationError(self.name, errors)
        return parsed

    def payloads(self, event: Any) -> list[tuple[str, Any]]:
        """``(path, payload)`` of every record, in order, as plain JSON values (JSON text
        decoded, no model); None for a change without the image an ``ImageEnvelope`` reads.

        All records are read; the error lists every record whose payload is not JSON.
        """
        found: list[tuple[str, Any]] = []
        errors: list[tuple[str, str]] = []
        for _, path, value, json_text, _, _ in self._locate(_mapping(event, self.name), self.name):
            if not json_text:
                found.append((path, value))
                continue
            try:
                found.append((path, json_loads(value, path, source=self.name)))
            except EventValidationError as exc:
                errors.extend(exc.errors)
        if errors:
            raise EventValidationError(self.name, errors)
        return found


class ImageEnvelope(RecordsEnvelope):
    """A DynamoDB Streams envelope: the new or old image of each change (None when absent)."""

    _missing_is_none = True

    def parse(self, event: Any, model: type[T]) -> list[Parsed[T | None]]:  # type: ignore[override]
        """Every change's image as ``model`` (None for a change without that image)."""
        return super().parse(event, model)


# -- locating payloads -------------------------------------------------------------------------


def _mapping(value: Any, source: str, path: str = "") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(source, path, f"expected an object, got {type(value).__name__}")
    return value


def _field(container: Mapping[str, Any], key: str, path: str, source: str) -> Any:
    try:
        return container[key]
    except KeyError:
        raise _fail(source, f"{path}.{key}" if path else key, "field required") from None


def _list(value: Any, path: str, source: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(source, path, f"expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, path: str, source: str) -> str:
    if not isinstance(value, str):
        raise _fail(source, path, f"expected a string, got {type(value).__name__}")
    return value


def _http_body(event: Mapping[str, Any], source: str) -> _Located:
    body = event.get("body")
    if body is None:
        raise _fail(source, "body", "the request has no body")
    encoded = event.get("isBase64Encoded", event.get("is_base64_encoded", False))
    if encoded is True:
        return "body", b64decode(body, "body", source=source), True
    return "body", _text(body, "body", source), True


def _detail(event: Mapping[str, Any], source: str) -> _Located:
    return "detail", _field(event, "detail", "", source), False


def _records(event: Mapping[str, Any], key: str, source: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for index, record in enumerate(_list(_field(event, key, "", source), key, source)):
        yield f"{key}.{index}", _mapping(record, source, f"{key}.{index}")


def _sqs(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    for path, record in _records(event, "Records", source):
        body = _text(_field(record, "body", path, source), f"{path}.body", source)
        yield path, f"{path}.body", body, True, record.get("messageId"), record


def _sns(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    for path, record in _records(event, "Records", source):
        sns = _mapping(_field(record, "Sns", path, source), source, f"{path}.Sns")
        message = _text(_field(sns, "Message", f"{path}.Sns", source), f"{path}.Sns.Message", source)
        yield path, f"{path}.Sns.Message", message, True, sns.get("MessageId"), record


def _sns_in_sqs(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    for path, record in _records(event, "Records", source):
        body_path = f"{path}.body"
        notification = _mapping(
            json_loads(_text(_field(record, "body", path, source), body_path, source), body_path, source=source),
            source,
            body_path,
        )
        message = _text(_field(notification, "Message", body_path, source), f"{body_path}.Message", source)
        yield path, f"{body_path}.Message", message, True, record.get("messageId"), record


def _kinesis(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    for path, record in _records(event, "Records", source):
        kinesis = _mapping(_field(record, "kinesis", path, source), source, f"{path}.kinesis")
        data = b64decode(_field(kinesis, "data", f"{path}.kinesis", source), f"{path}.kinesis.data", source=source)
        yield path, f"{path}.kinesis.data", data, True, kinesis.get("sequenceNumber"), record


def _firehose(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    for path, record in _records(event, "records", source):
        data = b64decode(_field(record, "data", path, source), f"{path}.data", source=source)
        yield path, f"{path}.data", data, True, record.get("recordId"), record


def _kafka(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    partitions = _mapping(_field(event, "records", "", source), source, "records")
    for name, records in partitions.items():
        for index, record in enumerate(_list(records, f"records.{name}", source)):
            path = f"records.{name}.{index}"
            record = _mapping(record, source, path)
            data = b64decode(_field(record, "value", path, source), f"{path}.value", source=source)
            record_id = f"{record.get('topic')}-{record.get('partition')}@{record.get('offset')}"
            yield path, f"{path}.value", data, True, record_id, record


def _dynamodb(image: str) -> _RecordsLocator:
    def locate(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
        for path, record in _records(event, "Records", source):
            change = _mapping(_field(record, "dynamodb", path, source), source, f"{path}.dynamodb")
            raw = change.get(image)
            item = None if raw is None else dynamodb_item(raw, f"{path}.dynamodb.{image}", source=source)
            yield path, f"{path}.dynamodb.{image}", item, False, change.get("SequenceNumber"), record

    return locate


def _cloudwatch_logs(event: Mapping[str, Any], source: str) -> Iterator[_Item]:
    awslogs = _mapping(_field(event, "awslogs", "", source), source, "awslogs")
    packed = b64decode(_field(awslogs, "data", "awslogs", source), "awslogs.data", source=source)
    data = _mapping(json_loads(gunzip(packed, "awslogs.data", source=source), "awslogs.data", source=source), source)
    for index, entry in enumerate(_list(data.get("logEvents", []), "awslogs.data.logEvents", source)):
        path = f"awslogs.data.logEvents.{index}"
        entry = _mapping(entry, source, path)
        message = _text(_field(entry, "message", path, source), f"{path}.message", source)
        yield path, f"{path}.message", message, True, entry.get("id"), entry


_HTTP_TRIGGERS = (*sorted(HTTP_TRIGGERS), "api-gateway-websocket")

#: Any HTTP trigger's body (base64-decoded when ``isBase64Encoded``), parsed as JSON.
HTTP = SingleEnvelope("http", _HTTP_TRIGGERS, _http_body)
API_GATEWAY_REST = SingleEnvelope("api-gateway-rest", ("api-gateway-rest",), _http_body)
API_GATEWAY_HTTP = SingleEnvelope("api-gateway-http", ("api-gateway-http",), _http_body)
API_GATEWAY_WEBSOCKET = SingleEnvelope("api-gateway-websocket", ("api-gateway-websocket",), _http_body)
ALB = SingleEnvelope("alb", ("alb",), _http_body)
FUNCTION_URL = SingleEnvelope("function-url", ("function-url",), _http_body)
VPC_LATTICE = SingleEnvelope("vpc-lattice", ("vpc-lattice",), _http_body)
VPC_LATTICE_V2 = SingleEnvelope("vpc-lattice-v2", ("vpc-lattice-v2",), _http_body)
#: The EventBridge ``detail`` object.
EVENTBRIDGE = SingleEnvelope("eventbridge", ("eventbridge", "s3-eventbridge"), _detail)
#: Each SQS message body (JSON); ids are ``messageId``.
SQS = RecordsEnvelope("sqs", ("sqs",), _sqs, ("queues", "SQSRecord"))
#: Each SNS message (JSON); ids are the SNS ``MessageId``.
SNS = RecordsEnvelope("sns", ("sns",), _sns, ("queues", "SNSRecord"))
#: The SNS message inside each SQS body (SNS-to-SQS without raw delivery); ids are SQS ``messageId``.
SNS_IN_SQS = RecordsEnvelope("sns-in-sqs", ("sqs",), _sns_in_sqs, ("queues", "SQSRecord"))
#: Each Kinesis record's data (base64, then JSON); ids are sequence numbers.
KINESIS = RecordsEnvelope("kinesis-stream", ("kinesis-stream",), _kinesis, ("streams", "KinesisStreamRecord"))
#: Each Firehose record's data (base64, then JSON); ids are ``recordId``.
KINESIS_FIREHOSE = RecordsEnvelope(
    "kinesis-firehose", ("kinesis-firehose",), _firehose, ("streams", "KinesisFirehoseRecord")
)
#: Each Kafka record's value (base64, then JSON); ids are ``topic-partition@offset``.
KAFKA = RecordsEnvelope("kafka", ("kafka",), _kafka, ("streams", "KafkaRecord"))
#: Each change's ``NewImage`` as Python values; ids are sequence numbers.
DYNAMODB_NEW_IMAGE = ImageEnvelope(
    "dynamodb-new-image", ("dynamodb-stream",), _dynamodb("NewImage"), ("streams", "DynamoDBStreamRecord")
)
#: Each change's ``OldImage`` as Python values; ids are sequence numbers.
DYNAMODB_OLD_IMAGE = ImageEnvelope(
    "dynamodb-old-image", ("dynamodb-stream",), _dynamodb("OldImage"), ("streams", "DynamoDBStreamRecord")
)
#: Each log event's message (JSON); ids are the log event ids.
CLOUDWATCH_LOGS = RecordsEnvelope("cloudwatch-logs", ("cloudwatch-logs",), _cloudwatch_logs, None)

#: Every envelope by name.
ENVELOPES: dict[str, Envelope] = {
    envelope.name: envelope
    for envelope in (
        HTTP,
        API_GATEWAY_REST,
        API_GATEWAY_HTTP,
        API_GATEWAY_WEBSOCKET,
        ALB,
        FUNCTION_URL,
        VPC_LATTICE,
        VPC_LATTICE_V2,
        EVENTBRIDGE,
        SQS,
        SNS,
        SNS_IN_SQS,
        KINESIS,
        KINESIS_FIREHOSE,
        KAFKA,
        DYNAMODB_NEW_IMAGE,
        DYNAMODB_OLD_IMAGE,
        CLOUDWATCH_LOGS,
    )
}


def envelope_for(envelope: Envelope | str) -> Envelope:
    """The envelope itself, or the one named ``envelope``; ``ConfigurationError`` for an unknown name."""
    if isinstance(envelope, Envelope):
        return envelope
    try:
        return ENVELOPES[envelope]
    except (KeyError, TypeError):
        from lambda_toolkit.core.errors import ConfigurationError

        raise ConfigurationError(f"unknown envelope {envelope!r}; known: {', '.join(ENVELOPES)}") from None


@overload
def parse_payload(event: Any, envelope: ImageEnvelope, model: type[T]) -> list[Parsed[T | None]]: ...
@overload
def parse_payload(event: Any, envelope: RecordsEnvelope, model: type[T]) -> list[Parsed[T]]: ...
@overload
def parse_payload(event: Any, envelope: SingleEnvelope, model: type[T]) -> T: ...
@overload
def parse_payload(event: Any, envelope: str, model: type[T]) -> Any: ...
def parse_payload(event: Any, envelope: Envelope | str, model: type[T]) -> Any:
    """The payload(s) of ``event`` as ``model``: one value for a single envelope, a list of
    ``Parsed`` (payload + record id) for a records envelope."""
    found = envelope_for(envelope)
    if isinstance(found, (SingleEnvelope, RecordsEnvelope)):
        return found.parse(event, model)
    raise TypeError(f"not an envelope: {found!r}")  # pragma: no cover (every envelope is one of the two)

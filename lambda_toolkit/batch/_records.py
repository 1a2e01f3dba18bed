"""Typed records that cost nothing until they are read.

Without ``model=``, the record function receives the trigger's record model from
``lambda_toolkit.events`` (``SQSRecord``, ``KinesisStreamRecord``, ``DynamoDBStreamRecord``,
``KafkaRecord``). Validating 10,000 of them up front costs several microseconds each,
most of it for fields nobody reads, so each record is handed over as an instance of a
subclass of that model which holds the raw dict and validates it the first time any
attribute is read. From then on it is an ordinary, frozen, validated model:
``isinstance(record, SQSRecord)`` holds, equality, hashing, ``model_dump`` and pickling
work, and so do ``model_validate``, ``model_construct`` and ``model_copy`` on its class.
A record that does not fit its model raises ``RecordValidationError`` at that first
read, and the batch reports it as an invalid record. The subclass itself is made to be
instantiated by the processor only (without arguments): build records of your own with
the public model (``SQSRecord(...)``, ``SQSRecord.model_validate(...)``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from lambda_toolkit.batch._errors import RecordValidationError
from lambda_toolkit.batch._outcome import ItemId

__all__ = ["RecordConverter", "record_converter"]

_RECORD_MODELS = {
    "sqs": ("lambda_toolkit.events.queues", "SQSRecord"),
    "kinesis-stream": ("lambda_toolkit.events.streams", "KinesisStreamRecord"),
    "dynamodb-stream": ("lambda_toolkit.events.streams", "DynamoDBStreamRecord"),
    "kafka": ("lambda_toolkit.events.streams", "KafkaRecord"),
}

_STATE = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
_get = object.__getattribute__
_set = object.__setattr__
_new = object.__new__


@functools.cache
def _fields_set_slot() -> Any:
    # Until it is validated, a record keeps its raw dict in the slot pydantic uses for
    # the set of fields set: a plain ``set`` there means "validated". One slot read per
    # attribute access, no extra storage, nothing for pydantic to trip over.
    from pydantic import BaseModel

    return BaseModel.__dict__["__pydantic_fields_set__"]


@functools.cache
def _lazy_class(source: str) -> type[Any]:
    module, name = _RECORD_MODELS[source]
    model: Any = getattr(importlib.import_module(module), name)
    from pydantic import ValidationError

    def materialize(self: Any, raw: Mapping[str, Any]) -> None:
        try:
            real = model.model_validate(raw)
        except ValidationError as exc:
            errors = [
                (".".join(str(part) for part in error["loc"]), error["msg"])
                for error in exc.errors(include_url=False, include_input=False, include_context=False)
            ]
            raise RecordValidationError(source, _record_id(source, raw), name, errors) from None
        for slot in _STATE:
            _set(self, slot, _get(real, slot))

    read_slot = _fields_set_slot().__get__

    def getattribute(self: Any, attribute: str) -> Any:
        raw = read_slot(self)
        if raw.__class__ is not set and attribute != "__class__":  # isinstance() reads __class__
            materialize(self, raw)
        return _get(self, attribute)

    base_eq = model.__eq__

    def equals(self: Any, other: object) -> Any:
        # compare as plain models: pydantic's equality also checks the exact class
        if not isinstance(other, model):
            return NotImplemented
        return base_eq(_plain(self), _plain(other) if type(other) is type(self) else other)

    def reduce(self: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        # pickles (and deep-copies) as the plain model
        return (_rebuild, (model, _plain(self).__getstate__()))

    namespace = {
        "__getattribute__": getattribute,
        "__eq__": equals,
        "__hash__": model.__hash__,
        "__reduce__": reduce,
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "__doc__": model.__doc__,
    }
    lazy: type[Any] = type(model)(name, (model,), namespace)
    # Only the processor makes lazy records: ``lazy()`` is then an empty instance made at
    # C speed (object's own __init__, one call instead of object.__new__'s argument
    # checks), its raw dict written next. Set after the class is built, so that pydantic's
    # own ways of making instances (model_validate, model_construct, model_copy) are
    # unchanged; calling the class with fields is not one of them (use the public model).
    type.__setattr__(lazy, "__init__", object.__init__)
    return lazy


def _plain(record: Any) -> Any:
    """A lazy record (validated by now) as an instance of its plain model."""
    plain: Any = _new(type(record).__mro__[1])
    for slot in _STATE:
        _set(plain, slot, getattr(record, slot))
    return plain


def _rebuild(model: type[Any], state: dict[Any, Any]) -> Any:
    """Unpickle a record as its plain model."""
    record = _new(model)
    record.__setstate__(state)
    return record


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


class RecordConverter:
    """Wraps each raw record in its lazily validated record model.

    ``lazy`` (called without arguments) and ``write`` let the sequential loop inline the
    two calls a record costs."""

    __slots__ = ("lazy", "write")

    def __init__(self, source: str) -> None:
        self.lazy = _lazy_class(source)
        self.write: Callable[[Any, Any], None] = _fields_set_slot().__set__

    def __call__(self, record: Mapping[str, Any]) -> Any:
        instance = self.lazy()
        self.write(instance, record)
        return instance


def record_converter(source: str) -> RecordConverter:
    """The converter of ``source``'s records."""
    return RecordConverter(source)

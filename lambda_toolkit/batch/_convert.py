"""What the record function receives: the record itself, or the user's model of its payload.

With ``model=`` the payload (SQS body, Kinesis data, DynamoDB new image, Kafka value) is
validated with a pydantic ``TypeAdapter`` built once, straight from the JSON text where
there is one (pydantic parses and validates in one pass). A payload that does not fit
becomes a ``RecordValidationError`` naming the record and the field paths, never the
values. pydantic is imported here only when a model is given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from lambda_toolkit.batch._errors import RecordValidationError
from lambda_toolkit.batch._outcome import ItemId
from lambda_toolkit.batch._sources import PayloadError, SourceSpec
from lambda_toolkit.core.errors import ConfigurationError

__all__ = ["Converter", "model_converter"]

Converter = Callable[[Mapping[str, Any], ItemId], Any]
"""Turns a raw record (and its id, for error messages) into what the record function gets."""

_PAYLOAD_PATH = {
    "sqs": "body",
    "kinesis-stream": "kinesis.data",
    "dynamodb-stream": "dynamodb.NewImage",
    "kafka": "value",
}


@functools.lru_cache(maxsize=128)
def _adapter(model: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(model)


def _model_name(model: Any) -> str:
    return getattr(model, "__name__", None) or repr(model)


def model_converter(spec: SourceSpec, model: Any, where: str) -> Converter:
    """A converter validating each record's payload against ``model``."""
    try:
        adapter = _adapter(model)
    except Exception as exc:  # pydantic raises several types for a type it cannot handle
        raise ConfigurationError(f"{where}: model {_model_name(model)} is not a type pydantic can validate") from exc
    from pydantic import ValidationError

    validate_json = adapter.validate_json
    validate_python = adapter.validate_python
    name = _model_name(model)
    source = spec.name
    prefix = _PAYLOAD_PATH[source]
    payload = spec.payload

    def convert(record: Mapping[str, Any], item_id: ItemId) -> Any:
        try:
            is_json, value = payload(record)
            return validate_json(value) if is_json else validate_python(value)
        except ValidationError as exc:
            errors = [
                (".".join([prefix, *(str(part) for part in error["loc"])]), error["msg"])
                for error in exc.errors(include_url=False, include_input=False, include_context=False)
            ]
            raise RecordValidationError(source, item_id, name, errors) from None
        except PayloadError as exc:
            path = exc.path if exc.path.startswith(prefix) else f"{prefix}.{exc.path}"
            raise RecordValidationError(source, item_id, name, [(path, exc.problem)]) from None

    return convert

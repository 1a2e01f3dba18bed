"""What the record function receives: the typed record, or the user's model of its payload.

With ``model=`` the payload (SQS body, Kinesis data, DynamoDB new image, Kafka value) is
validated with a pydantic ``TypeAdapter`` built once, straight from the JSON text or bytes
where there are some (pydantic parses and validates in one pass). A payload that does not
fit becomes a ``RecordValidationError`` naming the record and the field paths, never the
values. Without a model, records are the lazily validated models of ``_records``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from lambda_toolkit.batch._errors import BatchError
from lambda_toolkit.batch._sources import SourceSpec
from lambda_toolkit.core.errors import ConfigurationError

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Converter = Callable[[Mapping[str, Any]], Any]
    """Turns a raw record into what the record function gets."""

__all__ = ["InvalidPayloadError", "model_converter"]


class InvalidPayloadError(BatchError):
    """Raised by a converter; the processor turns it into a RecordValidationError with the id."""

    def __init__(self, model: str, errors: list[tuple[str, str]]) -> None:
        super().__init__(model)
        self.model = model
        self.errors = errors


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

    from lambda_toolkit.events import EventValidationError

    validate_json = adapter.validate_json
    validate_python = adapter.validate_python
    name = _model_name(model)
    prefix = spec.payload_path
    payload = spec.payload

    def convert(record: Mapping[str, Any]) -> Any:
        try:
            value = payload(record)
            kind = type(value)
            return validate_json(value) if kind is str or kind is bytes else validate_python(value)
        except ValidationError as exc:
            errors = [
                (".".join([prefix, *(str(part) for part in error["loc"])]), error["msg"])
                for error in exc.errors(include_url=False, include_input=False, include_context=False)
            ]
            raise InvalidPayloadError(name, errors) from None
        except EventValidationError as exc:
            raise InvalidPayloadError(name, [(path, problem) for path, problem in exc.errors]) from None

    return convert

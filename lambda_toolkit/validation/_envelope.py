"""Envelopes: where the payload to validate sits in the event.

An envelope is one of the events layer's (by name, ``"http"``, ``"sqs"``, ``"eventbridge"``...,
or the object from ``lambda_toolkit.events.envelopes``), or any other text, read as an
expression of the package's one JMESPath dialect (``lambda_toolkit.core.expressions``):
``"detail.order"``, ``"json_decode(body).items"``. A records envelope (SQS, SNS, Kinesis...)
gives one payload per record, each validated on its own; an expression gives one value.

Each unwrapper returns ``(payload, [(path, value), ...])``: what the handler receives and
the values to validate with their paths in the event.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.validation._errors import ValidationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Located: TypeAlias = list[tuple[str, Any]]
    Unwrap: TypeAlias = Callable[[Any], tuple[Any, Located]]

__all__ = ["unwrapper"]


def unwrapper(envelope: Any, source: str) -> Unwrap:
    """The unwrapper for ``envelope``; ``ConfigurationError`` when it is neither a known
    envelope nor a valid expression."""
    from lambda_toolkit.events.envelopes import ENVELOPES, Envelope, ImageEnvelope, RecordsEnvelope, SingleEnvelope

    found = (
        envelope if isinstance(envelope, Envelope) else ENVELOPES.get(envelope) if isinstance(envelope, str) else None
    )
    if isinstance(found, SingleEnvelope):
        return _single(found, source)
    if isinstance(found, RecordsEnvelope):
        return _records(found, source, skip_missing=isinstance(found, ImageEnvelope))
    if not isinstance(envelope, str):
        raise ConfigurationError(
            f"validate: envelope must be an envelope name, an envelope of lambda_toolkit.events.envelopes "
            f"or a JMESPath expression, got {type(envelope).__name__}"
        )
    return _expression(envelope, source)


def _envelope_failure(source: str, error: Any) -> ValidationError:
    """The events layer's error (a payload that is missing or not JSON) as a ValidationError."""
    return ValidationError(source, [(e.path, "envelope", e.message) for e in error.errors])


def _single(envelope: Any, source: str) -> Unwrap:
    from lambda_toolkit.events import EventValidationError

    payload_of = envelope.payload

    def unwrap(event: Any) -> tuple[Any, Located]:
        try:
            path, payload = payload_of(event)
        except EventValidationError as error:
            raise _envelope_failure(source, error) from None
        return payload, [(path, payload)]

    return unwrap


def _records(envelope: Any, source: str, *, skip_missing: bool) -> Unwrap:
    from lambda_toolkit.events import EventValidationError

    payloads_of = envelope.payloads

    def unwrap(event: Any) -> tuple[Any, Located]:
        try:
            found = payloads_of(event)
        except EventValidationError as error:
            raise _envelope_failure(source, error) from None
        # a DynamoDB change without the image read (an INSERT's old image) has nothing to check
        checked = [item for item in found if item[1] is not None] if skip_missing else found
        return [payload for _, payload in found], checked

    return unwrap


def _expression(text: str, source: str) -> Unwrap:
    from lambda_toolkit.core.expressions import ExpressionError, compile_expression

    search = compile_expression(text).search  # a ConfigurationError naming the expression

    def unwrap(event: Any) -> tuple[Any, Located]:
        try:
            payload = search(event)
        except ExpressionError as error:
            raise ValidationError(source, [(text, "envelope", str(error))]) from None
        if payload is None:
            raise ValidationError(source, [(text, "envelope", "nothing found (missing, or not JSON)")])
        return payload, [(text, payload)]

    return unwrap

"""Where an invocation's correlation id comes from.

``"auto"`` picks by trigger (``lambda_toolkit.events.detect``, pure dict lookups, no
pydantic), reading the raw event dict:

- HTTP (API Gateway REST/HTTP/WebSocket, ALB, Function URL, VPC Lattice, request
  authorizers): the incoming correlation header (``x-correlation-id`` by default, any
  case), else the request id (``requestContext.requestId``; for ALB and VPC Lattice,
  which have none, the ``x-amzn-trace-id`` header);
- EventBridge (and S3 through EventBridge): the ``correlation_id`` key of the ``detail``
  (same names and comparison as the attributes below), else the event ``id``;
- SQS / SNS: the first record's own id by the rules of ``lambda_toolkit.core.correlation``
  (the ``correlation_id`` message attribute by default, compared without case, ``-`` or
  ``_``, so ``correlationId`` matches; for SQS also the attribute of an SNS notification
  in the body, or the id of an EventBridge event in the body), else its message id (batch
  applies the same rules to each record while it runs);
- anything else (a direct invocation): the ``correlation_id`` key of the client context's
  ``custom`` object;
- whenever the rule finds nothing: the Lambda request id.

A JMESPath expression or a callable ``(event) -> str | None`` can be given instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambda_toolkit.core.correlation import (
    MAX_ID_CHARS,
    client_context_id,
    eventbridge_id,
    id_text,
    names_of,
    sns_record_id,
    sqs_record_id,
)
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging._redaction import MASK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeAlias, TypeGuard

    CorrelationSource: TypeAlias = Callable[[Any, Any], str | None]

__all__ = ["CorrelationSource", "MAX_ID_CHARS", "make_source"]

_HTTP = frozenset(
    {
        "api-gateway-rest",
        "api-gateway-http",
        "api-gateway-websocket",
        "api-gateway-authorizer-request",
        "api-gateway-authorizer-http",
        "alb",
        "function-url",
        "vpc-lattice",
        "vpc-lattice-v2",
    }
)
_EVENT_ID = frozenset({"eventbridge", "s3-eventbridge"})


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)  # the ABC check only for the rare non-dict


def _text(value: Any) -> str | None:
    """A usable id (``core.correlation.id_text``), a secret masked as the logger masks."""
    return id_text(value, MASK)


def _header(event: Mapping[str, Any], wanted: str) -> str | None:
    headers = event.get("headers")
    if not _is_mapping(headers):  # ALB with multi-value headers, or no headers at all
        headers = event.get("multiValueHeaders")
        if not _is_mapping(headers):
            return None
    value = headers.get(wanted)  # HTTP APIs and function URLs send lower-case names
    if value is None:
        for name, candidate in headers.items():
            if type(name) is str and name.lower() == wanted:
                value = candidate
                break
    return _text(value)


def _first_record(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    records = event.get("Records")
    if isinstance(records, list) and records and _is_mapping(records[0]):
        first: Mapping[str, Any] = records[0]
        return first
    return None


class _Auto:
    """The by-trigger rules, with the configured header and attribute names."""

    def __init__(self, header: str, attributes: Iterable[str]) -> None:
        self.header = header.lower()
        self.attributes = names_of(attributes)
        from lambda_toolkit.events import detect  # pure-Python detection, no pydantic

        self.detect = detect

    def __call__(self, event: Any, context: Any) -> str | None:
        if not _is_mapping(event):  # a direct invocation with a list, a string...
            return client_context_id(context, self.attributes, MASK)
        trigger = self.detect(event)
        if trigger in _HTTP:
            return self._http(event)
        if trigger in _EVENT_ID:
            return eventbridge_id(event, self.attributes, MASK)
        if trigger == "sqs":
            record = _first_record(event)
            if record is None:
                return None
            return sqs_record_id(record, self.attributes, MASK) or _text(record.get("messageId"))
        if trigger == "sns":
            record = _first_record(event)
            sns = record.get("Sns") if record is not None else None
            if record is None or not _is_mapping(sns):
                return None
            return sns_record_id(record, self.attributes, MASK) or _text(sns.get("MessageId"))
        if trigger is None:  # a direct invocation (Invoke): what the caller's client context says
            return client_context_id(context, self.attributes, MASK)
        return None

    def _http(self, event: Mapping[str, Any]) -> str | None:
        found = _header(event, self.header)
        if found is not None:
            return found
        context = event.get("requestContext")
        if _is_mapping(context):
            found = _text(context.get("requestId"))
            if found is not None:
                return found
        return _header(event, "x-amzn-trace-id")


def _jmespath(expression: str) -> CorrelationSource:
    # The package's one dialect (json_decode, lower_keys...); jmespath loads on this first use.
    from lambda_toolkit.core.expressions import ExpressionError, compile_expression

    try:
        find = compile_expression(expression).search
    except ConfigurationError as exc:
        raise ConfigurationError(f"inject_context: correlation_id: {exc}") from None

    def search(event: Any, context: Any) -> str | None:
        try:
            return _text(find(event))
        except ExpressionError:  # data the expression cannot read: no id from it
            return None

    return search


def _user(function: Callable[[Any], Any]) -> CorrelationSource:
    def call(event: Any, context: Any) -> str | None:
        return _text(function(event))

    return call


def make_source(
    spec: str | Callable[[Any], Any] | None, header: str, attributes: Iterable[str]
) -> CorrelationSource | None:
    """Turn the ``correlation_id`` option into a function of (event, context); None: no id."""
    if spec is None:
        return None
    if callable(spec):
        return _user(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigurationError('inject_context: correlation_id must be "auto", a JMESPath expression or a callable')
    if not isinstance(header, str) or not header.strip():
        raise ConfigurationError("inject_context: correlation_header must be a header name")
    if spec == "auto":
        return _Auto(header.strip(), attributes)
    return _jmespath(spec)

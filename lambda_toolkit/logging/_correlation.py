"""Where an invocation's correlation id comes from.

``"auto"`` picks by trigger (``lambda_toolkit.events.detect``, pure dict lookups, no
pydantic), reading the raw event dict:

- HTTP (API Gateway REST/HTTP/WebSocket, ALB, Function URL, VPC Lattice, request
  authorizers): the incoming correlation header (``x-correlation-id`` by default, any
  case), else the request id (``requestContext.requestId``; for ALB and VPC Lattice,
  which have none, the ``x-amzn-trace-id`` header);
- EventBridge (and S3 through EventBridge): the event ``id``;
- SQS / SNS: a message attribute of the first record (``correlation_id`` by default,
  compared without case, ``-`` or ``_``, so ``correlationId`` matches), else its message id;
- anything else, and whenever the rule finds nothing: the Lambda request id.

A JMESPath expression or a callable ``(event) -> str | None`` can be given instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.secrets import is_secret
from lambda_toolkit.logging._redaction import MASK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeAlias, TypeGuard

    CorrelationSource: TypeAlias = Callable[[Any, Any], str | None]

__all__ = ["CorrelationSource", "MAX_ID_CHARS", "make_source"]

MAX_ID_CHARS = 256

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


def _normal(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)  # the ABC check only for the rare non-dict


def _text(value: Any) -> str | None:
    """A usable id: a non-empty string (first of a list), stripped and capped."""
    if type(value) is not str:
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return None
    if is_secret(value):  # its strip() would be the plain value
        return MASK
    value = value.strip()
    return value[:MAX_ID_CHARS] or None


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


def _attribute(attributes: Any, wanted: frozenset[str], value_keys: tuple[str, ...]) -> str | None:
    if not _is_mapping(attributes):
        return None
    for name, attribute in attributes.items():
        if isinstance(name, str) and _normal(name) in wanted and _is_mapping(attribute):
            for value_key in value_keys:
                found = _text(attribute.get(value_key))
                if found is not None:
                    return found
    return None


class _Auto:
    """The by-trigger rules, with the configured header and attribute names."""

    def __init__(self, header: str, attributes: Iterable[str]) -> None:
        self.header = header.lower()
        self.attributes = frozenset(_normal(name) for name in attributes)
        from lambda_toolkit.events import detect  # pure-Python detection, no pydantic

        self.detect = detect

    def __call__(self, event: Any, context: Any) -> str | None:
        if not _is_mapping(event):
            return None
        trigger = self.detect(event)
        if trigger in _HTTP:
            return self._http(event)
        if trigger in _EVENT_ID:
            return _text(event.get("id"))
        if trigger == "sqs":
            record = _first_record(event)
            if record is None:
                return None
            found = _attribute(record.get("messageAttributes"), self.attributes, ("stringValue",))
            return found or _text(record.get("messageId"))
        if trigger == "sns":
            record = _first_record(event)
            sns = record.get("Sns") if record is not None else None
            if not _is_mapping(sns):
                return None
            found = _attribute(sns.get("MessageAttributes"), self.attributes, ("Value", "StringValue"))
            return found or _text(sns.get("MessageId"))
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

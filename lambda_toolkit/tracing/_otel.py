"""The OpenTelemetry backend: the same calls as spans, attributes and exception events.

Spans go to whatever ``TracerProvider`` the function configured (the ADOT Lambda layer, an
OTLP exporter, an in-memory exporter in tests). Annotations become attributes with the
same key; metadata becomes a ``metadata.<namespace>.<key>`` attribute holding JSON text;
errors are recorded as exception events with an ERROR status. A handler span with no
OpenTelemetry parent joins the invocation's X-Ray trace from ``_X_AMZN_TRACE_ID``.
This module is imported only when a call is actually traced.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from lambda_toolkit import __version__
from lambda_toolkit.tracing._header import TraceHeader, parse_trace_header

__all__ = ["OTelBackend", "OTelSpan"]

_DESCRIPTION_MAX = 1024


class OTelSpan:
    """An OpenTelemetry span behind the Span interface."""

    __slots__ = ("_span", "_token")

    def __init__(self, span: Any, token: object | None = None) -> None:
        self._span = span
        self._token = token

    @property
    def native(self) -> Any:
        return self._span

    def put_annotation(self, key: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(key, value)

    def put_metadata(self, key: str, value: Any, text: str, namespace: str) -> None:
        self._span.set_attribute(f"metadata.{namespace}.{key}", text)

    def record_error(self, error: BaseException, *, details: bool) -> None:
        span = self._span
        if details:
            span.record_exception(error)
            try:
                description = f"{type(error).__name__}: {error}"[:_DESCRIPTION_MAX]
            except Exception:
                description = type(error).__name__
        else:
            span.set_attribute("exception.type", type(error).__name__)
            description = type(error).__name__
        span.set_status(Status(StatusCode.ERROR, description))

    def mark_timed_out(self) -> None:
        self._span.set_attribute("TimedOut", True)

    def record_route(self, route: str) -> None:
        # The semantic conventions' names: http.route holds the template alone.
        method, space, template = route.partition(" ")
        if space and template:
            self._span.set_attribute("http.request.method", method)
            self._span.set_attribute("http.route", template)
        else:
            self._span.set_attribute("http.route", route)

    def record_batch_record(self, record_id: str, correlation_id: str | None) -> None:
        # The messaging semantic conventions' names; their "conversation id" is what
        # other tools call a correlation id.
        self._span.set_attribute("messaging.message.id", record_id)
        if correlation_id is not None:
            self._span.set_attribute("messaging.message.conversation_id", correlation_id)

    def record_invocation(self, invocation: Any) -> None:
        self._span.set_attributes(faas_attributes(invocation))

    def end(self) -> None:
        self._span.end()
        token, self._token = self._token, None
        if token is not None:
            # Restores the context from before the span, even if a span opened inside it
            # was never ended (a generator closed early).
            otel_context.detach(token)  # type: ignore[arg-type]


# The semantic conventions' faas.trigger values for the triggers lambda_toolkit.events
# detects (HTTP_TRIGGERS are "http"; anything not listed is "other").
_TRIGGERS = {
    "sqs": "pubsub",
    "sns": "pubsub",
    "kinesis-stream": "pubsub",
    "kafka": "pubsub",
    "activemq": "pubsub",
    "rabbitmq": "pubsub",
    "eventbridge": "pubsub",
    "s3": "datasource",
    "s3-eventbridge": "datasource",
    "dynamodb-stream": "datasource",
}


def _trigger(event: Any) -> str:
    from lambda_toolkit.events import HTTP_TRIGGERS, detect

    try:
        name = detect(event)
    except Exception:
        return "other"
    if name in HTTP_TRIGGERS:
        return "http"
    if name == "eventbridge" and event.get("detail-type") == "Scheduled Event" and event.get("source") == "aws.events":
        return "timer"
    return _TRIGGERS.get(name or "", "other")


def faas_attributes(invocation: Any) -> dict[str, Any]:
    """The FaaS and cloud semantic-convention attributes of a handler span."""
    context = invocation.context
    attributes: dict[str, Any] = {
        "faas.invocation_id": invocation.request_id,
        "faas.coldstart": bool(invocation.cold_start),
        "faas.trigger": _trigger(invocation.event),
        "cloud.provider": "aws",
    }
    name = getattr(context, "function_name", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if isinstance(name, str) and name:
        attributes["faas.name"] = name
    version = getattr(context, "function_version", None) or os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    if isinstance(version, str) and version:
        attributes["faas.version"] = version
    try:
        attributes["faas.max_memory"] = int(getattr(context, "memory_limit_in_mb", "")) * 1024 * 1024
    except (TypeError, ValueError):
        pass
    region = os.environ.get("AWS_REGION")
    arn = getattr(context, "invoked_function_arn", None)
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":")
        if len(parts) >= 7:
            region = parts[3] or region
            # An alias in the invoked ARN is replaced by the version that ran: the same
            # environment answers every alias of that version.
            if len(parts) > 7 and isinstance(version, str) and version:
                arn = ":".join([*parts[:7], version])
        attributes["cloud.resource_id"] = arn
    if region:
        attributes["cloud.region"] = region
    return attributes


def _remote_parent(raw: str | None) -> Any:
    """An OpenTelemetry context whose parent is the invocation's X-Ray segment, or None."""
    if not raw:
        return None
    header = parse_trace_header(raw)
    if not isinstance(header, TraceHeader):
        return None
    parent = SpanContext(
        trace_id=int(header.trace_id_hex, 16),
        span_id=int(header.parent, 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED if header.sampled else TraceFlags.DEFAULT),
    )
    return trace.set_span_in_context(NonRecordingSpan(parent), otel_context.Context())


class OTelBackend:
    """Opens spans with a tracer of the global TracerProvider."""

    name = "otel"

    def __init__(self) -> None:
        self._tracer = trace.get_tracer("lambda_toolkit.tracing", __version__)

    def begin(self, name: str, *, handler: bool, attach: bool = True) -> OTelSpan:
        parent = None
        if handler and not trace.get_current_span().get_span_context().is_valid:
            parent = _remote_parent(os.environ.get("_X_AMZN_TRACE_ID"))
        span = self._tracer.start_span(name, context=parent, kind=SpanKind.SERVER if handler else SpanKind.INTERNAL)
        if not attach:  # a generator's span: the caller's work between resumptions is not its child
            return OTelSpan(span)
        return OTelSpan(span, otel_context.attach(trace.set_span_in_context(span)))

    def current(self) -> OTelSpan | None:
        span = trace.get_current_span()
        return OTelSpan(span) if span.is_recording() else None

    def patch(self, modules: tuple[str, ...] | None) -> None:  # the runtime never calls it for otel
        raise NotImplementedError

"""``@trace``: a subsegment around a handler invocation or any function, on the core middleware.

On a handler call the subsegment is named ``## <handler>`` and annotated with
``ColdStart`` and ``Service``; the response and the error go in as metadata (each can be
switched off). On any other function, method, coroutine or generator it is named after
the function. When tracing is off the hooks return after one cheap check. Nothing in
this module can change the traced function's result or exception: every recording
step is guarded.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.middleware import Call, Middleware, Slot, middleware
from lambda_toolkit.tracing._api import annotate, attach_metadata, close_span, describe_record
from lambda_toolkit.tracing._runtime import active_backend, service_name
from lambda_toolkit.tracing._warn import warn_once

# typing and inspect cost milliseconds at cold start (the Lambda runtime has not imported
# them): type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from lambda_toolkit.tracing._backend import Backend, Span

__all__ = ["trace"]

_CO_GENERATOR = 0x20  # inspect.CO_GENERATOR
_MAX_NAMES = 4096
# target function -> (its label: qualified name, whether it is a generator function)
_names: dict[Callable[..., Any], tuple[str, bool]] = {}


def _describe(target: Callable[..., Any]) -> tuple[str, bool]:
    known = _names.get(target)
    if known is None:
        label = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or type(target).__name__
        code = getattr(target, "__code__", None)
        if code is not None:
            generator = bool(code.co_flags & _CO_GENERATOR)
        else:  # a callable object or a partial
            import inspect

            generator = inspect.isgeneratorfunction(target)
        known = (label, generator)
        if len(_names) < _MAX_NAMES:
            _names[target] = known
    return known


class _Open:
    """What the before hook leaves for the after/on-error hooks of the same call."""

    __slots__ = ("handler", "label", "namespace", "span")

    def __init__(self, span: Span, label: str, handler: bool, namespace: str) -> None:
        self.span = span
        self.label = label
        self.handler = handler
        self.namespace = namespace


def _open(call: Call, backend: Backend, name: str | None, service: str | None) -> _Open | None:
    label, generator = _describe(call.target)
    handler = call.is_handler_call
    if handler:
        label = getattr(call.target, "__name__", label)
    span_name = name or (f"## {label}" if handler else label)
    try:
        span = backend.begin(span_name, handler=handler, attach=not generator)
    except Exception as exc:
        warn_once("backend-call", "begin", f"opening a subsegment failed ({type(exc).__name__}); not traced")
        return None
    if span is None:
        return None
    service_value = service_name(service)
    if handler and call.invocation is not None:
        annotate(span, "ColdStart", call.invocation.cold_start)
        annotate(span, "Service", service_value)
        try:
            span.record_invocation(call.invocation)
        except Exception as exc:
            warn_once("backend-call", "record_invocation", f"describing the invocation failed ({type(exc).__name__})")
    describe_record(span)  # a function traced inside a batch record: which record
    return _Open(span, label, handler, service_value)


def _timed_out(call: Call) -> bool:
    invocation = call.invocation
    return invocation is not None and invocation.interrupted


def _record_route(call: Call, span: Span) -> None:
    # Read when the span closes: an App inside the handler matches the route after the
    # span was opened.
    invocation = call.invocation
    route = None if invocation is None else invocation.route
    if route:
        try:
            span.record_route(route)
        except Exception as exc:
            warn_once("backend-call", "record_route", f"recording the route failed ({type(exc).__name__})")


@middleware
def trace(
    name: str | None = None,
    *,
    capture_response: bool = True,
    capture_error: bool = True,
    service: str | None = None,
) -> Middleware:
    """Trace the decorated handler or function in a subsegment (X-Ray) or span (OpenTelemetry).

    ``name`` overrides the subsegment name. ``capture_response=False`` keeps the return
    value out of the trace, ``capture_error=False`` the error's message and stack (the
    subsegment is still marked failed, with the exception type). ``service`` sets the
    ``Service`` annotation and metadata namespace (default: ``configure(service=...)``,
    then the package-wide service name: LAMBDA_TOOLKIT_SERVICE, POWERTOOLS_SERVICE_NAME, the
    function name, ``"service"``).

    Off, at the cost of a few environment look-ups per call, outside Lambda, when
    LAMBDA_TOOLKIT_TRACE_DISABLED is true, or when the invocation is not sampled.
    """
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigurationError("trace: name must be a non-empty str")
    if not isinstance(capture_response, bool) or not isinstance(capture_error, bool):
        raise ConfigurationError("trace: capture_response and capture_error must be bool")
    if service is not None and (not isinstance(service, str) or not service):
        raise ConfigurationError("trace: service must be a non-empty str")
    spans: Slot[_Open] = Slot("tracing.span")  # this layer's open span, per call

    def before(call: Call) -> None:
        backend = active_backend()
        if backend is None:
            return
        opened = _open(call, backend, name, service)
        if opened is not None:
            spans.set(call, opened)

    def after(call: Call) -> None:
        opened = spans.pop(call)
        if opened is None:
            return
        span = opened.span
        if opened.handler:
            _record_route(call, span)
            if _timed_out(call):  # a timeout guard answered with a fallback
                try:
                    span.mark_timed_out()
                except Exception as exc:
                    warn_once("backend-call", "mark_timed_out", f"marking a timeout failed ({type(exc).__name__})")
        if capture_response:
            attach_metadata(span, f"{opened.label} response", call.response, opened.namespace)
        close_span(span)

    def on_error(call: Call) -> None:
        opened = spans.pop(call)
        if opened is None:
            return
        if opened.handler:
            _record_route(call, opened.span)
        error = call.error
        invocation = call.invocation
        if error is None or (invocation is not None and invocation.suspended):
            # (a durable function's wait suspends the invocation: it ends, nothing failed)
            close_span(opened.span)
            return
        if capture_error:
            detail: dict[str, Any] = {"type": type(error).__name__, "message": _message(error)}
            if isinstance(error, InvocationTimeout):
                detail["remaining_ms"] = error.remaining_ms
            attach_metadata(opened.span, f"{opened.label} error", detail, opened.namespace)
        close_span(opened.span, error, details=capture_error)

    return Middleware("trace", before=before, after=after, on_error=on_error)


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return ""

"""The small interface a tracing backend implements (X-Ray, OpenTelemetry, no-op).

The public functions and the ``@trace`` decorator validate and cap what users record
(``_sanitize``), then speak only this interface, so a backend is a thin translation to
one tracing SDK and swapping X-Ray for OpenTelemetry changes no user code.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Backend", "Span"]


@runtime_checkable
class Span(Protocol):
    """One open span (an X-Ray subsegment, an OpenTelemetry span)."""

    @property
    def native(self) -> Any:
        """The SDK's own object (the key of the span's metadata budget)."""
        ...

    def put_annotation(self, key: str, value: str | int | float | bool) -> None:
        """Record an indexed key/value (already validated)."""
        ...

    def put_metadata(self, key: str, value: Any, text: str, namespace: str) -> None:
        """Record a structured value (plain JSON data and its JSON ``text``, already capped)."""
        ...

    def record_error(self, error: BaseException, *, details: bool) -> None:
        """Mark the span failed by ``error``; with ``details``, its message and stack too."""
        ...

    def mark_timed_out(self) -> None:
        """Mark the span as interrupted before the invocation's deadline."""
        ...

    def record_route(self, route: str) -> None:
        """Record the HTTP route served, ``"METHOD template"`` (``Invocation.route``)."""
        ...

    def record_batch_record(self, record_id: str, correlation_id: str | None) -> None:
        """Name the batch record the span was opened in (``core.state.current_record()``):
        its id, and its own correlation id when it has one."""
        ...

    def record_invocation(self, invocation: Any) -> None:
        """Describe the invocation on a handler span (``core.state.Invocation``): the
        OpenTelemetry FaaS attributes; X-Ray's segment already holds them."""
        ...

    def end(self) -> None:
        """Close the span (and send it, for backends that send per span)."""
        ...


@runtime_checkable
class Backend(Protocol):
    """Opens spans and finds the current one."""

    name: str

    def begin(self, name: str, *, handler: bool, attach: bool = True) -> Span | None:
        """Open a child of the current span, or None if there is nowhere to put it.

        ``attach``: make it the current span until it ends (False for generators, which
        may be resumed anywhere).
        """
        ...

    def current(self) -> Span | None:
        """The innermost open span that accepts annotations and metadata, if any."""
        ...

    def patch(self, modules: tuple[str, ...] | None) -> None:
        """Instrument libraries (None: every supported one that is installed)."""
        ...

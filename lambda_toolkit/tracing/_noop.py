"""The span used when tracing is off: every operation does nothing, at once."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs milliseconds at cold start: type checkers only
if TYPE_CHECKING:
    from typing import Any

__all__ = ["NOOP_SPAN", "NoopSpan"]


class NoopSpan:
    """A span that records nothing (tracing disabled, outside Lambda, not sampled)."""

    __slots__ = ()

    @property
    def native(self) -> Any:
        return None

    def put_annotation(self, key: str, value: str | int | float | bool) -> None:
        return None

    def put_metadata(self, key: str, value: Any, text: str, namespace: str) -> None:
        return None

    def record_error(self, error: BaseException, *, details: bool) -> None:
        return None

    def mark_timed_out(self) -> None:
        return None

    def record_route(self, route: str) -> None:
        return None

    def record_batch_record(self, record_id: str, correlation_id: str | None) -> None:
        return None

    def record_invocation(self, invocation: Any) -> None:
        pass

    def end(self) -> None:
        return None

    def __repr__(self) -> str:
        return "<NoopSpan>"


NOOP_SPAN = NoopSpan()

"""Capturing what the toolkit writes: log lines and EMF metric documents, parsed.

``capture_logs()`` and ``capture_metrics()`` are context managers for tests. While one is
open, every line a toolkit ``Logger`` writes (whatever its ``stream``) or every EMF
document a ``Metrics`` writes is also recorded, parsed from JSON, in the object the
``with`` statement gives; the lines still go to their stream. Captures nest and see every
thread.

They hook the one place each utility writes (the logger configuration's ``write``, the
``Metrics`` writer) for the duration of the block only, so production code pays nothing
and ``lambda_toolkit.testing`` imports neither utility until a capture starts.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from threading import Lock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

__all__ = ["CapturedLogs", "CapturedMetrics", "capture_logs", "capture_metrics"]

_lock = Lock()


class CapturedLogs(list):  # type: ignore[type-arg]
    """The log lines written while the capture was open, as dicts, in order.

    A ``list`` of the parsed lines, with a few accessors for assertions.
    """

    @property
    def messages(self) -> list[Any]:
        """The ``message`` of every line."""
        return [line.get("message") for line in self]

    def where(self, **fields: Any) -> list[dict[str, Any]]:
        """The lines whose fields equal all of ``fields`` (``level="ERROR"``, ``order_id="o-1"``)."""
        return [line for line in self if all(key in line and line[key] == value for key, value in fields.items())]


class CapturedMetrics(list):  # type: ignore[type-arg]
    """The EMF documents written while the capture was open, as dicts, in order.

    A ``list`` of the parsed documents, with accessors that read them the way CloudWatch
    does (metric values, units, dimensions, namespaces).
    """

    @property
    def names(self) -> list[str]:
        """Every metric name written, once each, in the order first seen."""
        seen: dict[str, None] = {}
        for document in self:
            for definition in _definitions(document):
                seen.setdefault(definition["Name"], None)
        return list(seen)

    def documents_with(self, name: str, **dimensions: str) -> list[dict[str, Any]]:
        """The documents holding metric ``name`` whose dimensions include ``dimensions``."""
        found = []
        for document in self:
            if not any(definition["Name"] == name for definition in _definitions(document)):
                continue
            if all(
                name_ in _dimension_names(document) and document.get(name_) == value
                for name_, value in dimensions.items()
            ):
                found.append(document)
        return found

    def values(self, name: str, **dimensions: str) -> list[float]:
        """Every value recorded for metric ``name`` (a document's list of values flattened),
        only from documents whose dimensions include ``dimensions``."""
        values: list[float] = []
        for document in self.documents_with(name, **dimensions):
            value = document[name]
            values.extend(value if isinstance(value, list) else [value])
        return values

    def total(self, name: str, **dimensions: str) -> float:
        """The sum of ``values(name, **dimensions)``."""
        return sum(self.values(name, **dimensions))

    def unit(self, name: str) -> str | None:
        """The unit metric ``name`` was declared with (None if it was not written)."""
        for document in self:
            for definition in _definitions(document):
                if definition["Name"] == name:
                    return definition.get("Unit")
        return None

    def dimensions(self, name: str) -> list[dict[str, str]]:
        """For each document holding metric ``name``: its dimensions, name to value."""
        return [
            {dimension: document[dimension] for dimension in _dimension_names(document)}
            for document in self.documents_with(name)
        ]

    @property
    def namespaces(self) -> list[str]:
        """Every namespace written, once each."""
        seen: dict[str, None] = {}
        for document in self:
            for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
                seen.setdefault(directive.get("Namespace"), None)
        return list(seen)


def _definitions(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
        yield from directive.get("Metrics", [])


def _dimension_names(document: dict[str, Any]) -> set[str]:
    return {
        name
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", [])
        for dimension_set in directive.get("Dimensions", [])
        for name in dimension_set
    }


class _Hook:
    """One patched writer, shared by the captures open on it; restored when the last closes."""

    def __init__(self, owner: Callable[[], type], attribute: str, wrap: Callable[[Any, list[Any]], Any]) -> None:
        self.owner = owner
        self.attribute = attribute
        self.wrap = wrap
        self.sinks: list[list[Any]] = []
        self.original: Any = None

    def open(self, sink: list[Any]) -> None:
        with _lock:
            if not self.sinks:
                cls = self.owner()
                self.original = cls.__dict__[self.attribute]
                setattr(cls, self.attribute, self.wrap(self.original, self.sinks))
            self.sinks.append(sink)

    def close(self, sink: list[Any]) -> None:
        with _lock:
            self.sinks.remove(sink)
            if not self.sinks:
                setattr(self.owner(), self.attribute, self.original)
                self.original = None


def _record(sinks: list[list[Any]], text: str) -> None:
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = {"message": text, "unparsed": True}
    for sink in list(sinks):
        sink.append(parsed)


def _log_config() -> type:
    from lambda_toolkit.logging._config import Config

    return Config


def _wrap_log_write(original: Callable[[Any, str], None], sinks: list[list[Any]]) -> Callable[[Any, str], None]:
    def write(self: Any, line: str) -> None:
        _record(sinks, line)
        original(self, line)

    return write


def _metrics_class() -> type:
    from lambda_toolkit.metrics._metrics import Metrics

    return Metrics


def _wrap_metrics_write(
    original: Callable[[Any, list[str]], None], sinks: list[list[Any]]
) -> Callable[[Any, list[str]], None]:
    def _write(self: Any, documents: list[str]) -> None:
        original(self, documents)
        if self.enabled:  # a disabled Metrics writes nothing: nothing to capture
            for document in documents:
                _record(sinks, document)

    return _write


_logs = _Hook(_log_config, "write", _wrap_log_write)
_metrics = _Hook(_metrics_class, "_write", _wrap_metrics_write)


@contextmanager
def capture_logs() -> Iterator[CapturedLogs]:
    """Capture the JSON lines of every toolkit ``Logger`` while the block runs.

    ::

        with capture_logs() as logs:
            handler(event, FakeContext())
        assert logs.messages == ["order paid"]
        assert logs.where(level="ERROR") == []

    ``logs`` is a ``CapturedLogs``: a list of the parsed lines (dicts), in order. The
    lines are still written to each logger's stream. Buffered debug lines are captured
    when the logger writes them (on a flush), not when they are buffered.
    """
    logs = CapturedLogs()
    _logs.open(logs)
    try:
        yield logs
    finally:
        _logs.close(logs)


@contextmanager
def capture_metrics() -> Iterator[CapturedMetrics]:
    """Capture the EMF documents every ``Metrics`` writes while the block runs.

    ::

        with capture_metrics() as metrics:
            handler(event, FakeContext())
        assert metrics.values("OrdersPlaced") == [1]
        assert metrics.dimensions("OrdersPlaced") == [{"service": "orders"}]

    ``metrics`` is a ``CapturedMetrics``: a list of the parsed documents (dicts), with
    ``names``, ``values(name, **dimensions)``, ``total``, ``unit``, ``dimensions``,
    ``documents_with`` and ``namespaces``. Documents are still written to each
    ``Metrics``' stream; a disabled ``Metrics`` writes, and so captures, nothing.
    """
    metrics = CapturedMetrics()
    _metrics.open(metrics)
    try:
        yield metrics
    finally:
        _metrics.close(metrics)

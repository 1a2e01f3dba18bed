"""The metrics utility's public types: the provider protocol and the type aliases.

Kept apart because they need ``typing`` (and ``datetime``), which a Lambda function that
only records metrics never imports: ``lambda_toolkit.metrics`` loads this module on the
first access to one of its names.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeAlias, runtime_checkable

from lambda_toolkit.metrics._metrics import MetricSet

__all__ = ["Dimensions", "LineWriter", "MetricValue", "MetricsProvider", "Timestamp"]

MetricValue: TypeAlias = int | float
"""A recorded value: a finite number (``bool`` is refused)."""

Timestamp: TypeAlias = datetime.datetime | float
"""When metrics happened: a timezone-aware ``datetime``, or seconds since the epoch."""

Dimensions: TypeAlias = Mapping[str, str]
"""Dimension names and their values."""

LineWriter: TypeAlias = Callable[[list[str]], None]
"""How a provider writes lines: to the ``Metrics`` stream (stdout by default)."""


@runtime_checkable
class MetricsProvider(Protocol):
    """Where a ``Metrics`` sends what it recorded (EMF, Datadog, OpenTelemetry, ...).

    ``Metrics`` records and validates; at each flush it hands the provider one
    ``MetricSet`` per document. The ``check_*`` members run where the user's call is made,
    so a name or value the backend would reject fails there, not at the end of the
    invocation.
    """

    @property
    def timestamp_window(self) -> tuple[float, float] | None:
        """Seconds before and after now that the backend accepts for an explicit
        timestamp; ``None`` when the provider takes none (a plain attribute will do)."""
        ...

    def check_namespace(self, namespace: str | None) -> str | None:
        """The namespace as written; raise ``MetricsConfigurationError`` for one the
        backend rejects (or for ``None`` when the backend needs one)."""
        ...

    def check_metric_name(self, name: str) -> str:
        """The metric name as written; raise ``MetricsError`` for one the backend rejects."""
        ...

    def check_value(self, name: str, value: object) -> int | float:
        """The value as written; raise ``MetricsError`` for one the backend rejects."""
        ...

    def publish(self, metric_sets: Sequence[MetricSet], write: LineWriter) -> int:
        """Send the metric sets (line-based formats pass their lines to ``write``);
        return how many documents, lines or measurements were sent."""
        ...

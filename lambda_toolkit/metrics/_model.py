"""What a flush hands to a provider: the recorded series and the dimensions they share.

A provider (EMF, Datadog, OpenTelemetry, or a user's own) reads these and nothing else, so
the recording side and the output formats never depend on each other.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MetricSeries", "MetricSet"]


class MetricSeries:
    """The values of one metric within a document, with its unit and resolution.

    ``unit`` is CloudWatch's spelling (``"Milliseconds"``), ``resolution`` is 1 or 60
    seconds, ``values`` are finite numbers in the order recorded.
    """

    __slots__ = ("resolution", "unit", "unit_given", "values")

    def __init__(self, unit: str, resolution: int, unit_given: object = None) -> None:
        self.unit = unit
        self.resolution = resolution
        self.unit_given = unit_given if unit_given is not None else unit  # as the caller spelt it
        self.values: list[float | int] = []


class MetricSet:
    """Metrics written together: one invocation's, or one ``single_metric``'s.

    - ``namespace``: the ``Metrics`` namespace (``None`` when the provider needs none);
    - ``dimensions``: the value of every dimension used by any of the sets;
    - ``dimension_sets``: the sets of dimension names the metrics are aggregated by
      (EMF writes each; the first holds the default and ``add_dimension`` dimensions);
    - ``metrics``: series by metric name, in the order first recorded;
    - ``metadata``: keys written beside the metrics where the format has room for them;
    - ``timestamp_ms``: the time of the metrics, milliseconds since the epoch.
    """

    __slots__ = ("dimension_sets", "dimensions", "metadata", "metrics", "namespace", "timestamp_ms")

    def __init__(
        self,
        namespace: str | None,
        dimensions: dict[str, str],
        dimension_sets: tuple[tuple[str, ...], ...],
        metrics: dict[str, MetricSeries],
        metadata: dict[str, Any],
        timestamp_ms: int,
    ) -> None:
        self.namespace = namespace
        self.dimensions = dimensions
        self.dimension_sets = dimension_sets
        self.metrics = metrics
        self.metadata = metadata
        self.timestamp_ms = timestamp_ms

    def __repr__(self) -> str:
        sizes = f"{len(self.metrics)} metric(s), {len(self.dimension_sets)} dimension set(s)"
        return f"<MetricSet {self.namespace!r}: {sizes}>"

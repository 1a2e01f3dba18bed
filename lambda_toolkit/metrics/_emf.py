"""Rendering recorded metrics as Embedded Metric Format documents.

One document holds at most 100 metrics and at most 100 values per metric; more are
spread over several documents, never dropped.
"""

from __future__ import annotations

from lambda_toolkit.metrics._rules import MAX_METRICS_PER_DOCUMENT, MAX_VALUES_PER_METRIC

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["MetricSeries", "render"]


class MetricSeries:
    """The values of one metric within an invocation, with its unit and resolution."""

    __slots__ = ("resolution", "unit", "unit_given", "values")

    def __init__(self, unit: str, resolution: int, unit_given: object = None) -> None:
        self.unit = unit
        self.resolution = resolution
        self.unit_given = unit_given if unit_given is not None else unit  # as the caller spelt it
        self.values: list[float | int] = []


def _definition(name: str, series: MetricSeries) -> dict[str, Any]:
    definition: dict[str, Any] = {"Name": name, "Unit": series.unit}
    if series.resolution == 1:
        definition["StorageResolution"] = 1
    return definition


def _pack(metrics: Mapping[str, MetricSeries]) -> list[dict[str, list[float | int]]]:
    """Spread the (name, values) pairs over documents within EMF's two limits."""
    if len(metrics) <= MAX_METRICS_PER_DOCUMENT and all(
        len(series.values) <= MAX_VALUES_PER_METRIC for series in metrics.values()
    ):
        return [{name: series.values for name, series in metrics.items()}]
    documents: list[dict[str, list[float | int]]] = []
    for name, series in metrics.items():
        chunks = [
            series.values[i : i + MAX_VALUES_PER_METRIC] for i in range(0, len(series.values), MAX_VALUES_PER_METRIC)
        ]
        for chunk in chunks:
            for document in documents:
                if name not in document and len(document) < MAX_METRICS_PER_DOCUMENT:
                    document[name] = chunk
                    break
            else:
                documents.append({name: chunk})
    return documents


def render(
    *,
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Mapping[str, MetricSeries],
    metadata: Mapping[str, Any],
    timestamp_ms: int,
) -> list[dict[str, Any]]:
    """The EMF documents for one flush (none when no metric was recorded)."""
    documents = []
    for values_by_name in _pack(metrics):
        document: dict[str, Any] = {
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [list(dimensions)],
                        "Metrics": [_definition(name, metrics[name]) for name in values_by_name],
                    }
                ],
            }
        }
        document.update(metadata)
        document.update(dimensions)
        for name, values in values_by_name.items():
            document[name] = values[0] if len(values) == 1 else values
        documents.append(document)
    return documents

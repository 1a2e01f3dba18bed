"""Rendering recorded metrics as Embedded Metric Format documents.

One document holds at most 100 metrics and at most 100 values per metric; more are
spread over several documents, never dropped.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string

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


_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode
_DIRECTIVES: dict[tuple[Any, ...], str] = {}  # the "CloudWatchMetrics" JSON of a document shape
_STATIC: dict[tuple[Any, ...], tuple[str, list[str]]] = {}  # see _static_part
_MAX_DIRECTIVES = 256


def _directive(namespace: str, dimension_names: tuple[str, ...], definitions: tuple[tuple[str, str, int], ...]) -> str:
    """The ``CloudWatchMetrics`` array of a document; a function writes the same few shapes
    over and over, so their JSON is kept."""
    key = (namespace, dimension_names, definitions)
    text = _DIRECTIVES.get(key)
    if text is None:
        metrics = []
        for name, unit, resolution in definitions:
            definition: dict[str, Any] = {"Name": name, "Unit": unit}
            if resolution == 1:
                definition["StorageResolution"] = 1
            metrics.append(definition)
        directive = {"Namespace": namespace, "Dimensions": [list(dimension_names)], "Metrics": metrics}
        text = _encode([directive])
        if len(_DIRECTIVES) < _MAX_DIRECTIVES:
            _DIRECTIVES[key] = text
    return text


def _number(value: float | int) -> str:
    # Values were checked finite, so Python's repr is valid JSON; int/float's own repr
    # also covers subclasses such as IntEnum.
    return float.__repr__(value) if isinstance(value, float) else int.__repr__(value)


def _values(values: list[float | int]) -> str:
    if len(values) == 1:
        return _number(values[0])
    return "[" + ",".join(map(_number, values)) + "]"


def _pack(metrics: Mapping[str, MetricSeries]) -> list[dict[str, list[float | int]]]:
    """Spread the (name, values) pairs over documents within EMF's two limits."""
    if len(metrics) <= MAX_METRICS_PER_DOCUMENT:
        for series in metrics.values():
            if len(series.values) > MAX_VALUES_PER_METRIC:
                break
        else:
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


def _static_part(
    namespace: str, dimensions: Mapping[str, str], definitions: tuple[tuple[str, str, int], ...]
) -> tuple[str, list[str]]:
    """What a document of this shape always holds after its timestamp (the directive and
    the dimension values), and the encoded ``"name":`` of each metric."""
    key = (namespace, tuple(dimensions.items()), definitions)
    found = _STATIC.get(key)
    if found is None:
        dimension_fields = "".join(f",{_string(name)}:{_string(value)}" for name, value in dimensions.items())
        found = (
            _directive(namespace, tuple(dimensions), definitions) + "}" + dimension_fields,
            [f",{_string(name)}:" for name, _, _ in definitions],
        )
        if len(_STATIC) < _MAX_DIRECTIVES:
            _STATIC[key] = found
    return found


def render(
    *,
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Mapping[str, MetricSeries],
    metadata: Mapping[str, Any],
    timestamp_ms: int,
) -> list[str]:
    """The EMF documents for one flush, as JSON lines (none when no metric was recorded)."""
    head = f'{{"_aws":{{"Timestamp":{int(timestamp_ms)},"CloudWatchMetrics":'
    metadata_fields = ""
    if metadata:
        metadata_fields = "".join(f",{_string(key)}:{_encode(value)}" for key, value in metadata.items())
    lines = []
    for values_by_name in _pack(metrics):
        definitions = tuple((name, metrics[name].unit, metrics[name].resolution) for name in values_by_name)
        static, prefixes = _static_part(namespace, dimensions, definitions)
        fields = "".join(map(str.__add__, prefixes, map(_values, values_by_name.values())))
        lines.append(head + static + metadata_fields + fields + "}")
    return lines

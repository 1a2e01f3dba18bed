"""CloudWatch's Embedded Metric Format: the default provider.

One document holds at most 100 metrics and at most 100 values per metric; more are
spread over several documents, never dropped. Every dimension set of a ``MetricSet`` is
written in the document's one directive, the dimension values once, at the top level.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string

from lambda_toolkit.metrics._rules import (
    EMF_TIMESTAMP_WINDOW,
    MAX_METRICS_PER_DOCUMENT,
    MAX_VALUES_PER_METRIC,
    MetricsConfigurationError,
    check_metric_name,
    check_namespace,
    check_value,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from lambda_toolkit.metrics._metrics import MetricSeries, MetricSet

__all__ = ["NAMESPACE_ENV", "EMFProvider", "render"]

NAMESPACE_ENV = "LAMBDA_TOOLKIT_METRICS_NAMESPACE"


_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode
# A function writes the same few document shapes over and over: their JSON is kept.
_MAX_CACHED = 256
_METRIC_PARTS: dict[tuple[str, str, int], tuple[str, str]] = {}  # see _metric_parts
# The parts of each name's last shape: one lookup by the name's (cached) hash, no tuple.
_LAST_PARTS: dict[str, tuple[str, int, str, str]] = {}
_FRAMES: dict[tuple[Any, ...], tuple[str, str]] = {}  # see _frame


def _metric_parts(name: str, unit: str, resolution: int) -> tuple[str, str]:
    """A metric's definition in the directive, and the ``,"name":`` before its values."""
    key = (name, unit, resolution)
    parts = _METRIC_PARTS.get(key)
    if parts is None:
        definition: dict[str, Any] = {"Name": name, "Unit": unit}
        if resolution == 1:
            definition["StorageResolution"] = 1
        parts = (_encode(definition), f",{_string(name)}:")
        if len(_METRIC_PARTS) < _MAX_CACHED:
            _METRIC_PARTS[key] = parts
    return parts


def _frame(
    namespace: str, dimensions: Mapping[str, str], dimension_sets: tuple[tuple[str, ...], ...]
) -> tuple[str, str]:
    """What a document holds before its metric definitions (the directive's namespace and
    dimension sets) and after them (the end of ``_aws``, then the dimension values)."""
    key = (namespace, tuple(dimensions.items()), dimension_sets)
    frame = _FRAMES.get(key)
    if frame is None:
        sets = _encode([list(names) for names in dimension_sets])
        values = "".join(f",{_string(name)}:{_string(value)}" for name, value in dimensions.items())
        frame = (f'[{{"Namespace":{_string(namespace)},"Dimensions":{sets},"Metrics":[', "]}]}" + values)
        if len(_FRAMES) < _MAX_CACHED:
            _FRAMES[key] = frame
    return frame


def _values(values: list[float | int]) -> str:
    # Values were checked finite and made plain int/float (check_value), so repr is JSON.
    if len(values) == 1:
        return repr(values[0])
    return "[" + ",".join(map(repr, values)) + "]"


def _pack(metrics: Mapping[str, MetricSeries]) -> list[list[tuple[str, MetricSeries, list[float | int]]]]:
    """Spread the metrics' values over documents within EMF's two limits."""
    documents: list[list[tuple[str, MetricSeries, list[float | int]]]] = []
    for name, series in metrics.items():
        values = series.values
        for start in range(0, len(values), MAX_VALUES_PER_METRIC):
            chunk = (name, series, values[start : start + MAX_VALUES_PER_METRIC])
            for document in documents:
                if len(document) < MAX_METRICS_PER_DOCUMENT and all(entry[0] != name for entry in document):
                    document.append(chunk)
                    break
            else:
                documents.append([chunk])
    return documents


def render(metric_set: MetricSet) -> list[str]:
    """The EMF documents of one ``MetricSet``, as JSON lines (none when it holds no metric)."""
    metrics = metric_set.metrics
    before, after = _frame(metric_set.namespace or "", metric_set.dimensions, metric_set.dimension_sets)
    head = f'{{"_aws":{{"Timestamp":{int(metric_set.timestamp_ms)},"CloudWatchMetrics":{before}'
    if metric_set.metadata:
        after += "".join(f",{_string(key)}:{_encode(value)}" for key, value in metric_set.metadata.items())
    last = _LAST_PARTS
    if len(metrics) <= MAX_METRICS_PER_DOCUMENT:
        # The usual case, one document: built in one pass.
        definitions = []
        fields = []
        for name, series in metrics.items():
            values = series.values
            if len(values) > MAX_VALUES_PER_METRIC:
                break
            known = last.get(name)
            if known is not None and known[0] == series.unit and known[1] == series.resolution:
                definition, prefix = known[2], known[3]
            else:
                definition, prefix = _metric_parts(name, series.unit, series.resolution)
                if len(last) < _MAX_CACHED or name in last:
                    last[name] = (series.unit, series.resolution, definition, prefix)
            definitions.append(definition)
            fields.append(prefix + (repr(values[0]) if len(values) == 1 else _values(values)))
        else:
            if not fields:
                return []
            return [head + ",".join(definitions) + after + "".join(fields) + "}"]
    lines = []
    for document in _pack(metrics):
        definitions = []
        fields = []
        for name, series, values in document:
            definition, prefix = _metric_parts(name, series.unit, series.resolution)
            definitions.append(definition)
            fields.append(prefix + _values(values))
        lines.append(head + ",".join(definitions) + after + "".join(fields) + "}")
    return lines


class EMFProvider:
    """CloudWatch Embedded Metric Format: one JSON document per line on the ``Metrics``
    stream, which Lambda ships to CloudWatch Logs, where the metrics are extracted.

    The default provider. It needs a namespace, keeps EMF's name rules, and accepts a
    timestamp at most two weeks in the past and two hours in the future.
    """

    __slots__ = ()

    timestamp_window: tuple[float, float] | None = EMF_TIMESTAMP_WINDOW
    check_metric_name = staticmethod(check_metric_name)
    check_value = staticmethod(check_value)

    def check_namespace(self, namespace: str | None) -> str:
        """An EMF namespace; CloudWatch has no metric outside one."""
        if namespace is None:
            raise MetricsConfigurationError(f"no namespace: pass Metrics(namespace=...) or set {NAMESPACE_ENV}")
        return check_namespace(namespace)

    def publish(self, metric_sets: Sequence[MetricSet], write: Callable[[list[str]], None]) -> int:
        """Write the documents of ``metric_sets``; return how many."""
        if len(metric_sets) == 1:
            lines = render(metric_sets[0])
        else:
            lines = [line for metric_set in metric_sets for line in render(metric_set)]
        if lines:
            write(lines)
        return len(lines)

    def __repr__(self) -> str:
        return "EMFProvider()"

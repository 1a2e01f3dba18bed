"""Custom metrics, written once per invocation: CloudWatch's Embedded Metric Format by
default, Datadog or OpenTelemetry through a provider.

EMF writes metrics as one structured JSON line per document on stdout; CloudWatch Logs
extracts them asynchronously, so recording a metric costs no API call and needs no IAM
permission::

    metrics = Metrics(namespace="Orders", service="orders")

    @metrics.log_metrics(capture_cold_start=True)
    def handler(event, context):
        metrics.add_metric("OrdersCreated", "Count", 1)

The Datadog and OpenTelemetry providers, ``SingleMetric``, the typed validation errors and
the timestamp rules, the provider protocol and the type aliases are loaded on first access
(PEP 562): a function that records EMF metrics within the rules never pays for them (the
protocol and aliases need ``typing``, which the Lambda runtime has not imported).
"""

from __future__ import annotations

import importlib

from lambda_toolkit.metrics._emf import EMFProvider
from lambda_toolkit.metrics._metrics import Metrics, MetricSeries, MetricSet
from lambda_toolkit.metrics._rules import MetricsConfigurationError, MetricsError, MetricUnit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.metrics._datadog import DatadogProvider
    from lambda_toolkit.metrics._otel import OpenTelemetryProvider
    from lambda_toolkit.metrics._single import SingleMetric
    from lambda_toolkit.metrics._types import Dimensions, LineWriter, MetricsProvider, MetricValue, Timestamp
    from lambda_toolkit.metrics._validation import (
        DimensionLimitError,
        DuplicateDimensionSetError,
        MetricTimestampError,
        MetricValidationError,
    )

_LAZY = {
    "DatadogProvider": "lambda_toolkit.metrics._datadog",
    "OpenTelemetryProvider": "lambda_toolkit.metrics._otel",
    "SingleMetric": "lambda_toolkit.metrics._single",
    "MetricValidationError": "lambda_toolkit.metrics._validation",
    "DimensionLimitError": "lambda_toolkit.metrics._validation",
    "DuplicateDimensionSetError": "lambda_toolkit.metrics._validation",
    "MetricTimestampError": "lambda_toolkit.metrics._validation",
    "Dimensions": "lambda_toolkit.metrics._types",
    "LineWriter": "lambda_toolkit.metrics._types",
    "MetricValue": "lambda_toolkit.metrics._types",
    "MetricsProvider": "lambda_toolkit.metrics._types",
    "Timestamp": "lambda_toolkit.metrics._types",
}

__all__ = [
    "DatadogProvider",
    "DimensionLimitError",
    "Dimensions",
    "DuplicateDimensionSetError",
    "EMFProvider",
    "LineWriter",
    "MetricSeries",
    "MetricSet",
    "MetricTimestampError",
    "MetricUnit",
    "MetricValidationError",
    "MetricValue",
    "Metrics",
    "MetricsConfigurationError",
    "MetricsError",
    "MetricsProvider",
    "OpenTelemetryProvider",
    "SingleMetric",
    "Timestamp",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

"""Metrics scenarios: per-invocation cost of log_metrics, and the module's cold import."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from typing import Any

from _harness import Scenario, cold_import, per_call

from lambda_toolkit.metrics import Metrics
from lambda_toolkit.testing import FakeContext

CONTEXT = FakeContext(timeout_ms=900_000)
EVENT: dict[str, Any] = {}


def _ours() -> Any:
    # Both libraries write to stdout (redirected to a discarded buffer by the measurement).
    metrics = Metrics(namespace="Bench", service="bench")

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension("channel", "web")
        metrics.add_metric("Orders", "Count", 1)
        metrics.add_metric("Latency", "Milliseconds", 12.5)
        metrics.add_metric("Amount", "None", 99.0)

    return handler


def _theirs() -> Any:
    os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "Bench"
    from aws_lambda_powertools import Metrics as PowertoolsMetrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = PowertoolsMetrics(service="bench")

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension(name="channel", value="web")
        metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=12.5)
        metrics.add_metric(name="Amount", unit=MetricUnit.NoUnit, value=99.0)

    return handler


def _ours_two_sets() -> Any:
    metrics = Metrics(namespace="Bench", service="bench")

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension("channel", "web")
        metrics.add_dimension_set(region="eu-west-1")
        metrics.add_metric("Orders", "Count", 1)
        metrics.add_metric("Latency", "Milliseconds", 12.5)
        metrics.add_metric("Amount", "None", 99.0)
        metrics.add_metric("Items", "Count", 3)
        metrics.add_metric("PaymentLatency", "Milliseconds", 41.0)

    return handler


def _theirs_two_sets() -> Any:
    os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "Bench"
    from aws_lambda_powertools import Metrics as PowertoolsMetrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = PowertoolsMetrics(service="bench")

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension(name="channel", value="web")
        metrics.add_dimensions(region="eu-west-1")  # Powertools' call for a further dimension set
        metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=12.5)
        metrics.add_metric(name="Amount", unit=MetricUnit.NoUnit, value=99.0)
        metrics.add_metric(name="Items", unit=MetricUnit.Count, value=3)
        metrics.add_metric(name="PaymentLatency", unit=MetricUnit.Milliseconds, value=41.0)

    return handler


def _per_invocation_us(handler: Any) -> float:
    with redirect_stdout(io.StringIO()) as sink:

        def once() -> None:
            handler(EVENT, CONTEXT)
            sink.seek(0)
            sink.truncate()

        return per_call(once) * 1e6


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "metrics: log_metrics, 3 metrics + 2 dimensions, per invocation",
            "µs",
            lambda: _per_invocation_us(_ours()),
            lambda: _per_invocation_us(_theirs()),
            goal="<= 0.5x",
        ),
        Scenario(
            "metrics: log_metrics, 5 metrics, 2 dimension sets, per invocation",
            "µs",
            lambda: _per_invocation_us(_ours_two_sets()),
            lambda: _per_invocation_us(_theirs_two_sets()),
            goal="<= 0.5x",
        ),
        Scenario(
            "metrics: cold import of the module",
            "ms",
            lambda: cold_import("from lambda_toolkit.metrics import Metrics") * 1e3,
            lambda: cold_import("from aws_lambda_powertools.metrics import Metrics") * 1e3,
            goal="<= 0.3x",
        ),
    ]

"""``single_metric``: one metric in its own document, with its own dimensions and timestamp."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lambda_toolkit.metrics import (
    DimensionLimitError,
    DuplicateDimensionSetError,
    Metrics,
    MetricsError,
    MetricTimestampError,
    SingleMetric,
)
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream


def metrics_on(stream: EMFStream, **options: Any) -> Metrics:
    options.setdefault("namespace", "Orders")
    options.setdefault("service", "orders")
    return Metrics(stream=stream, **options)


def test_a_single_metric_is_its_own_document_with_its_own_dimensions(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension("channel", "web")
        metrics.add_metric("OrdersCreated", "Count", 1)
        with metrics.single_metric("Retries", "Count", 2, dimensions={"queue": "payments"}) as metric:
            assert isinstance(metric, SingleMetric)
            metric.add_dimension("reason", "throttled")
            metric.add_metadata("attempt", 3)
        assert len(stream.getvalue().splitlines()) == 1  # written when the block ends

    handler({}, FakeContext())
    single, invocation = stream.documents()
    assert single["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "queue", "reason"]]
    assert (single["Retries"], single["queue"], single["reason"], single["attempt"]) == (2, "payments", "throttled", 3)
    assert "channel" not in single and "OrdersCreated" not in single
    assert invocation["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "channel"]]
    assert "Retries" not in invocation and "queue" not in invocation


def test_a_single_metric_without_the_default_dimensions(stream: EMFStream) -> None:
    metrics = metrics_on(stream, default_dimensions={"environment": "prod"})
    with metrics.single_metric("Retries", "Count", 1, dimensions={"queue": "q"}, default_dimensions=False):
        pass
    [document] = stream.documents()
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["queue"]]
    assert "service" not in document and "environment" not in document


def test_a_single_metric_has_its_own_dimension_sets_and_timestamp(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    when = time.time() - 7200
    with metrics.single_metric("Latency", "Milliseconds", 41.5, resolution=1, timestamp=when) as metric:
        metric.add_dimension_set(route="/orders")
        metric.add_dimension_set(route="/orders", method="POST")
    [document] = stream.documents()
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["service"], ["service", "route"], ["service", "route", "method"]]
    assert directive["Metrics"] == [{"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1}]
    assert document["_aws"]["Timestamp"] == int(when * 1000)


def test_a_single_metric_is_written_when_its_block_raises(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(RuntimeError), metrics.single_metric("Failures", "Count", 1):
        raise RuntimeError("boom")
    assert stream.documents()[0]["Failures"] == 1


def test_a_disabled_metrics_writes_no_single_metric(stream: EMFStream) -> None:
    metrics = metrics_on(stream, enabled=False)
    with metrics.single_metric("Failures", "Count", 1):
        pass
    assert stream.getvalue() == ""


def test_errors_of_a_single_metric_name_it(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricsError, match="value of metric 'Latency' must be finite"):
        metrics.single_metric("Latency", "Milliseconds", float("nan"))
    with pytest.raises(MetricsError, match="invalid metric unit 'Parsecs'"):
        metrics.single_metric("Latency", "Parsecs", 1)
    with pytest.raises(DimensionLimitError, match="single_metric 'Latency': dimension\\(s\\)") as too_many:
        metrics.single_metric("Latency", "Milliseconds", 1, dimensions={f"d{n}": "v" for n in range(30)})
    assert too_many.value.metric == "Latency"
    with pytest.raises(MetricTimestampError, match="single_metric 'Latency': timestamp is more than 14 days") as old:
        metrics.single_metric("Latency", "Milliseconds", 1, timestamp=time.time() - 20 * 86400)
    assert old.value.metric == "Latency"
    metric = metrics.single_metric("Latency", "Milliseconds", 1, dimensions={"route": "/a"})
    metric.add_dimension_set(route="/a", method="GET")
    with pytest.raises(DuplicateDimensionSetError, match="single_metric 'Latency': dimension set") as duplicate:
        metric.add_dimension_set(method="GET", route="/a")
    assert duplicate.value.metric == "Latency"
    with pytest.raises(MetricsError, match="single_metric 'service': metric 'service' has the name of a dimension"):
        metrics.single_metric("service", "Count", 1)
    assert stream.getvalue() == ""  # nothing refused was written


def test_a_single_metric_needs_a_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TOOLKIT_METRICS_NAMESPACE", raising=False)
    with pytest.raises(MetricsError, match="no namespace"):
        Metrics().single_metric("Retries", "Count", 1)

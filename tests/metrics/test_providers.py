"""Providers: the same recording written as EMF (default), as Datadog's JSON metric lines,
through OpenTelemetry's metrics API, or by any object with the provider members."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader

from lambda_toolkit.metrics import (
    DatadogProvider,
    EMFProvider,
    Metrics,
    MetricsConfigurationError,
    MetricsError,
    MetricSet,
    MetricTimestampError,
    OpenTelemetryProvider,
)
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream


def test_emf_is_the_default_provider(stream: EMFStream) -> None:
    metrics = Metrics(namespace="Orders", stream=stream)
    assert isinstance(metrics.provider, EMFProvider)
    metrics.add_metric("Orders", "Count", 1)
    assert metrics.flush() == 1
    assert stream.documents()[0]["Orders"] == 1


# -- Datadog -----------------------------------------------------------------------


def datadog_lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_datadog_writes_one_json_line_per_value_with_tags() -> None:
    out = io.StringIO()
    metrics = Metrics(namespace="orders", service="checkout", provider=DatadogProvider(), stream=out)

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension("channel", "web")
        metrics.add_dimension_set(region="eu-west-1")
        metrics.add_metric("created", "Count", 1)
        metrics.add_metric("latency", "Milliseconds", 12.5)
        metrics.add_metric("latency", "Milliseconds", 20)
        metrics.add_metadata("order_id", "o-1")  # no place in the format

    before = int(time.time())
    handler({}, FakeContext())
    lines = datadog_lines(out)
    tags = ["service:checkout", "channel:web", "region:eu-west-1"]
    assert [(line["m"], line["v"], line["t"]) for line in lines] == [
        ("orders.created", 1, tags),
        ("orders.latency", 12.5, tags),
        ("orders.latency", 20, tags),
    ]
    assert all(set(line) == {"m", "v", "e", "t"} for line in lines)
    assert all(before <= line["e"] <= int(time.time()) for line in lines)  # epoch seconds


def test_datadog_without_a_namespace_and_with_an_explicit_timestamp() -> None:
    out = io.StringIO()
    metrics = Metrics(service="checkout", provider=DatadogProvider(), stream=out)
    when = time.time() - 1800
    with metrics.single_metric("checkout.retries", "Count", 2, dimensions={"queue": "q"}, timestamp=when):
        pass
    [line] = datadog_lines(out)
    assert line == {"m": "checkout.retries", "v": 2, "e": int(when), "t": ["service:checkout", "queue:q"]}


def test_datadog_cold_start() -> None:
    out = io.StringIO()
    metrics = Metrics(service="checkout", provider=DatadogProvider(), stream=out)

    @metrics.log_metrics(capture_cold_start=True)
    def handler(event: Any, context: Any) -> None:
        return None

    handler({}, FakeContext(function_name="create-order"))
    [line] = datadog_lines(out)
    assert (line["m"], line["v"], line["t"]) == ("ColdStart", 1, ["function_name:create-order", "service:checkout"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("1st_order", "must start with a letter"),
        ("orders-created", "only ASCII letters, digits, underscores and periods"),
        ("o" * 201, "longer than 200 characters"),
    ],
)
def test_datadog_name_rules_fail_where_the_metric_is_added(name: str, message: str) -> None:
    metrics = Metrics(provider=DatadogProvider(), stream=io.StringIO())
    with pytest.raises(MetricsError, match=message):
        metrics.add_metric(name, "Count", 1)


def test_datadog_namespace_rules_are_a_configuration_error() -> None:
    with pytest.raises(MetricsConfigurationError, match="Datadog namespace 'my app' may hold only"):
        Metrics(namespace="my app", provider=DatadogProvider())


def test_datadog_accepts_an_hour_in_the_past_and_ten_minutes_ahead() -> None:
    metrics = Metrics(provider=DatadogProvider(), stream=io.StringIO())
    metrics.set_timestamp(time.time() - 3500)
    with pytest.raises(MetricTimestampError, match="more than 1 hour in the past"):
        metrics.set_timestamp(time.time() - 2 * 3600)
    with pytest.raises(MetricTimestampError, match="more than 10 minutes in the future"):
        metrics.set_timestamp(time.time() + 900)


# -- OpenTelemetry -------------------------------------------------------------------


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    yield reader
    reader.shutdown()


def histograms(reader: InMemoryMetricReader) -> dict[tuple[str, str], tuple[str, list[HistogramDataPoint]]]:
    """(meter, instrument) -> (unit, data points) of what the reader collected (the SDK
    spells instrument names in lower case: they are case-insensitive)."""
    data = reader.get_metrics_data()
    found: dict[tuple[str, str], tuple[str, list[HistogramDataPoint]]] = {}
    if data is None:  # nothing was recorded
        return found
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points = [point for point in metric.data.data_points if isinstance(point, HistogramDataPoint)]
                found[(scope.scope.name, metric.name)] = (metric.unit or "", points)
    return found


def test_opentelemetry_records_histograms_with_the_dimensions_as_attributes(reader: InMemoryMetricReader) -> None:
    provider = OpenTelemetryProvider(meter_provider=MeterProvider(metric_readers=[reader]))
    metrics = Metrics(namespace="Orders", service="checkout", provider=provider)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_dimension("channel", event["channel"])
        metrics.add_metric("OrdersCreated", "Count", 1)
        metrics.add_metric("PaymentLatency", "Milliseconds", 40)
        metrics.add_metric("PaymentLatency", "Milliseconds", 60)

    handler({"channel": "web"}, FakeContext())
    handler({"channel": "app"}, FakeContext())
    found = histograms(reader)
    unit, points = found[("Orders", "paymentlatency")]
    assert unit == "ms"
    by_channel = {str(dict(point.attributes or {})["channel"]): point for point in points}
    assert sorted(by_channel) == ["app", "web"]
    web = by_channel["web"]
    assert (web.count, web.sum, web.min, web.max) == (2, 100, 40, 60)
    assert dict(web.attributes or {}) == {"service": "checkout", "channel": "web"}
    unit, points = found[("Orders", "orderscreated")]
    assert unit == "{count}"
    assert sorted(point.sum for point in points) == [1, 1]


def test_opentelemetry_flush_counts_measurements_and_can_force_flush(reader: InMemoryMetricReader) -> None:
    flushed: list[float] = []

    class Recording(MeterProvider):
        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            flushed.append(timeout_millis)
            return super().force_flush(timeout_millis)

    provider = OpenTelemetryProvider(meter_provider=Recording(metric_readers=[reader]), force_flush_timeout=2.5)
    metrics = Metrics(provider=provider)
    metrics.add_metric("Items", "Count", 3)
    metrics.add_metric("Items", "Count", 4)
    assert metrics.flush() == 2
    assert flushed == [2500.0]
    _, [point] = histograms(reader)[("lambda_toolkit.metrics", "items")]
    assert point.sum == 7


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1, 0, True, "1"])
def test_opentelemetry_force_flush_timeout_is_checked(timeout: Any) -> None:
    with pytest.raises(MetricsConfigurationError, match="OpenTelemetryProvider force_flush_timeout must be a finite"):
        OpenTelemetryProvider(force_flush_timeout=timeout)


def test_opentelemetry_rules_fail_where_the_call_is_made(reader: InMemoryMetricReader) -> None:
    provider = OpenTelemetryProvider(meter_provider=MeterProvider(metric_readers=[reader]))
    metrics = Metrics(provider=provider)
    with pytest.raises(MetricsError, match="must be >= 0 for an OpenTelemetry histogram"):
        metrics.add_metric("Delta", "Count", -1)
    with pytest.raises(MetricsError, match="not an OpenTelemetry instrument name"):
        metrics.add_metric("1st", "Count", 1)
    with pytest.raises(MetricTimestampError, match="takes no explicit timestamp"):
        metrics.set_timestamp(time.time())


def test_a_disabled_metrics_records_nothing_in_opentelemetry(reader: InMemoryMetricReader) -> None:
    provider = OpenTelemetryProvider(meter_provider=MeterProvider(metric_readers=[reader]))
    metrics = Metrics(provider=provider, enabled=False)
    metrics.add_metric("Items", "Count", 3)
    assert metrics.flush() == 0
    assert histograms(reader) == {}


# -- any provider ------------------------------------------------------------------


class ListProvider:
    """A provider of the test's own: keeps the metric sets it is given."""

    timestamp_window = (60.0, 60.0)

    def __init__(self) -> None:
        self.published: list[MetricSet] = []

    def check_namespace(self, namespace: str | None) -> str | None:
        return namespace

    def check_metric_name(self, name: str) -> str:
        if not name.islower():
            raise MetricsError(f"metric {name!r} must be lower case")
        return name

    def check_value(self, name: str, value: object) -> int | float:
        if not isinstance(value, int):
            raise MetricsError(f"metric {name!r} takes integers")
        return value

    def publish(self, metric_sets: Sequence[MetricSet], write: Callable[[list[str]], None]) -> int:
        self.published.extend(metric_sets)
        write([f"{len(metric_sets)} set(s)"])
        return len(metric_sets)


def test_any_object_with_the_provider_members_is_a_provider() -> None:
    from lambda_toolkit.metrics import MetricsProvider

    provider = ListProvider()
    assert isinstance(provider, MetricsProvider)
    out = io.StringIO()
    metrics = Metrics(service="checkout", provider=provider, stream=out)
    with pytest.raises(MetricsError, match="must be lower case"):
        metrics.add_metric("Orders", "Count", 1)
    with pytest.raises(MetricsError, match="takes integers"):
        metrics.add_metric("orders", "Count", 1.5)
    metrics.add_dimension_set(region="eu")
    metrics.add_metric("orders", "Count", 2)
    assert metrics.flush() == 1
    [metric_set] = provider.published
    assert metric_set.namespace is None
    assert metric_set.dimension_sets == (("service",), ("service", "region"))
    assert metric_set.dimensions == {"service": "checkout", "region": "eu"}
    assert metric_set.metrics["orders"].values == [2]
    assert metric_set.metrics["orders"].unit == "Count"
    assert out.getvalue() == "1 set(s)\n"
    with pytest.raises(MetricTimestampError, match="more than 1 minutes in the past"):
        metrics.set_timestamp(time.time() - 120)


def test_importing_metrics_loads_only_what_recording_emf_needs() -> None:
    code = "import sys, json, lambda_toolkit.metrics; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout
    loaded = set(json.loads(out))
    assert "opentelemetry" not in {name.split(".")[0] for name in loaded}
    lazy = {"_types", "_otel", "_datadog", "_single", "_validation"}
    assert not {f"lambda_toolkit.metrics.{name}" for name in lazy} & loaded


def test_every_public_name_is_there_once_asked_for() -> None:
    import lambda_toolkit.metrics as metrics

    found = {name: getattr(metrics, name) for name in metrics.__all__}
    assert found["SingleMetric"].__module__ == "lambda_toolkit.metrics._single"
    assert issubclass(found["MetricTimestampError"], metrics.MetricValidationError)
    with pytest.raises(AttributeError, match="has no attribute 'Missing'"):
        metrics.Missing  # the access is the test


def test_a_kept_metric_set_does_not_change_with_later_default_dimensions() -> None:
    provider = ListProvider()
    metrics = Metrics(service="checkout", provider=provider, stream=io.StringIO())
    metrics.add_metric("orders", "Count", 1)
    metrics.flush()
    metrics.set_default_dimensions(environment="prod")
    [kept] = provider.published
    assert kept.dimensions == {"service": "checkout"}

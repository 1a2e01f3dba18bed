"""Metrics in Embedded Metric Format: every document written is checked against the spec."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from typing import Any

import pytest

from lambda_toolkit.metrics import Metrics, MetricsConfigurationError, MetricsError, MetricUnit
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream


def metrics_on(stream: EMFStream, **options: Any) -> Metrics:
    options.setdefault("namespace", "Orders")
    options.setdefault("service", "orders")
    return Metrics(stream=stream, **options)


def test_metrics_of_an_invocation_are_written_once_at_its_end(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> str:
        metrics.add_metric("OrdersCreated", "Count", 1)
        metrics.add_metric("PaymentLatency", MetricUnit.MILLISECONDS, 12.5)
        metrics.add_dimension("channel", "web")
        metrics.add_metadata("order_id", "o-1")
        assert stream.getvalue() == ""  # nothing before the end
        return "ok"

    assert handler({}, FakeContext()) == "ok"
    [document] = stream.documents()
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Orders"
    assert directive["Dimensions"] == [["service", "channel"]]
    assert directive["Metrics"] == [
        {"Name": "OrdersCreated", "Unit": "Count"},
        {"Name": "PaymentLatency", "Unit": "Milliseconds"},
    ]
    assert (document["OrdersCreated"], document["PaymentLatency"]) == (1, 12.5)
    assert (document["service"], document["channel"], document["order_id"]) == ("orders", "web", "o-1")
    assert isinstance(document["_aws"]["Timestamp"], int)


def test_values_of_one_metric_are_aggregated_into_a_list(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        for latency in (3, 4, 5):
            metrics.add_metric("Latency", "Milliseconds", latency)

    handler({}, FakeContext())
    [document] = stream.documents()
    assert document["Latency"] == [3, 4, 5]
    assert len(document["_aws"]["CloudWatchMetrics"][0]["Metrics"]) == 1


def test_high_resolution_metrics_declare_their_storage_resolution(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_metric("QueueDepth", "Count", 7, resolution=1)
    metrics.flush()
    [document] = stream.documents()
    assert document["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "QueueDepth", "Unit": "Count", "StorageResolution": 1}
    ]


def test_more_than_100_metrics_are_split_over_documents_not_dropped(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    for n in range(250):
        metrics.add_metric(f"m{n}", "Count", n)
    assert metrics.flush() == 3
    documents = stream.documents()
    names = [m["Name"] for d in documents for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert sorted(names) == sorted(f"m{n}" for n in range(250))
    assert [len(d["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for d in documents] == [100, 100, 50]


def test_more_than_100_values_of_one_metric_are_split_over_documents(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    for n in range(150):
        metrics.add_metric("Latency", "Milliseconds", n)
    metrics.add_metric("Orders", "Count", 1)
    assert metrics.flush() == 2
    first, second = stream.documents()
    assert first["Latency"] == list(range(100))
    assert second["Latency"] == list(range(100, 150))
    assert first["Orders"] == 1
    assert "Orders" not in second


def test_metrics_are_written_when_the_handler_raises(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_metric("Failures", "Count", 1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        handler({}, FakeContext())
    assert stream.documents()[0]["Failures"] == 1


def test_cold_start_metric_only_on_the_first_invocation(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics(capture_cold_start=True)
    def handler(event: Any, context: Any) -> None:
        metrics.add_metric("Orders", "Count", 1)

    handler({}, FakeContext(function_name="create-order"))
    handler({}, FakeContext(function_name="create-order"))
    cold, first, second = stream.documents()
    assert cold["ColdStart"] == 1
    assert cold["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["function_name", "service"]]
    assert cold["function_name"] == "create-order"
    assert "Orders" not in cold
    assert "ColdStart" not in first
    assert "ColdStart" not in second


def test_nothing_leaks_from_one_invocation_into_the_next(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_dimension("tenant", event["tenant"])
        metrics.add_metadata("request", event["tenant"])
        metrics.add_metric(event["metric"], "Count", 1)

    handler({"tenant": "a", "metric": "First"}, FakeContext())
    handler({"tenant": "b", "metric": "Second"}, FakeContext())
    first, second = stream.documents()
    assert "Second" not in first
    assert "First" not in second
    assert (first["tenant"], second["tenant"]) == ("a", "b")


def test_a_failed_invocation_does_not_leak_its_metrics(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_metric(event["metric"], "Count", 1)
        if event.get("fail"):
            raise ValueError("x")

    with pytest.raises(ValueError):
        handler({"metric": "Failed", "fail": True}, FakeContext())
    handler({"metric": "Ok"}, FakeContext())
    assert [sorted(k for k in d if k in {"Failed", "Ok"}) for d in stream.documents()] == [["Failed"], ["Ok"]]


def test_concurrent_invocations_on_threads_are_isolated(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    barrier = threading.Barrier(6)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_dimension("worker", event["worker"])
        barrier.wait(timeout=5)
        metrics.add_metric("Work", "Count", int(event["worker"]))

    threads = [threading.Thread(target=handler, args=({"worker": str(n)}, FakeContext())) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documents = stream.documents()
    assert sorted((d["worker"], d["Work"]) for d in documents) == [(str(n), n) for n in range(6)]


def test_concurrent_async_invocations_are_isolated(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    async def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_metric("Work", "Count", event["n"])
        await asyncio.sleep(0.01)
        metrics.add_metric("Work", "Count", event["n"])

    async def main() -> None:
        await asyncio.gather(*(handler({"n": n}, FakeContext()) for n in range(5)))

    asyncio.run(main())
    assert sorted(d["Work"] for d in stream.documents()) == [[n, n] for n in range(5)]


def test_persistent_dimensions_stay_across_invocations(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.set_default_dimensions(environment="prod")

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_metric("Orders", "Count", 1)

    handler({}, FakeContext())
    metrics.clear_default_dimensions()
    handler({}, FakeContext())
    first, second = stream.documents()
    assert first["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "environment"]]
    assert second["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


def test_warning_when_an_invocation_records_nothing(stream: EMFStream, caplog: pytest.LogCaptureFixture) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics(warn_when_empty=True)
    def handler(event: Any, context: Any) -> None:
        return None

    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.metrics"):
        handler({}, FakeContext())
    assert stream.getvalue() == ""
    assert "no metrics were recorded" in caplog.text


def test_disabled_metrics_validate_but_write_nothing(stream: EMFStream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_METRICS_DISABLED", "true")
    metrics = metrics_on(stream)
    metrics.add_metric("Orders", "Count", 1)
    assert metrics.flush() == 0  # nothing was sent
    assert stream.getvalue() == ""
    with pytest.raises(MetricsError):
        metrics.add_metric("Orders", "Parsecs", 1)


def test_namespace_and_service_from_the_environment(monkeypatch: pytest.MonkeyPatch, stream: EMFStream) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_METRICS_NAMESPACE", "Shop")
    monkeypatch.setenv("LAMBDA_TOOLKIT_SERVICE", "cart")
    metrics = Metrics(stream=stream)
    metrics.add_metric("Items", "Count", 2)
    metrics.flush()
    [document] = stream.documents()
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Shop"
    assert document["service"] == "cart"


def test_default_stream_is_stdout_at_write_time(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = Metrics(namespace="Orders", service="orders")
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    document = json.loads(capsys.readouterr().out)
    assert document["Orders"] == 1
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


@pytest.mark.parametrize(
    ("environment", "service"),
    [
        ({}, "service"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "create-order"}, "create-order"),
        ({"POWERTOOLS_SERVICE_NAME": "moved", "AWS_LAMBDA_FUNCTION_NAME": "create-order"}, "moved"),
    ],
)
def test_the_service_dimension_is_resolved_as_everywhere_in_the_package(
    monkeypatch: pytest.MonkeyPatch, stream: EMFStream, environment: dict[str, str], service: str
) -> None:
    for name in ("LAMBDA_TOOLKIT_SERVICE", "POWERTOOLS_SERVICE_NAME", "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    metrics = Metrics(namespace="Orders", stream=stream)
    assert metrics.service == service
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    [document] = stream.documents()
    assert document["service"] == service
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


@pytest.mark.parametrize("service", ["", "  ", 3])
def test_a_blank_service_is_a_configuration_error(service: Any) -> None:
    with pytest.raises(MetricsConfigurationError, match="Metrics: service must be a non-empty str"):
        Metrics(namespace="Orders", service=service)


def test_flush_without_metrics_writes_nothing(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    assert metrics.flush() == 0
    metrics.add_dimension("only", "dimension")
    assert metrics.flush() == 0
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.add_metric("Orders", "Parsecs", 1), "invalid metric unit 'Parsecs'"),
        (lambda m: m.add_metric("", "Count", 1), "metric name must be a non-empty string"),
        (lambda m: m.add_metric("x" * 256, "Count", 1), "longer than 255 characters"),
        (lambda m: m.add_metric("caf\u00e9", "Count", 1), "must be printable ASCII"),
        (lambda m: m.add_metric("Orders", "Count", float("nan")), "must be finite"),
        (lambda m: m.add_metric("Orders", "Count", float("inf")), "must be finite"),
        (lambda m: m.add_metric("Orders", "Count", "1"), "must be a number, got str"),
        (lambda m: m.add_metric("Orders", "Count", True), "must be a number, got bool"),
        (lambda m: m.add_metric("Orders", "Count", 1, resolution=30), "must be 1 or 60 seconds"),
        (lambda m: m.add_dimension(":region", "eu"), "may not start with ':'"),
        (lambda m: m.add_dimension("region", ""), "needs a non-empty string value"),
        (lambda m: m.add_dimension("region", "x" * 1025), "longer than 1024 characters"),
        (lambda m: m.add_metadata("_aws", 1), "other than '_aws'"),
        (lambda m: m.add_metric("service", "Count", 1), "has the name of a dimension"),
        (lambda m: m.add_metric(["Orders"], "Count", 1), "metric name must be a non-empty string, got list"),
        (lambda m: m.add_metric("Orders", ["Count"], 1), "invalid metric unit"),
        (lambda m: m.add_metric("Orders", "Count", 1, resolution=[1]), "must be 1 or 60 seconds"),
        (lambda m: m.add_dimension(["region"], "eu"), "dimension name must be a non-empty string, got list"),
    ],
)
def test_invalid_calls_fail_where_they_are_made(stream: EMFStream, call: Any, message: str) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricsError, match=message.replace("(", r"\(")):
        call(metrics)


def test_a_metric_keeps_its_unit_and_resolution(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_metric("Latency", "Milliseconds", 1)
    with pytest.raises(MetricsError, match="was recorded as Milliseconds at 60s; got Seconds at 60s"):
        metrics.add_metric("Latency", "Seconds", 1)


def test_metadata_and_metrics_do_not_share_names(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_metric("Orders", "Count", 1)
    with pytest.raises(MetricsError, match="metadata key 'Orders' has the name of a metric"):
        metrics.add_metadata("Orders", "x")
    metrics.add_metadata("note", "x")
    with pytest.raises(MetricsError, match="metric 'note' has the name of a dimension or metadata key"):
        metrics.add_metric("note", "Count", 1)


def test_at_most_30_dimensions(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    for n in range(29):
        metrics.add_dimension(f"d{n}", "v")
    with pytest.raises(MetricsError, match="would make 31 dimensions; EMF allows 30"):
        metrics.add_dimension("one_too_many", "v")
    with pytest.raises(MetricsError, match=r"dimension\(s\) also, another would make 32 dimensions"):
        metrics.set_default_dimensions(also="v", another="v")


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("", "namespace must be a non-empty string"),
        ("Orders!", "characters CloudWatch rejects"),
        ("AWS/Lambda", "reserved"),
    ],
)
def test_invalid_namespaces_fail_at_construction(namespace: str, message: str) -> None:
    with pytest.raises(MetricsError, match=message):
        Metrics(namespace=namespace)


def test_a_missing_namespace_fails_at_the_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TOOLKIT_METRICS_NAMESPACE", raising=False)
    metrics = Metrics()
    with pytest.raises(MetricsError, match="no namespace: pass Metrics"):
        metrics.add_metric("Orders", "Count", 1)
    with pytest.raises(MetricsError, match="no namespace"):
        metrics.log_metrics(lambda event, context: None)


def test_units_accept_enum_names_in_any_case(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_metric("A", "count", 1)
    metrics.add_metric("B", "BYTES_PER_SECOND", 1)
    metrics.add_metric("C", "bytes/second", 1)
    metrics.flush()
    units = [m["Unit"] for m in stream.documents()[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert units == ["Count", "Bytes/Second", "Bytes/Second"]


def test_importing_metrics_imports_no_heavy_dependency() -> None:
    code = "import sys, json, lambda_toolkit.metrics; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout
    heavy = {"boto3", "botocore", "pydantic", "aws_xray_sdk", "jmespath"}
    assert not {name for name in json.loads(out) if name.split(".")[0] in heavy}


def test_log_metrics_options_are_keyword_only(stream: EMFStream) -> None:
    from lambda_toolkit.core.errors import ConfigurationError

    metrics = metrics_on(stream)
    with pytest.raises(ConfigurationError, match="log_metrics"):
        metrics.log_metrics(True)  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="log_metrics"):
        metrics.log_metrics(capture_cold_starts=True)  # type: ignore[call-overload]

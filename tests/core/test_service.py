"""One service name for the whole package: the same environment names the same service in
log lines, trace annotations and metric dimensions."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.core.env import DEFAULT_SERVICE, SERVICE_ENV, SERVICE_ENV_FALLBACK, service_name
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import _runtime as tracing_runtime
from lambda_toolkit.tracing import trace

VARIABLES = (SERVICE_ENV, SERVICE_ENV_FALLBACK, "AWS_LAMBDA_FUNCTION_NAME")

# (environment, the service every utility must report)
ENVIRONMENTS: list[tuple[dict[str, str], str]] = [
    ({}, DEFAULT_SERVICE),
    ({"AWS_LAMBDA_FUNCTION_NAME": "orders-fn"}, "orders-fn"),
    ({"POWERTOOLS_SERVICE_NAME": "moved", "AWS_LAMBDA_FUNCTION_NAME": "orders-fn"}, "moved"),
    (
        {"LAMBDA_TOOLKIT_SERVICE": "orders", "POWERTOOLS_SERVICE_NAME": "moved", "AWS_LAMBDA_FUNCTION_NAME": "fn"},
        "orders",
    ),
    ({"LAMBDA_TOOLKIT_SERVICE": "  ", "AWS_LAMBDA_FUNCTION_NAME": " orders-fn "}, "orders-fn"),
]


@pytest.fixture(autouse=True)
def _no_service_variables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    tracing_runtime.reset_for_tests()
    yield
    tracing_runtime.reset_for_tests()


@pytest.mark.parametrize(("environment", "expected"), ENVIRONMENTS)
def test_the_resolution_order(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert service_name() == expected
    assert service_name("explicit") == "explicit"


@pytest.mark.parametrize("explicit", ["", "  ", 3, b"orders"])
def test_an_explicit_service_must_be_a_non_empty_str(explicit: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^Widget: service must be a non-empty str$"):
        service_name(explicit, option="Widget: service")


@pytest.fixture(scope="module")
def spans() -> Any:
    """An in-memory exporter on the global OpenTelemetry provider (the OTel backend traces
    outside Lambda, so the handler span shows the service tracing resolved)."""
    from opentelemetry import trace as otel_trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = otel_trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        otel_trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def logged_service() -> str:
    out = io.StringIO()
    Logger(stream=out).info("hello")
    return str(json.loads(out.getvalue())["service"])


def traced_service(spans: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(tracing_runtime.BACKEND_ENV, "otel")
    spans.clear()

    @trace
    def handler(event: Any, context: Any) -> None:
        return None

    handler({}, FakeContext())
    [span] = spans.get_finished_spans()
    return str(span.attributes["Service"])


SERVICE_OF: dict[str, Callable[[Any, pytest.MonkeyPatch], str | None]] = {
    "logging": lambda spans, monkeypatch: logged_service(),
    "tracing": traced_service,
    "metrics": lambda spans, monkeypatch: metrics_service(),
}


def metrics_service() -> str:
    from lambda_toolkit.metrics import Metrics

    out = io.StringIO()
    metrics = Metrics(namespace="Service", stream=out)
    metrics.add_metric("Calls", "Count", 1)
    metrics.flush()
    return str(json.loads(out.getvalue())["service"])


@pytest.mark.parametrize(("environment", "expected"), ENVIRONMENTS)
def test_every_utility_reports_the_same_service(
    monkeypatch: pytest.MonkeyPatch, spans: Any, environment: dict[str, str], expected: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    found = {utility: service_of(spans, monkeypatch) for utility, service_of in SERVICE_OF.items()}
    assert found == dict.fromkeys(SERVICE_OF, expected)

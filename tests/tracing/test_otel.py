"""The OpenTelemetry backend: the same calls become spans, attributes and exception events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.core import InvocationTimeout
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import configure, patch, put_annotation, put_metadata, subsegment, trace, tracing_active
from tests.tracing.conftest import new_trace_ids


def spans_by_name(exporter: Any) -> dict[str, Any]:
    return {span.name: span for span in exporter.get_finished_spans()}


@trace
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    put_annotation("order_id", event["id"])
    put_metadata("event", event)
    return {"ok": True}


def test_a_handler_call_is_a_server_span_with_the_same_annotations_and_metadata(
    otel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.trace import SpanKind, StatusCode

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    assert tracing_active()  # the OTel backend traces outside Lambda too: the provider decides
    assert handler({"id": "o-1"}, FakeContext()) == {"ok": True}
    [span] = otel.get_finished_spans()
    assert span.name == "## handler"
    assert span.kind is SpanKind.SERVER
    assert span.attributes["ColdStart"] is True
    assert span.attributes["Service"] == "orders-fn"
    assert span.attributes["order_id"] == "o-1"
    assert json.loads(span.attributes["metadata.orders-fn.event"]) == {"id": "o-1"}
    assert json.loads(span.attributes["metadata.orders-fn.handler response"]) == {"ok": True}
    assert span.status.status_code is StatusCode.UNSET


def test_the_backend_is_chosen_by_configure(span_exporter: Any) -> None:
    span_exporter.clear()
    configure(backend="OpenTelemetry")
    handler({"id": "o-2"}, FakeContext())
    assert [span.name for span in span_exporter.get_finished_spans()] == ["## handler"]


def test_a_handler_span_joins_the_invocations_x_ray_trace(otel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = new_trace_ids()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", ids.header)
    handler({"id": "o-1"}, FakeContext())
    [span] = otel.get_finished_spans()
    assert format(span.context.trace_id, "032x") == ids.root[2:10] + ids.root[11:]
    assert format(span.parent.span_id, "016x") == ids.parent
    assert span.parent.is_remote
    assert span.context.trace_flags.sampled


def test_an_unsampled_x_ray_header_leaves_the_span_unrecorded(otel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = new_trace_ids()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", ids.header.replace("Sampled=1", "Sampled=0"))
    assert handler({"id": "o-1"}, FakeContext()) == {"ok": True}
    assert otel.get_finished_spans() == ()


def test_a_malformed_x_ray_header_starts_a_new_trace(otel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=nonsense")
    handler({"id": "o-1"}, FakeContext())
    [span] = otel.get_finished_spans()
    assert span.parent is None


def test_an_existing_opentelemetry_span_is_the_parent(otel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry import trace as otel_trace

    monkeypatch.setenv("_X_AMZN_TRACE_ID", new_trace_ids().header)
    with otel_trace.get_tracer("test").start_as_current_span("runtime wrapper") as outer:
        handler({"id": "o-1"}, FakeContext())
    spans = spans_by_name(otel)
    assert spans["## handler"].parent.span_id == outer.get_span_context().span_id


class Store:
    @trace
    def save(self, item: str) -> str:
        return item


@trace
def numbers() -> Iterator[int]:
    yield from (1, 2)


def test_functions_coroutines_generators_and_blocks_nest_under_the_handler(otel: Any) -> None:
    from opentelemetry.trace import SpanKind

    @trace
    async def fetch() -> int:
        return 1

    @trace
    def nested(event: Any, context: Any) -> int:
        Store().save("x")
        total = sum(numbers())
        with subsegment("block") as segment:
            segment.put_annotation("step", 2)
            segment.put_metadata("detail", {"a": 1}, namespace="ns")
        return total + asyncio.run(fetch())

    assert nested({}, FakeContext()) == 4
    spans = spans_by_name(otel)
    root = spans["## nested"]
    for name in (
        "Store.save",
        "numbers",
        "block",
        "test_functions_coroutines_generators_and_blocks_nest_under_the_handler.<locals>.fetch",
    ):
        assert spans[name].parent.span_id == root.context.span_id, name
        assert spans[name].kind is SpanKind.INTERNAL
    assert spans["block"].attributes["step"] == 2
    assert spans["block"].attributes["metadata.ns.detail"] == '{"a":1}'


def test_errors_become_exception_events_and_propagate_unchanged(otel: Any) -> None:
    from opentelemetry.trace import StatusCode

    error = ValueError("quantity must be positive")

    @trace
    def failing(event: Any, context: Any) -> None:
        raise error

    with pytest.raises(ValueError) as raised:
        failing({}, FakeContext())
    assert raised.value is error
    [span] = otel.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ValueError: quantity must be positive"
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "quantity must be positive"
    assert json.loads(span.attributes["metadata.service.failing error"])["message"] == "quantity must be positive"


def test_capture_error_false_keeps_only_the_type(otel: Any) -> None:
    @trace(capture_error=False)
    def failing(event: Any, context: Any) -> None:
        raise KeyError("card 4111")

    with pytest.raises(KeyError):
        failing({}, FakeContext())
    [span] = otel.get_finished_spans()
    assert span.status.description == "KeyError"
    assert span.attributes["exception.type"] == "KeyError"
    assert span.events == ()
    assert "4111" not in json.dumps(dict(span.attributes))


def test_an_invocation_timeout_marks_the_span(otel: Any) -> None:
    @trace
    def slow(event: Any, context: Any) -> None:
        raise InvocationTimeout()

    with pytest.raises(InvocationTimeout):
        slow({}, FakeContext())
    [span] = otel.get_finished_spans()
    assert span.attributes["TimedOut"] is True


def test_recording_outside_a_span_warns_once(otel: Any, caplog: pytest.LogCaptureFixture) -> None:
    put_annotation("k", "v")
    put_annotation("k", "v")
    warnings = [r.getMessage() for r in caplog.records if r.name == "lambda_toolkit.tracing"]
    assert len(warnings) == 1 and "outside any traced function" in warnings[0]


def test_the_context_is_restored_after_each_span(otel: Any) -> None:
    from opentelemetry import trace as otel_trace

    handler({"id": "o-1"}, FakeContext())
    assert not otel_trace.get_current_span().get_span_context().is_valid


def test_patch_with_the_opentelemetry_backend_only_warns(
    otel: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    patch("boto3")
    patch("boto3")
    warnings = [r.getMessage() for r in caplog.records if r.name == "lambda_toolkit.tracing"]
    assert len(warnings) == 1 and "opentelemetry-instrumentation" in warnings[0]

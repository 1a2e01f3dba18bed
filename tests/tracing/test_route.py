"""The HTTP route on the handler span: the ``Route`` annotation (X-Ray) and the ``http.route``
attribute (OpenTelemetry), from the route template ``lambda_toolkit.http``'s App matched."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core import current_invocation
from lambda_toolkit.http import App
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event
from lambda_toolkit.tracing import trace
from tests.tracing.conftest import TraceIds, XRayDaemon
from tests.tracing.test_xray import by_name

app = App()


@app.get("/orders/{order_id}")
def get_order(order_id: int) -> dict[str, int]:
    return {"id": order_id}


@app.post("/orders/{order_id}/refunds")
def refund(order_id: int) -> dict[str, int]:
    raise RuntimeError("payment provider down")


@trace
def handler(event: dict[str, Any], context: Any) -> Any:
    return app(event, context)


@trace
def failing_handler(event: dict[str, Any], context: Any) -> Any:
    app(event, context)
    raise ValueError("rejected after routing")


@pytest.mark.integration
def test_the_xray_handler_subsegment_is_annotated_with_the_route(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    answer = handler(api_gateway_http_event("GET", "/orders/42"), FakeContext())
    assert answer["statusCode"] == 200
    [document] = xray_daemon.drain()
    assert document["name"] == "## handler"
    assert document["annotations"]["Route"] == "GET /orders/{order_id}"


@pytest.mark.integration
def test_the_xray_route_is_recorded_when_the_route_fails_or_the_handler_raises(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    answer = handler(api_gateway_http_event("POST", "/orders/42/refunds"), FakeContext())
    assert answer["statusCode"] == 500  # the App answered the route's error
    with pytest.raises(ValueError, match="rejected after routing"):
        failing_handler(api_gateway_http_event("GET", "/orders/7"), FakeContext())
    answered, raised = xray_daemon.drain()
    assert answered["annotations"]["Route"] == "POST /orders/{order_id}/refunds"
    assert raised["annotations"]["Route"] == "GET /orders/{order_id}"
    assert raised["fault"] is True


@pytest.mark.integration
def test_no_route_annotation_when_no_route_matched_or_on_inner_spans(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace("helper")
    def helper() -> None:
        return None

    @trace
    def routed(event: dict[str, Any], context: Any) -> Any:
        answer = app(event, context)
        helper()  # the route is known by now; only the handler span carries it
        return answer

    assert handler(api_gateway_http_event("GET", "/customers/1"), FakeContext())["statusCode"] == 404
    [unmatched] = xray_daemon.drain()
    assert "Route" not in unmatched["annotations"]
    routed(api_gateway_http_event("GET", "/orders/1"), FakeContext())
    documents = by_name(xray_daemon.drain())
    assert documents["## routed"]["annotations"]["Route"] == "GET /orders/{order_id}"
    assert "Route" not in documents["helper"].get("annotations", {})


def test_the_otel_handler_span_has_the_route_template_and_method(otel: Any) -> None:
    handler(api_gateway_http_event("GET", "/orders/42"), FakeContext())
    with pytest.raises(ValueError):
        failing_handler(api_gateway_http_event("GET", "/orders/7"), FakeContext())
    handler(api_gateway_http_event("GET", "/customers/1"), FakeContext())
    routed, raised, unmatched = otel.get_finished_spans()
    for span in (routed, raised):
        assert span.attributes["http.route"] == "/orders/{order_id}"
        assert span.attributes["http.request.method"] == "GET"
    assert "http.route" not in unmatched.attributes
    assert "http.request.method" not in unmatched.attributes


def test_a_route_set_without_a_method_is_the_otel_http_route_as_is(otel: Any) -> None:
    @trace
    def hand_routed(event: Any, context: Any) -> None:
        invocation = current_invocation()
        assert invocation is not None
        invocation.route = "/jobs/{job_id}"  # set by hand, not by the App: no method part

    hand_routed({}, FakeContext())
    [span] = otel.get_finished_spans()
    assert span.attributes["http.route"] == "/jobs/{job_id}"
    assert "http.request.method" not in span.attributes


@pytest.mark.integration
def test_a_backend_failing_to_record_the_route_changes_nothing(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lambda_toolkit.tracing._xray import XRaySpan

    def broken(self: Any, route: str) -> None:
        raise RuntimeError("sdk bug")

    monkeypatch.setattr(XRaySpan, "record_route", broken)
    answer = handler(api_gateway_http_event("GET", "/orders/42"), FakeContext())
    assert answer["statusCode"] == 200
    [document] = xray_daemon.drain()
    assert document["in_progress"] is False and "Route" not in document["annotations"]
    warnings = [record.getMessage() for record in caplog.records if record.name == "lambda_toolkit.tracing"]
    assert any("recording the route failed (RuntimeError)" in warning for warning in warnings)

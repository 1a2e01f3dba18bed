"""Automatic correlation ids, one rule per trigger family, on the events of the test factories."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import (
    eventbridge_event,
    kinesis_event,
    make_event,
    s3_event,
    s3_eventbridge_event,
    sns_event,
    sqs_event,
)
from tests.logging.conftest import Capture

HTTP_TRIGGERS = ["api-gateway-rest", "api-gateway-http", "function-url", "alb", "vpc-lattice", "vpc-lattice-v2"]


def correlation_of(event: Any, request_id: str = "lambda-req", **options: Any) -> str | None:
    out = Capture()
    log = Logger(service="correlation", stream=out)
    log.inject_context(**options)(lambda event, context: log.info("x"))(event, FakeContext(aws_request_id=request_id))
    value = out.last().get("correlation_id")
    assert value is None or isinstance(value, str)
    return value


@pytest.mark.parametrize("trigger", HTTP_TRIGGERS)
def test_http_triggers_take_the_incoming_correlation_header(trigger: str) -> None:
    event = make_event(trigger, headers={"X-Correlation-Id": "from-client"})
    assert correlation_of(event) == "from-client"


def test_the_header_name_is_configurable() -> None:
    event = make_event("api-gateway-http", headers={"x-request-trace": "custom"})
    assert correlation_of(event, correlation_header="X-Request-Trace") == "custom"


def test_multi_value_headers_are_read() -> None:
    event = make_event("alb", headers={"x-correlation-id": "multi"}, multi_value=True)
    assert "headers" not in event
    assert correlation_of(event) == "multi"


@pytest.mark.parametrize("trigger", ["api-gateway-rest", "api-gateway-http", "function-url"])
def test_http_triggers_fall_back_to_the_request_id(trigger: str) -> None:
    event = make_event(trigger)
    assert correlation_of(event) == event["requestContext"]["requestId"]


def test_websocket_takes_the_request_id() -> None:
    event = make_event("api-gateway-websocket")
    assert correlation_of(event) == event["requestContext"]["requestId"]


def test_alb_has_no_request_id_so_the_trace_header_is_used() -> None:
    event = make_event("alb", headers={"X-Amzn-Trace-Id": "Root=1-abc-def"})
    assert correlation_of(event) == "Root=1-abc-def"


def test_alb_without_any_id_falls_back_to_the_lambda_request_id() -> None:
    assert correlation_of(make_event("alb"), request_id="req-alb") == "req-alb"


def test_an_empty_correlation_header_is_ignored() -> None:
    event = make_event("api-gateway-http", headers={"x-correlation-id": "   "})
    assert correlation_of(event) == event["requestContext"]["requestId"]


def test_a_huge_correlation_header_is_capped() -> None:
    event = make_event("api-gateway-http", headers={"x-correlation-id": "a" * 10_000})
    assert correlation_of(event) == "a" * 256


def test_request_authorizers_take_the_header() -> None:
    event = make_event("api-gateway-authorizer-request", headers={"x-correlation-id": "auth-cid"})
    assert correlation_of(event) == "auth-cid"


def test_eventbridge_takes_the_event_id() -> None:
    event = eventbridge_event({"order_id": "o-1"})
    assert correlation_of(event) == event["id"]


def test_s3_through_eventbridge_takes_the_event_id() -> None:
    event = s3_eventbridge_event()
    assert correlation_of(event) == event["id"]


def test_sqs_takes_the_correlation_attribute() -> None:
    event = sqs_event(["{}"], message_attributes={"correlation_id": "from-producer"})
    assert correlation_of(event) == "from-producer"


@pytest.mark.parametrize("name", ["correlationId", "Correlation-Id", "CORRELATION_ID"])
def test_attribute_names_match_without_case_dash_or_underscore(name: str) -> None:
    event = sqs_event(["{}"], message_attributes={name: "spelled-differently"})
    assert correlation_of(event) == "spelled-differently"


def test_sqs_falls_back_to_the_message_id_of_the_first_record() -> None:
    event = sqs_event(["a", "b"])
    assert correlation_of(event) == event["Records"][0]["messageId"]


def test_the_attribute_names_are_configurable() -> None:
    event = sqs_event(["{}"], message_attributes={"trace": "t-1", "correlation_id": "ignored"})
    assert correlation_of(event, correlation_attributes="trace") == "t-1"


def test_sns_takes_the_correlation_attribute_or_the_message_id() -> None:
    event = sns_event("hi", message_attributes={"correlation_id": "sns-cid"})
    assert correlation_of(event) == "sns-cid"
    event = sns_event("hi")
    assert correlation_of(event) == event["Records"][0]["Sns"]["MessageId"]


def test_other_triggers_take_the_lambda_request_id() -> None:
    assert correlation_of(s3_event(), request_id="req-s3") == "req-s3"
    assert correlation_of(kinesis_event([b"x"]), request_id="req-k") == "req-k"
    assert correlation_of({"anything": 1}, request_id="req-x") == "req-x"
    assert correlation_of(["not", "a", "mapping"], request_id="req-list") == "req-list"


def test_malformed_records_fall_back_to_the_request_id() -> None:
    assert correlation_of({"Records": [{"eventSource": "aws:sqs"}]}, request_id="r1") == "r1"
    assert correlation_of({"Records": [{"EventSource": "aws:sns", "Sns": {}}]}, request_id="r2") == "r2"
    bad_attributes = sqs_event(["x"], record={"messageAttributes": {"correlation_id": "not a mapping"}})
    assert correlation_of(bad_attributes) == bad_attributes["Records"][0]["messageId"]


def test_rules_on_unusual_shapes() -> None:
    from lambda_toolkit.logging._correlation import _Auto

    auto = _Auto("x-correlation-id", ["correlation_id"])
    auto.detect = lambda event: "sqs"
    assert auto({"Records": []}, None) is None
    auto.detect = lambda event: "sns"
    assert auto({"Records": [{"Sns": "text"}]}, None) is None
    assert auto({"Records": [{"Sns": {"MessageAttributes": {"correlation_id": {"Value": ""}}}}]}, None) is None
    auto.detect = lambda event: "api-gateway-rest"
    assert auto({"headers": {"x-correlation-id": ["first", "second"]}}, None) == "first"
    assert auto({"headers": {"x-correlation-id": []}, "requestContext": {"requestId": "rid"}}, None) == "rid"

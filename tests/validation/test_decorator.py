"""``@validate(inbound=..., outbound=..., envelope=..., http_errors=...)``: the decorator form."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from lambda_toolkit.core import Call, ConfigurationError, Middleware, middleware
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    function_url_event,
    sqs_event,
)
from lambda_toolkit.validation import SchemaError, ValidationError, Violation, validate

RESPONSE = {"type": "object", "properties": {"statusCode": {"type": "integer"}}, "required": ["statusCode"]}


def test_inbound_checks_the_event_before_the_handler_runs(order_schema: dict[str, Any]) -> None:
    ran: list[Any] = []

    @validate(inbound=order_schema)
    def handler(event: Any, context: Any) -> str:
        ran.append(event)
        return "ok"

    assert handler({"order_id": "o-1"}, FakeContext()) == "ok"
    with pytest.raises(ValidationError) as caught:
        handler({"order_id": 1}, FakeContext())
    assert caught.value.source == "inbound"
    assert caught.value.errors == [Violation("order_id", "type", "expected string")]
    assert ran == [{"order_id": "o-1"}]


def test_outbound_checks_the_result(order_schema: dict[str, Any]) -> None:
    @validate(outbound=RESPONSE)
    def handler(event: Any, context: Any) -> Any:
        return event

    assert handler({"statusCode": 200}, FakeContext()) == {"statusCode": 200}
    with pytest.raises(ValidationError) as caught:
        handler({"statusCode": "200"}, FakeContext())
    assert caught.value.source == "outbound"
    assert caught.value.errors == [Violation("statusCode", "type", "expected integer")]


def test_with_an_envelope_the_handler_receives_the_payload(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, envelope="http", outbound=RESPONSE)
    def create(order: Any, context: Any) -> dict[str, Any]:
        return {"statusCode": 201, "body": json.dumps(order)}

    answer = create(api_gateway_rest_event("POST", "/orders", body={"order_id": "o-1"}), FakeContext())
    assert json.loads(answer["body"]) == {"order_id": "o-1"}


def test_a_records_envelope_hands_over_the_list_of_payloads(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, envelope="sqs")
    def worker(orders: list[Any], context: Any) -> list[str]:
        return [order["order_id"] for order in orders]

    assert worker(sqs_event([{"order_id": "o-1"}, {"order_id": "o-2"}]), FakeContext()) == ["o-1", "o-2"]


def test_the_layers_below_an_envelope_see_the_payload(order_schema: dict[str, Any]) -> None:
    seen: list[Any] = []

    @middleware
    def spy() -> Middleware:
        return Middleware("spy", before=lambda call: seen.append(call.args[0]))

    @validate(inbound=order_schema, envelope="eventbridge")
    @spy
    def handler(order: Any, context: Any) -> Any:
        return order

    from lambda_toolkit.testing.events import eventbridge_event

    assert handler(eventbridge_event({"order_id": "o-4"}), FakeContext()) == {"order_id": "o-4"}
    assert seen == [{"order_id": "o-4"}]


def test_async_handlers_are_validated_too(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, outbound=RESPONSE)
    async def handler(event: Any, context: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"statusCode": 200}

    assert asyncio.run(handler({"order_id": "o-1"}, FakeContext())) == {"statusCode": 200}
    with pytest.raises(ValidationError):
        asyncio.run(handler({}, FakeContext()))


def test_the_decorator_keeps_the_handler_name_and_doc(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema)
    def handler(event: Any, context: Any) -> None:
        """Create an order."""

    assert handler.__name__ == "handler" and handler.__doc__ == "Create an order."


# -- http_errors: an invalid request answered, as parse_event(http_errors=...) does ---------------


@pytest.mark.parametrize("make", [api_gateway_rest_event, api_gateway_http_event, function_url_event])
@pytest.mark.parametrize("status", [422, 400])
def test_http_errors_answers_an_invalid_request(make: Any, status: int, order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, envelope="http", http_errors=status)
    def create(order: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never runs for an invalid request")

    answer = create(make("POST", "/orders", body={"order_id": 5, "quantity": 0}), FakeContext())
    assert answer["statusCode"] == status
    assert answer["headers"] == {"content-type": "application/json"}
    assert answer["isBase64Encoded"] is False
    assert json.loads(answer["body"]) == {
        "message": "the request is not valid",
        "errors": [
            {"path": "body.order_id", "message": "expected string", "rule": "type"},
            {"path": "body.quantity", "message": "must be >= 1", "rule": "minimum"},
        ],
    }


def test_an_alb_answer_carries_its_status_description(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, envelope="http", http_errors=422)
    def create(order: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never runs")

    answer = create(alb_event("POST", "/orders", body={}), FakeContext())
    assert answer["statusDescription"] == "422 Unprocessable Entity"


def test_a_body_that_is_not_json_is_answered_too(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, envelope="http", http_errors=422)
    def create(order: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never runs")

    event = api_gateway_rest_event("POST", "/orders")
    event["body"] = "{oops"
    answer = create(event, FakeContext())
    assert json.loads(answer["body"])["errors"] == [
        {"path": "body", "message": "not valid JSON (line 1, column 2)", "rule": "envelope"}
    ]


def test_http_errors_raises_for_an_event_that_is_not_http(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, http_errors=422)
    def handler(event: Any, context: Any) -> None:
        raise AssertionError("never runs")

    with pytest.raises(ValidationError):
        handler({"order_id": 1}, FakeContext())


def test_an_outbound_failure_is_never_answered_as_a_client_error(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema, outbound=RESPONSE, envelope="http", http_errors=422)
    def create(order: Any, context: Any) -> dict[str, Any]:
        return {"body": "no status"}

    with pytest.raises(ValidationError) as caught:
        create(api_gateway_rest_event("POST", "/orders", body={"order_id": "o-1"}), FakeContext())
    assert caught.value.source == "outbound"


def test_an_outer_layer_sees_the_error_answer_as_the_response(order_schema: dict[str, Any]) -> None:
    seen: list[Any] = []

    @middleware
    def spy() -> Middleware:
        def after(call: Call) -> None:
            seen.append(call.response["statusCode"])

        return Middleware("spy", after=after)

    @spy
    @validate(inbound=order_schema, envelope="http", http_errors=422)
    def create(order: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never runs")

    create(api_gateway_rest_event("POST", "/orders", body={}), FakeContext())
    assert seen == [422]


# -- setup: schemas compiled when the decorator is applied; misuse named ----------------------


def test_an_invalid_schema_fails_when_the_decorator_is_built() -> None:
    with pytest.raises(SchemaError) as caught:
        validate(inbound={"type": "object", "properties": {"n": {"type": "integer", "minimum": "one"}}})
    assert isinstance(caught.value, ConfigurationError)
    assert caught.value.errors[0].path == "properties.n.minimum"
    assert "invalid inbound schema" in str(caught.value)
    with pytest.raises(SchemaError, match="invalid outbound schema"):
        validate(outbound={"type": "objec"})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: validate(lambda event, context: None), "the decorator needs its schemas"),  # type: ignore[call-overload]
        (lambda s: validate({"order_id": "o-1"}), "the schema is missing"),  # type: ignore[call-overload]
        (lambda s: validate(schema=s), "the data is missing"),  # type: ignore[call-overload]
        (lambda s: validate({"order_id": "o-1"}, s, inbound=s), "cannot be mixed"),  # type: ignore[call-overload]
        (lambda s: validate(data={}, schema=s, http_errors=422), "cannot be mixed"),  # type: ignore[call-overload]
        (lambda s: validate({}, s, "http", "extra"), "takes 3 arguments"),  # type: ignore[call-overload]
        (lambda s: validate({}, s, envelope="http", schemas=s), "unknown argument 'schemas'"),  # type: ignore[call-overload]
        (lambda s: validate(), "give inbound=, outbound= or both"),
        (lambda s: validate(inbound=s, http_errors=500), "http_errors must be 400, 422 or None"),
        (lambda s: validate(inbound=s, http_errors=True), "http_errors must be 400, 422 or None"),
        (lambda s: validate(outbound=s, envelope="http"), "apply to the inbound event"),
        (lambda s: validate(inbound=s, inbund=s), "'inbund'"),  # type: ignore[call-overload]
        (lambda s: validate(inbound=s, envelope="sqs["), "not a valid JMESPath expression"),
        (lambda s: validate(inbound=s, envelope=42), "envelope must be an envelope name"),  # type: ignore[call-overload]
    ],
)
def test_misuse_is_a_configuration_error_that_says_which_form_was_meant(
    call: Any, message: str, order_schema: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        call(order_schema)


def test_a_handler_called_without_an_event_is_refused(order_schema: dict[str, Any]) -> None:
    @validate(inbound=order_schema)  # type: ignore[arg-type]
    def handler() -> None:
        raise AssertionError("never runs")

    with pytest.raises(ConfigurationError, match="without an event"):
        handler()  # type: ignore[call-arg]

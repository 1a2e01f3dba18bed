"""parse_event: the handler receives a validated model (or the user's payload model) instead of a dict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, middleware
from lambda_toolkit.events import (
    EventValidationError,
    KinesisStreamEvent,
    Parsed,
    SQSEvent,
    UnknownEventError,
    envelopes,
    parse_event,
)
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    kinesis_event,
    sqs_event,
)

SECRET = "SECRET-PAYLOAD"


class Order(BaseModel):
    order_id: str
    quantity: int = 1


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


def test_bare_decorator_detects_and_parses(context: FakeContext) -> None:
    @parse_event
    def handler(event, context):  # type: ignore[no-untyped-def]
        return event

    assert isinstance(handler(sqs_event(), context), SQSEvent)
    assert isinstance(handler(kinesis_event(), context), KinesisStreamEvent)


def test_the_model_comes_from_the_first_parameter_hint(context: FakeContext) -> None:
    @parse_event
    def handler(event: SQSEvent, context: Any) -> str:
        return event.records[0].body

    assert handler(sqs_event(["hello"]), context) == "hello"
    with pytest.raises(EventValidationError) as caught:
        handler(kinesis_event(), context)
    assert caught.value.trigger == "SQSEvent"


def test_a_dict_hint_means_detect(context: FakeContext) -> None:
    @parse_event
    def handler(event: dict[str, Any], context: Any) -> str:
        return type(event).__name__

    assert handler(sqs_event(), context) == "SQSEvent"


def test_an_explicit_model_wins_over_the_hint(context: FakeContext) -> None:
    @parse_event(SQSEvent)
    def handler(event: Any, context: Any) -> int:
        return len(event.records)

    assert handler(sqs_event(["a", "b"]), context) == 2


def test_a_user_model_without_envelope_validates_the_whole_event(context: FakeContext) -> None:
    @parse_event
    def handler(order: Order, context: Any) -> int:
        return order.quantity

    assert handler({"order_id": "x", "quantity": 4}, context) == 4
    with pytest.raises(EventValidationError) as caught:
        handler({"quantity": SECRET}, context)
    assert {e.path for e in caught.value.errors} == {"order_id", "quantity"}
    assert SECRET not in str(caught.value)


def test_an_envelope_puts_the_payload_into_the_hinted_model(context: FakeContext) -> None:
    @parse_event(envelope="api-gateway-rest")
    def handler(order: Order, context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": order.order_id}

    assert handler(api_gateway_rest_event("POST", "/", body={"order_id": "o-9"}), context)["body"] == "o-9"


def test_records_envelopes_pass_parsed_records_with_ids(context: FakeContext) -> None:
    @parse_event(envelope=envelopes.SQS)
    def handler(orders: list[Parsed[Order]], context: Any) -> list[tuple[str | None, str]]:
        return [(o.id, o.payload.order_id) for o in orders]

    event = sqs_event([{"order_id": "a"}, {"order_id": "b"}])
    assert handler(event, context) == [(r["messageId"], json.loads(r["body"])["order_id"]) for r in event["Records"]]


def test_a_records_envelope_with_a_plain_model_hint(context: FakeContext) -> None:
    @parse_event(envelope="sqs")
    def handler(orders: Order, context: Any) -> Any:
        return orders

    parsed = handler(sqs_event([{"order_id": "a"}]), context)
    assert parsed[0].payload == Order(order_id="a")


def test_an_envelope_without_hint_gives_dicts(context: FakeContext) -> None:
    @parse_event(envelope="eventbridge")
    def handler(detail, context):  # type: ignore[no-untyped-def]
        return detail

    from lambda_toolkit.testing.events import eventbridge_event

    assert handler(eventbridge_event({"a": 1}), context) == {"a": 1}


@pytest.mark.parametrize("status", [400, 422])
def test_http_errors_answer_with_the_failing_fields(context: FakeContext, status: int) -> None:
    calls: list[Order] = []

    @parse_event(envelope="http", http_errors=status)
    def handler(order: Order, context: Any) -> dict[str, Any]:
        calls.append(order)
        return {"statusCode": 200}

    response = handler(api_gateway_http_event("POST", "/", body={"quantity": SECRET}), context)
    assert calls == []
    assert response["statusCode"] == status
    assert response["headers"] == {"content-type": "application/json"}
    body = json.loads(response["body"])
    assert body["message"] == "the request is not valid"
    assert {e["path"] for e in body["errors"]} == {"body.order_id", "body.quantity"}
    assert SECRET not in response["body"]
    assert "statusDescription" not in response


def test_alb_error_responses_carry_a_status_description(context: FakeContext) -> None:
    @parse_event(envelope="alb", http_errors=400)
    def handler(order: Order, context: Any) -> dict[str, Any]:
        return {"statusCode": 200}

    assert handler(alb_event("POST", "/", body="{"), context)["statusDescription"] == "400 Bad Request"

    @parse_event(envelope="alb", http_errors=422)
    def strict(order: Order, context: Any) -> dict[str, Any]:
        return {"statusCode": 200}

    assert strict(alb_event("POST", "/", body="{}"), context)["statusDescription"] == "422 Unprocessable Entity"


def test_http_errors_still_raise_for_non_http_events(context: FakeContext) -> None:
    @parse_event(envelope="sqs", http_errors=422)
    def handler(orders: list[Parsed[Order]], context: Any) -> None:
        return None

    with pytest.raises(EventValidationError):
        handler(sqs_event([{"quantity": 1}]), context)


def test_without_http_errors_invalid_requests_raise(context: FakeContext) -> None:
    @parse_event(envelope="api-gateway-rest")
    def handler(order: Order, context: Any) -> None:
        return None

    with pytest.raises(EventValidationError):
        handler(api_gateway_rest_event("POST", "/", body="{}"), context)


@pytest.mark.parametrize("event", [None, "x", [1]])
def test_non_mapping_events_are_unknown_events(context: FakeContext, event: Any) -> None:
    @parse_event
    def detected(event, context):  # type: ignore[no-untyped-def]
        return event

    @parse_event
    def typed(event: SQSEvent, context: Any) -> Any:
        return event

    with pytest.raises(UnknownEventError):
        detected(event, context)
    with pytest.raises(UnknownEventError):
        typed(event, context)


def test_options_are_checked_when_decorating() -> None:
    with pytest.raises(ConfigurationError, match="http_errors must be 400, 422 or None"):
        parse_event(http_errors=500)
    with pytest.raises(ConfigurationError, match="unknown envelope"):
        parse_event(envelope="nope")
    with pytest.raises(ConfigurationError):
        parse_event(modle=Order)  # type: ignore[call-overload]


def test_unresolvable_hints_are_a_configuration_error(context: FakeContext) -> None:
    def handler(event: NotDefinedAnywhere, context: Any) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    wrapped = parse_event(handler)
    with pytest.raises(ConfigurationError, match="cannot resolve the type hints"):
        wrapped(sqs_event(), context)


def test_plain_function_calls_parse_their_first_argument() -> None:
    @parse_event
    def process(event: SQSEvent) -> int:
        return len(event.records)

    assert process(sqs_event(["a"])) == 1

    @parse_event  # type: ignore[arg-type]
    def nothing() -> None:
        return None

    with pytest.raises(ConfigurationError, match="called without an event"):
        nothing()  # type: ignore[call-arg]


def test_async_handlers_receive_the_model(context: FakeContext) -> None:
    import asyncio

    @parse_event
    async def handler(event: SQSEvent, context: Any) -> int:
        return len(event.records)

    assert asyncio.run(handler(sqs_event(["a", "b"]), context)) == 2


def test_stacks_with_other_middleware_which_see_the_raw_event_outside(context: FakeContext) -> None:
    seen: list[str] = []

    @middleware
    def spy() -> Middleware:
        def before(call: Call) -> None:
            seen.append(type(call.event).__name__)

        return Middleware("spy", before=before)

    @spy
    @parse_event
    @spy
    def handler(event: SQSEvent, context: Any) -> str:
        return type(event).__name__

    assert handler(sqs_event(), context) == "SQSEvent"
    assert seen == ["dict", "SQSEvent"]

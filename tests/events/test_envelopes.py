"""Envelopes: the business payload of a trigger into the user's model, record ids kept."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.events import EventValidationError, Parsed, SQSRecord, envelopes, parse_payload
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    api_gateway_websocket_event,
    cloudwatch_logs_event,
    dynamodb_stream_event,
    eventbridge_event,
    firehose_event,
    function_url_event,
    kafka_event,
    kinesis_event,
    sns_event,
    sns_notification,
    sqs_event,
    vpc_lattice_event,
    vpc_lattice_v2_event,
)

SECRET = "SECRET-PAYLOAD"


class Order(BaseModel):
    order_id: str
    quantity: int = 1


@dataclasses.dataclass
class Point:
    x: int
    y: int


ORDER: dict[str, Any] = {"order_id": "o-1", "quantity": 3}


@pytest.mark.parametrize(
    ("envelope", "event"),
    [
        (envelopes.API_GATEWAY_REST, api_gateway_rest_event("POST", "/orders", body=ORDER)),
        (envelopes.API_GATEWAY_HTTP, api_gateway_http_event("POST", "/orders", body=ORDER)),
        (envelopes.API_GATEWAY_WEBSOCKET, api_gateway_websocket_event("sendmessage", body=ORDER)),
        (envelopes.ALB, alb_event("POST", "/orders", body=ORDER)),
        (envelopes.FUNCTION_URL, function_url_event("POST", "/orders", body=ORDER)),
        (envelopes.VPC_LATTICE, vpc_lattice_event("POST", "/orders", body=ORDER)),
        (envelopes.VPC_LATTICE_V2, vpc_lattice_v2_event("POST", "/orders", body=ORDER)),
        (envelopes.HTTP, api_gateway_rest_event("POST", "/orders", body=ORDER)),
        (envelopes.EVENTBRIDGE, eventbridge_event(ORDER)),
    ],
)
def test_single_envelopes_give_the_payload_as_the_model(envelope: envelopes.SingleEnvelope, event: Any) -> None:
    assert envelope.parse(event, Order) == Order(order_id="o-1", quantity=3)


def test_base64_http_bodies_are_decoded_first() -> None:
    event = api_gateway_rest_event("POST", "/", body=b'{"order_id": "b"}')
    assert event["isBase64Encoded"] is True
    assert envelopes.API_GATEWAY_REST.parse(event, Order).order_id == "b"
    lattice = vpc_lattice_event("POST", "/", body=b'{"order_id": "c"}')
    assert envelopes.VPC_LATTICE.parse(lattice, Order).order_id == "c"


def test_str_and_bytes_models_give_the_raw_body() -> None:
    event = api_gateway_rest_event("POST", "/", body="plain text")
    assert envelopes.HTTP.parse(event, str) == "plain text"
    assert envelopes.HTTP.parse(event, bytes) == b"plain text"
    binary = api_gateway_rest_event("POST", "/", body=b"\xff\x00")
    assert envelopes.HTTP.parse(binary, bytes) == b"\xff\x00"
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(binary, str)
    assert caught.value.errors == [("body", "not valid UTF-8 text")]


def test_any_type_pydantic_understands_is_a_model() -> None:
    event = api_gateway_rest_event("POST", "/", body={"x": 1, "y": 2})
    assert envelopes.HTTP.parse(event, Point) == Point(1, 2)
    assert envelopes.HTTP.parse(event, dict) == {"x": 1, "y": 2}
    listing = api_gateway_rest_event("POST", "/", body=[1, 2, 3])
    assert envelopes.HTTP.parse(listing, list[int]) == [1, 2, 3]


def test_a_request_without_body_is_an_error_at_body() -> None:
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(api_gateway_rest_event("GET", "/"), Order)
    assert caught.value.errors == [("body", "the request has no body")]


def test_payload_errors_point_into_the_event_without_values() -> None:
    event = api_gateway_rest_event("POST", "/", body={"order_id": 5, "quantity": SECRET})
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(event, Order)
    assert {e.path for e in caught.value.errors} == {"body.order_id", "body.quantity"}
    assert SECRET not in str(caught.value)
    bad_json = api_gateway_rest_event("POST", "/", body='{"order_id": "' + SECRET)
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(bad_json, Order)
    assert caught.value.errors[0].path == "body" and "Invalid JSON" in caught.value.errors[0].message
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("event", [None, "x", ["body"]])
def test_an_event_that_is_not_an_object_is_an_error(event: Any) -> None:
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(event, Order)
    assert caught.value.errors[0].path == ""


def test_sqs_records_keep_their_message_ids() -> None:
    event = sqs_event([ORDER, {"order_id": "o-2"}])
    parsed = envelopes.SQS.parse(event, Order)
    assert [p.payload.order_id for p in parsed] == ["o-1", "o-2"]
    assert [p.id for p in parsed] == [r["messageId"] for r in event["Records"]]
    assert parsed[1].path == "Records.1" and parsed[1].raw is event["Records"][1]
    record = parsed[0].record()
    assert isinstance(record, SQSRecord) and record is parsed[0].record()
    assert repr(parsed[0]).startswith("Parsed(id=") and "o-1" not in repr(parsed[0])


def test_every_failing_record_is_reported() -> None:
    event = sqs_event([ORDER, {"quantity": 1}, "{nope", {"order_id": "x", "quantity": "many"}])
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse(event, Order)
    assert [e.path for e in caught.value.errors] == [
        "Records.1.body.order_id",
        "Records.2.body",
        "Records.3.body.quantity",
    ]
    assert caught.value.trigger == "sqs"


def test_sns_and_sns_in_sqs() -> None:
    sns = envelopes.SNS.parse(sns_event(ORDER), Order)
    assert sns[0].payload.quantity == 3 and sns[0].id
    wrapped = sqs_event([sns_notification(ORDER)])
    inner = envelopes.SNS_IN_SQS.parse(wrapped, Order)
    assert inner[0].payload.order_id == "o-1"
    assert inner[0].id == wrapped["Records"][0]["messageId"]
    not_sns = sqs_event([{"Type": "Notification"}])
    with pytest.raises(EventValidationError) as caught:
        envelopes.SNS_IN_SQS.parse(not_sns, Order)
    assert caught.value.errors == [("Records.0.body.Message", "field required")]


def test_streams_keep_sequence_numbers_and_record_ids() -> None:
    kinesis = kinesis_event([ORDER, ORDER])
    parsed = envelopes.KINESIS.parse(kinesis, Order)
    assert [p.id for p in parsed] == [r["kinesis"]["sequenceNumber"] for r in kinesis["Records"]]
    firehose = firehose_event([ORDER])
    assert envelopes.KINESIS_FIREHOSE.parse(firehose, Order)[0].id == firehose["records"][0]["recordId"]
    kafka = envelopes.KAFKA.parse(kafka_event([ORDER, ORDER], topic="orders", partition=3), Order)
    assert [p.id for p in kafka] == ["orders-3@0", "orders-3@1"]
    assert kafka[1].record().offset == 1
    logs = envelopes.CLOUDWATCH_LOGS.parse(cloudwatch_logs_event([ORDER]), Order)
    assert logs[0].payload.order_id == "o-1" and logs[0].record() == logs[0].raw


def test_bad_base64_in_a_stream_record_names_the_record() -> None:
    event = kinesis_event([ORDER, ORDER])
    event["Records"][1]["kinesis"]["data"] = SECRET + "!"
    with pytest.raises(EventValidationError) as caught:
        envelopes.KINESIS.parse(event, Order)
    assert caught.value.errors == [("Records.1.kinesis.data", "not valid base64")]


def test_dynamodb_images_are_python_values_and_absent_images_are_none() -> None:
    class Item(BaseModel):
        id: str
        price: Decimal

    event = dynamodb_stream_event(
        [
            {"new": {"id": "1", "price": Decimal("9.99")}},
            {"old": {"id": "2", "price": 1}, "new": {"id": "2", "price": 2}},
            {"old": {"id": "3", "price": 3}},
        ]
    )
    new = envelopes.DYNAMODB_NEW_IMAGE.parse(event, Item)
    assert [p.payload.price if p.payload else None for p in new] == [Decimal("9.99"), Decimal(2), None]
    old = envelopes.DYNAMODB_OLD_IMAGE.parse(event, Item)
    assert old[0].payload is None and old[2].payload == Item(id="3", price=Decimal(3))
    assert [p.id for p in new] == [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    assert new[0].record().event_name == "INSERT"


def test_missing_structure_is_reported_by_path() -> None:
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse({"Records": [{"messageId": "1"}]}, Order)
    assert caught.value.errors == [("Records.0.body", "field required")]
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse({"Records": "x"}, Order)
    assert caught.value.errors == [("Records", "expected a list, got str")]
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse({"Records": [5]}, Order)
    assert caught.value.errors == [("Records.0", "expected an object, got int")]
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse({"Records": [{"body": 5}]}, Order)
    assert caught.value.errors == [("Records.0.body", "expected a string, got int")]
    with pytest.raises(EventValidationError) as caught:
        envelopes.EVENTBRIDGE.parse({}, Order)
    assert caught.value.errors == [("detail", "field required")]


def test_a_record_that_does_not_fit_its_trigger_model_is_reported_when_asked() -> None:
    event = sqs_event([ORDER])
    del event["Records"][0]["receiptHandle"]
    parsed = envelopes.SQS.parse(event, Order)
    with pytest.raises(EventValidationError) as caught:
        parsed[0].record()
    assert caught.value.errors == [("Records.0.receiptHandle", "field required")]


def test_parse_payload_accepts_envelopes_and_their_names() -> None:
    event = sqs_event([ORDER])
    by_name = parse_payload(event, "sqs", Order)
    by_object = parse_payload(event, envelopes.SQS, Order)
    assert [p.payload for p in by_name] == [p.payload for p in by_object] == [Order(**ORDER)]
    assert isinstance(by_object[0], Parsed)
    assert parse_payload(eventbridge_event(ORDER), envelopes.EVENTBRIDGE, Order).quantity == 3
    assert envelopes.envelope_for("sqs") is envelopes.SQS
    assert repr(envelopes.SQS) == "<envelope sqs>"


def test_an_unknown_envelope_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown envelope 'sqs2'; known: http, api-gateway-rest"):
        parse_payload({}, "sqs2", Order)


def test_every_envelope_is_listed_by_name() -> None:
    assert set(envelopes.ENVELOPES) == {
        "http", "api-gateway-rest", "api-gateway-http", "api-gateway-websocket", "alb", "function-url",
        "vpc-lattice", "vpc-lattice-v2", "eventbridge", "sqs", "sns", "sns-in-sqs", "kinesis-stream",
        "kinesis-firehose", "kafka", "dynamodb-new-image", "dynamodb-old-image", "cloudwatch-logs",
    }  # fmt: skip


def test_validate_payload_rejects_wrong_raw_types() -> None:
    with pytest.raises(EventValidationError):
        envelopes.validate_payload(str, 5, json_text=False, path="p", source="s")
    with pytest.raises(EventValidationError):
        envelopes.validate_payload(bytes, 5, json_text=False, path="p", source="s")
    assert envelopes.validate_payload(bytes, "é", json_text=False, path="p", source="s") == "é".encode()

"""``validate(data, schema, envelope=None)``: validates now, returns the payload."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lambda_toolkit.core.errors import LambdaToolkitError
from lambda_toolkit.events import envelopes
from lambda_toolkit.testing.events import (
    api_gateway_http_event,
    api_gateway_rest_event,
    cloudwatch_logs_event,
    dynamodb_stream_event,
    eventbridge_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    sns_event,
    sns_notification,
    sqs_event,
)
from lambda_toolkit.validation import ValidationError, Violation, compile_schema, validate


def test_valid_data_is_returned_as_is(order_schema: dict[str, Any]) -> None:
    order = {"order_id": "o-1", "quantity": 2}
    assert validate(order, order_schema) is order


def test_invalid_data_names_every_failed_rule_with_its_path(order_schema: dict[str, Any]) -> None:
    data = {"quantity": 0, "tags": ["ok", "far too long"], "extra": 1}
    with pytest.raises(ValidationError) as caught:
        validate(data, order_schema)
    assert sorted(caught.value.errors) == sorted(
        [
            Violation("order_id", "required", "required property is missing"),
            Violation("quantity", "minimum", "must be >= 1"),
            Violation("tags.1", "maxLength", "must be at most 5 characters long"),
            Violation("extra", "additionalProperties", "unexpected property"),
        ]
    )
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, LambdaToolkitError)
    assert caught.value.source == "data"
    assert "tags.1: must be at most 5 characters long (maxLength)" in str(caught.value)


def test_the_arguments_may_be_named(order_schema: dict[str, Any]) -> None:
    event = eventbridge_event({"order_id": "o-2"})
    assert validate(data=event, schema=order_schema, envelope="eventbridge") == {"order_id": "o-2"}


def test_a_compiled_schema_is_accepted(order_schema: dict[str, Any]) -> None:
    schema = compile_schema(order_schema)
    assert validate({"order_id": "o-3"}, schema) == {"order_id": "o-3"}
    assert schema.is_valid({"order_id": "o-3"}) and not schema.is_valid({"order_id": 3})


def test_a_schema_dict_is_compiled_once_and_kept_by_identity(
    order_schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lambda_toolkit.validation._validate as module

    compiled: list[object] = []
    real = compile_schema

    def counting(schema: Any, **options: Any) -> Any:
        compiled.append(schema)
        return real(schema, **options)

    monkeypatch.setattr(module, "compile_schema", counting)
    monkeypatch.setattr(module, "_compiled", {})
    for n in range(5):
        validate({"order_id": f"o-{n}"}, order_schema)
    assert compiled == [order_schema]
    copy = dict(order_schema)  # an equal but distinct dict is compiled on its own
    validate({"order_id": "o-9"}, copy)
    assert len(compiled) == 2


# -- envelopes: the events layer's, by name or object ------------------------------------------


@pytest.mark.parametrize("make", [api_gateway_rest_event, api_gateway_http_event])
def test_the_http_envelope_validates_the_json_body_and_returns_it(make: Any, order_schema: dict[str, Any]) -> None:
    event = make("POST", "/orders", body={"order_id": "o-1", "quantity": 3})
    assert validate(event, order_schema, envelope="http") == {"order_id": "o-1", "quantity": 3}
    assert validate(event, order_schema, envelope=envelopes.HTTP) == {"order_id": "o-1", "quantity": 3}


def test_an_http_body_error_points_into_the_event(order_schema: dict[str, Any]) -> None:
    event = api_gateway_rest_event("POST", "/orders", body={"order_id": "o-1", "quantity": 0})
    with pytest.raises(ValidationError) as caught:
        validate(event, order_schema, envelope="api-gateway-rest")
    assert caught.value.errors == [Violation("body.quantity", "minimum", "must be >= 1")]


def test_a_base64_body_is_decoded(order_schema: dict[str, Any]) -> None:
    event = api_gateway_rest_event("POST", "/orders")
    event["body"] = base64.b64encode(json.dumps({"order_id": "o-5"}).encode()).decode()
    event["isBase64Encoded"] = True
    assert validate(event, order_schema, envelope="http") == {"order_id": "o-5"}


@pytest.mark.parametrize(
    ("body", "message"),
    [("{not json", "not valid JSON (line 1, column 2)"), (None, "the request has no body")],
)
def test_a_body_that_cannot_be_read_is_an_envelope_violation(
    body: str | None, message: str, order_schema: dict[str, Any]
) -> None:
    event = api_gateway_rest_event("POST", "/orders")
    event["body"] = body
    with pytest.raises(ValidationError) as caught:
        validate(event, order_schema, envelope="http")
    assert caught.value.errors == [Violation("body", "envelope", message)]


def test_a_records_envelope_validates_each_record_and_returns_every_payload(order_schema: dict[str, Any]) -> None:
    ok = sqs_event([{"order_id": "o-1"}, {"order_id": "o-2"}])
    assert validate(ok, order_schema, envelope="sqs") == [{"order_id": "o-1"}, {"order_id": "o-2"}]
    bad = sqs_event([{"order_id": "o-1"}, {"order_id": "x"}, {"quantity": 2}])
    with pytest.raises(ValidationError) as caught:
        validate(bad, order_schema, envelope="sqs")
    assert [(e.path, e.rule) for e in caught.value.errors] == [
        ("Records.1.body.order_id", "pattern"),
        ("Records.2.body.order_id", "required"),
    ]


def test_a_record_that_is_not_json_is_named(order_schema: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        validate(sqs_event([{"order_id": "o-1"}, "{nope"]), order_schema, envelope="sqs")
    assert [(e.path, e.rule) for e in caught.value.errors] == [("Records.1.body", "envelope")]


@pytest.mark.parametrize(
    ("event", "envelope", "path"),
    [
        (sns_event({"order_id": 1}), "sns", "Records.0.Sns.Message.order_id"),
        (kinesis_event([{"order_id": 1}]), "kinesis-stream", "Records.0.kinesis.data.order_id"),
        (eventbridge_event({"order_id": 1}), "eventbridge", "detail.order_id"),
        (
            dynamodb_stream_event([{"new": {"order_id": 1}}]),
            "dynamodb-new-image",
            "Records.0.dynamodb.NewImage.order_id",
        ),
    ],
)
def test_every_envelope_of_the_events_layer_is_usable(
    event: dict[str, Any], envelope: str, path: str, order_schema: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate(event, order_schema, envelope=envelope)
    assert caught.value.errors == [Violation(path, "type", "expected string")]


@pytest.mark.parametrize(
    ("make", "envelope", "path"),
    [
        (lambda payloads: firehose_event(payloads), "kinesis-firehose", "records.1.data"),
        (lambda payloads: kafka_event(payloads), "kafka", "records.my-topic-0.1.value"),
        (
            lambda payloads: cloudwatch_logs_event([json.dumps(p) for p in payloads]),
            "cloudwatch-logs",
            "awslogs.data.logEvents.1.message",
        ),
        (lambda payloads: sqs_event([sns_notification(p) for p in payloads]), "sns-in-sqs", "Records.1.body.Message"),
    ],
)
def test_the_records_envelopes_return_each_payload_and_name_the_failing_record(
    make: Any, envelope: str, path: str, order_schema: dict[str, Any]
) -> None:
    good = [{"order_id": "o-1"}, {"order_id": "o-2"}]
    assert validate(make(good), order_schema, envelope=envelope) == good
    with pytest.raises(ValidationError) as caught:
        validate(make([{"order_id": "o-1"}, {"order_id": 2}]), order_schema, envelope=envelope)
    assert caught.value.errors == [Violation(f"{path}.order_id", "type", "expected string")]


def test_a_dynamodb_change_without_the_image_is_not_checked(order_schema: dict[str, Any]) -> None:
    event = dynamodb_stream_event([{"new": {"order_id": "o-1"}}, {"old": {"order_id": "o-2"}}])
    assert validate(event, order_schema, envelope="dynamodb-new-image") == [{"order_id": "o-1"}, None]


# -- envelopes: expressions of the core dialect ------------------------------------------------


def test_an_expression_envelope_uses_the_core_dialect(order_schema: dict[str, Any]) -> None:
    event = {"wrapper": {"payload": json.dumps({"order_id": "o-7"})}}
    assert validate(event, order_schema, envelope="json_decode(wrapper.payload)") == {"order_id": "o-7"}
    with pytest.raises(ValidationError) as caught:
        validate({"detail": {"order": {"order_id": 7}}}, order_schema, envelope="detail.order")
    assert caught.value.errors == [Violation("detail.order.order_id", "type", "expected string")]


def test_an_expression_that_finds_nothing_is_an_envelope_violation(order_schema: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"body": "not json"}, order_schema, envelope="json_decode(body)")
    assert caught.value.errors == [Violation("json_decode(body)", "envelope", "nothing found (missing, or not JSON)")]


def test_an_expression_that_does_not_fit_the_data_is_an_envelope_violation(order_schema: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"n": "Zq9-text"}, order_schema, envelope="abs(n)")
    assert [(e.path, e.rule) for e in caught.value.errors] == [("abs(n)", "envelope")]
    assert "Zq9" not in str(caught.value)

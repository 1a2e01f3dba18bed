"""The rules that find a correlation id in a raw record (one definition for logging and batch)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_toolkit.core.correlation import (
    DEFAULT_NAMES,
    MAX_ID_CHARS,
    attribute_id,
    id_text,
    kafka_record_id,
    names_of,
    sns_record_id,
    sqs_record_id,
)
from lambda_toolkit.core.secrets import SECRET_MASK, register_secret_type
from lambda_toolkit.testing.events import eventbridge_event, kafka_event, sns_event, sns_notification, sqs_record


@register_secret_type
class _Secret(str):
    pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  abc  ", "abc"),
        (42, "42"),
        (1.5, "1.5"),
        (["first", "second"], "first"),
        ([], None),
        ("   ", None),
        ("", None),
        (True, None),
        (None, None),
        ({"id": "x"}, None),
        ("x" * 1000, "x" * MAX_ID_CHARS),
    ],
)
def test_id_text_keeps_usable_ids_only(value: Any, expected: str | None) -> None:
    assert id_text(value) == expected


def test_a_secret_value_is_masked_with_the_callers_mask() -> None:
    assert id_text(_Secret("hunter2")) == SECRET_MASK
    assert id_text([_Secret("hunter2")], "[REDACTED]") == "[REDACTED]"


def test_attribute_names_are_compared_without_case_dash_or_underscore() -> None:
    names = names_of(["Correlation-ID", "trace_ref"])
    assert names == frozenset({"correlationid", "traceref"})
    attributes = {"TRACE-REF": {"stringValue": "t-1"}}
    assert attribute_id(attributes, names, ("stringValue",)) == "t-1"
    assert attribute_id(attributes, DEFAULT_NAMES, ("stringValue",)) is None


def test_the_first_value_key_holding_an_id_is_read() -> None:
    attributes = {"correlation_id": {"Value": "", "StringValue": "second"}}
    assert attribute_id(attributes, DEFAULT_NAMES, ("Value", "StringValue")) == "second"


@pytest.mark.parametrize("attributes", [None, [], "correlation_id", {"correlation_id": "not an object"}, {1: {}}])
def test_attributes_of_the_wrong_shape_give_no_id(attributes: Any) -> None:
    assert attribute_id(attributes, DEFAULT_NAMES, ("stringValue",)) is None


def test_sqs_a_queue_attribute_then_a_notification_then_an_eventbridge_event() -> None:
    notification = sns_notification("x", message_attributes={"correlation_id": "from-sns"})
    rule_event = eventbridge_event({"order": 1})
    assert sqs_record_id(sqs_record("x", message_attributes={"correlation_id": "queue"})) == "queue"
    assert sqs_record_id(sqs_record(json.dumps(notification))) == "from-sns"
    assert sqs_record_id(sqs_record(json.dumps(rule_event))) == rule_event["id"]
    assert sqs_record_id(sqs_record('{"order": 1}')) is None


def test_sqs_a_document_that_only_mentions_the_keys_is_no_notification_nor_event() -> None:
    body = json.dumps({"note": '"MessageAttributes" and "detail-type" are words here', "id": "x"})
    assert sqs_record_id(sqs_record(body)) is None


def test_sns_the_notifications_attribute() -> None:
    event = sns_event("x", message_attributes={"correlation_id": "from-sns"})
    assert sns_record_id(event["Records"][0]) == "from-sns"
    assert sns_record_id({"Sns": "not an object"}) is None


def test_kafka_the_first_header_of_that_name_that_is_utf8() -> None:
    record = kafka_event([{"n": 0}], headers={"other": "x", "CorrelationId": "k-1"})["records"]["my-topic-0"][0]
    assert kafka_record_id(record) == "k-1"
    record["headers"] = [{"correlation_id": [0xFF]}, {"correlation_id": list(b"k-2")}]
    assert kafka_record_id(record) == "k-2"
    for headers in (None, "x", [1, {"correlation_id": "not bytes"}], [{"correlation_id": [300]}]):
        record["headers"] = headers
        assert kafka_record_id(record) is None

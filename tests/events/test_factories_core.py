"""Test-event factories: every trigger has one, and its output is detected and parsed as that trigger."""

from __future__ import annotations

import ast
import base64
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from lambda_toolkit.events import TRIGGER_NAMES, detect, parse
from lambda_toolkit.testing import events as testing_events
from lambda_toolkit.testing.events import (
    FACTORIES,
    activemq_event,
    cloudwatch_alarm_event,
    cloudwatch_logs_event,
    dynamodb_stream_event,
    eventbridge_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    make_event,
    rabbitmq_event,
    s3_batch_operation_event,
    s3_event,
    s3_eventbridge_event,
    s3_object_lambda_event,
    ses_event,
    sns_event,
    sqs_event,
    sqs_record,
)
from lambda_toolkit.testing.events._common import merge, payload_bytes, payload_text


def test_every_trigger_has_a_factory() -> None:
    assert set(FACTORIES) == set(TRIGGER_NAMES)


@pytest.mark.parametrize("trigger", TRIGGER_NAMES)
def test_every_factory_output_round_trips_through_detect_and_parse(trigger: str) -> None:
    event = make_event(trigger)
    assert json.loads(json.dumps(event)) == event  # plain JSON, as Lambda delivers it
    assert detect(event) == trigger
    assert parse(event) is not None


def test_make_event_passes_arguments_and_merges_aws_named_overrides() -> None:
    event = make_event("sqs", ["a", "b"], awsRegion="ignored-at-top", record={"awsRegion": "eu-west-1"})
    assert [r["body"] for r in event["Records"]] == ["a", "b"]
    assert {r["awsRegion"] for r in event["Records"]} == {"eu-west-1"}
    assert event["awsRegion"] == "ignored-at-top"


def test_make_event_of_an_unknown_trigger_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="no test event factory for 'nope'; known: activemq"):
        make_event("nope")


def test_merge_merges_dicts_and_replaces_the_rest() -> None:
    assert merge({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"c": 3}, "l": [2], "n": None}) == {
        "a": {"b": 1, "c": 3},
        "l": [2],
        "n": None,
    }


def test_payloads_are_text_bytes_or_json() -> None:
    assert payload_text("x") == "x" and payload_text(b"y") == "y" and payload_text({"a": 1}) == '{"a":1}'
    assert payload_bytes(b"\x00") == b"\x00" and payload_bytes("é") == "é".encode()


def test_sqs_factory() -> None:
    event = sqs_event([{"n": 1}, "raw"], queue="orders", message_attributes={"tenant": "acme"})
    first, second = parse(event).records  # type: ignore[attr-defined]
    assert first.json_body() == {"n": 1} and second.body == "raw"
    assert first.queue_name == "orders" and first.message_id != second.message_id
    assert first.message_attribute("tenant").string_value == "acme"
    assert first.approximate_receive_count == 1
    fifo = parse(sqs_event(["x"], queue="orders", fifo=True)).records[0]  # type: ignore[attr-defined]
    assert fifo.queue_name == "orders.fifo" and fifo.message_group_id == "group-1"
    assert sqs_record("b", message_id="m-1")["messageId"] == "m-1"


def test_sns_and_ses_factories() -> None:
    record = parse(sns_event({"a": 1}, subject="Hi", message_attributes={"k": "v"})).records[0]  # type: ignore[attr-defined]
    assert record.sns.json_message() == {"a": 1} and record.sns.subject == "Hi"
    assert record.sns.message_attributes["k"].value == "v"
    mail = parse(ses_event("a@example.com", ["b@example.com"], "Subject!")).records[0]  # type: ignore[attr-defined]
    assert mail.ses.mail.source == "a@example.com" and mail.ses.receipt.recipients == ["b@example.com"]


def test_stream_factories() -> None:
    kinesis = parse(kinesis_event([b"\x00", "text", {"j": 1}], partition_key="pk")).records  # type: ignore[attr-defined]
    assert [r.data_bytes for r in kinesis] == [b"\x00", b"text", b'{"j":1}']
    assert kinesis[0].kinesis.partition_key == "pk"
    assert int(kinesis[1].sequence_number) == int(kinesis[0].sequence_number) + 1
    firehose = parse(firehose_event(["a", "b"])).records  # type: ignore[attr-defined]
    assert [r.data_bytes for r in firehose] == [b"a", b"b"]
    kafka = list(parse(kafka_event([1, 2], self_managed=True)).all_records())  # type: ignore[attr-defined]
    assert [r.json_value() for r in kafka] == [1, 2] and [r.offset for r in kafka] == [0, 1]
    amq = parse(activemq_event(["hi"], queue="q")).messages[0]  # type: ignore[attr-defined]
    assert amq.data_bytes == b"hi" and amq.destination.physical_name == "q"
    rabbit = parse(rabbitmq_event([{"r": 1}], queue="jobs"))
    assert list(rabbit.rmq_messages_by_queue) == ["jobs::/"]  # type: ignore[attr-defined]
    assert next(rabbit.all_messages()).json_data() == {"r": 1}  # type: ignore[attr-defined]


def test_dynamodb_factory_infers_event_names_and_encodes_items() -> None:
    event = dynamodb_stream_event(
        [{"new": {"id": "1", "n": 2}}, {"old": {"id": "1"}, "new": {"id": "1", "n": 3}}, {"old": {"id": "1"}}],
        key="id",
    )
    records = parse(event).records  # type: ignore[attr-defined]
    assert [r.event_name for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[0].new_item == {"id": "1", "n": Decimal(2)} and records[0].key == {"id": "1"}
    assert records[2].new_item is None and records[2].old_item == {"id": "1"}
    keys_only = parse(dynamodb_stream_event(view_type="KEYS_ONLY")).records[0]  # type: ignore[attr-defined]
    assert keys_only.new_item is None and keys_only.key == {"id": "1"}
    with pytest.raises(ValueError, match="needs a 'new' or an 'old' item"):
        dynamodb_stream_event([{}])


def test_storage_factories() -> None:
    assert parse(s3_event("b", ["x y.txt", "z"])).records[1].object_key == "z"  # type: ignore[attr-defined]
    removed = parse(s3_event(event_name="ObjectRemoved:Delete")).records[0]  # type: ignore[attr-defined]
    assert removed.s3.object.size is None
    assert parse(s3_eventbridge_event("b", "k")).detail.object.key == "k"  # type: ignore[attr-defined]
    deleted = s3_eventbridge_event(detail_type="Object Deleted")
    assert "size" not in deleted["detail"]["object"]
    v1 = parse(s3_batch_operation_event("b", ["k 1"], schema_version="1.0"))
    assert v1.tasks[0].bucket_name == "b" and v1.tasks[0].decoded_key == "k 1"  # type: ignore[attr-defined]
    for operation, field in [
        ("GetObject", "get_object_context"),
        ("HeadObject", "head_object_context"),
        ("ListObjects", "list_objects_context"),
        ("ListObjectsV2", "list_objects_v2_context"),
    ]:
        assert getattr(parse(s3_object_lambda_event(operation)), field) is not None
    with pytest.raises(ValueError, match="operation must be one of"):
        s3_object_lambda_event("PutObject")


def test_eventbridge_and_cloudwatch_factories() -> None:
    event = parse(eventbridge_event({"x": 1}, detail_type="Thing", source="my.app", resources=["arn:r"]))
    assert event.detail == {"x": 1} and event.detail_type == "Thing" and event.resources == ["arn:r"]  # type: ignore[attr-defined]
    logs = cloudwatch_logs_event(["one", {"two": 2}], log_group="/g")
    decoded = json.loads(gzip.decompress(base64.b64decode(logs["awslogs"]["data"])))
    assert decoded["logGroup"] == "/g" and [e["message"] for e in decoded["logEvents"]] == ["one", '{"two":2}']
    alarm = parse(cloudwatch_alarm_event("a", state="OK", previous_state="ALARM"))
    assert alarm.alarm_data.state.value == "OK" and alarm.alarm_data.previous_state.value == "ALARM"  # type: ignore[attr-defined]


def test_factory_modules_do_not_import_pydantic() -> None:
    folder = Path(testing_events.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert not any(name.startswith(("pydantic", "lambda_toolkit.events")) for name in imported), path.name


def test_every_named_factory_is_exported() -> None:
    for module in ("_http", "_apps", "_queues", "_streams", "_storage", "_eventbridge"):
        names = getattr(testing_events, module).__all__
        assert set(names) <= set(testing_events.__all__), module

"""Payloads one trigger carries for another: CloudWatch Logs in Kinesis and Firehose, SQS messages in Firehose."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.eventbridge import CloudWatchLogsData
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.events.streams import KinesisFirehoseEvent, KinesisStreamEvent
from lambda_toolkit.testing.events import firehose_event, kinesis_event
from tests.events.core_samples import fixture


def test_a_kinesis_record_from_a_logs_subscription_decodes_to_the_log_events() -> None:
    event = parse(fixture("kinesis-stream--cloudwatch-logs.json"))
    assert isinstance(event, KinesisStreamEvent)
    logs = event.records[0].cloudwatch_logs()
    assert isinstance(logs, CloudWatchLogsData)
    assert logs.log_group == "/aws/lambda/payments" and logs.subscription_filters == ["to-kinesis"]
    assert logs.log_events[0].json_message() == {"level": "WARN", "message": "retrying"}


def test_a_firehose_record_from_a_logs_subscription_decodes_too() -> None:
    payload = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": ""}
    event = firehose_event([gzip.compress(json.dumps(payload).encode())])
    record = parse(event).records[0]  # type: ignore[attr-defined]
    assert record.cloudwatch_logs().message_type == "CONTROL_MESSAGE"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"SECRET plain text", "not valid gzip data"),
        (gzip.compress(b"SECRET not json"), "not valid JSON (line 1, column 1)"),
    ],
)
def test_a_kinesis_record_that_is_not_logs_data_is_named_without_its_value(data: bytes, message: str) -> None:
    record = parse(kinesis_event([data])).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.cloudwatch_logs()
    assert caught.value.errors[0] == ("kinesis.data", message)
    assert "SECRET" not in str(caught.value)


def test_logs_data_missing_a_field_is_named_under_the_record_data() -> None:
    record = parse(kinesis_event([gzip.compress(b'{"messageType": "DATA_MESSAGE"}')])).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.cloudwatch_logs()
    assert "kinesis.data.logGroup" in [e.path for e in caught.value.errors]


def test_a_firehose_record_carrying_an_sqs_message_is_typed() -> None:
    event = parse(fixture("kinesis-firehose--sqs.json"))
    assert isinstance(event, KinesisFirehoseEvent)
    message = event.records[0].sqs_record()
    assert isinstance(message, SQSRecord)
    assert message.json_body() == {"order_id": "o-2002"}
    assert message.queue_name == "orders-archive" and message.approximate_receive_count == 1


def test_a_firehose_record_that_is_no_sqs_message_is_named() -> None:
    not_sqs = base64.b64encode(json.dumps({"messageId": "m-1"}).encode()).decode()
    event = firehose_event(["x"])
    event["records"][0]["data"] = not_sqs
    record = parse(event).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.sqs_record()
    assert {"data.receiptHandle", "data.body", "data.eventSource"} <= {e.path for e in caught.value.errors}

"""The queue, stream, storage, EventBridge and CloudWatch models: typed fields, on-demand decoding."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.events import (
    ActiveMQEvent,
    CloudWatchAlarmEvent,
    CloudWatchLogsEvent,
    DynamoDBStreamEvent,
    EventBridgeEvent,
    EventValidationError,
    KafkaEvent,
    KinesisFirehoseEvent,
    KinesisStreamEvent,
    RabbitMQEvent,
    S3BatchOperationEvent,
    S3Event,
    S3EventBridgeEvent,
    S3ObjectLambdaEvent,
    SESEvent,
    SNSEvent,
    SQSEvent,
    parse,
)
from lambda_toolkit.testing.events import (
    cloudwatch_logs_event,
    kafka_event,
    kinesis_event,
    s3_event,
    sns_event,
    sqs_event,
)
from tests.events.core_samples import fixture

# -- SQS ---------------------------------------------------------------------------------------


def test_sqs_record_fields_are_typed_and_bodies_stay_text() -> None:
    event = parse(fixture("sqs.json"))
    assert isinstance(event, SQSEvent)
    record = event.records[0]
    assert record.message_id == "6c0a8f3e-2f51-4b8e-9c4d-1f7b2d9e0a11"
    assert record.body == '{"order_id": "o-1001", "quantity": 2}'
    assert record.queue_name == "orders-queue"
    assert record.event_source_arn == "arn:aws:sqs:eu-west-1:111122223333:orders-queue"


def test_sqs_system_attributes_are_typed_when_read() -> None:
    record = parse(fixture("sqs.json")).records[0]  # type: ignore[attr-defined]
    assert record.approximate_receive_count == 2
    assert record.sent_timestamp == datetime(2024, 6, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert record.system_attributes.sender_id == "AROAEXAMPLEROLEID1234:order-service"
    assert record.message_group_id is None
    assert record.system_attributes is record.system_attributes  # decoded once


def test_sqs_fifo_attributes() -> None:
    record = parse(fixture("sqs--fifo.json")).records[0]  # type: ignore[attr-defined]
    assert record.message_group_id == "1"
    assert record.system_attributes.sequence_number == "18849496460467696128"
    assert record.queue_name == "fifo.fifo"


def test_sqs_message_attributes_are_typed_when_read() -> None:
    record = parse(fixture("sqs.json")).records[0]  # type: ignore[attr-defined]
    binary = record.message_attribute("Checksum")
    assert binary.data_type == "Binary" and binary.binary() == b"\x01\x02\x03\x04"
    assert binary.binary_list_values == ["AQ==", "Ag=="]
    assert record.message_attribute("Tenant").string_value == "acme"
    assert record.message_attribute("Tenant").binary() is None
    assert record.message_attribute("missing") is None


def test_bad_attributes_fail_when_read_with_their_path() -> None:
    event = fixture("sqs.json")
    event["Records"][0]["attributes"]["SentTimestamp"] = "SECRET-VALUE"
    event["Records"][0]["messageAttributes"]["Tenant"]["dataType"] = 7
    record = parse(event).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.sent_timestamp
    assert [e.path for e in caught.value.errors] == ["attributes.SentTimestamp"]
    assert "SECRET-VALUE" not in str(caught.value)
    with pytest.raises(EventValidationError) as caught:
        record.message_attribute("Tenant")
    assert [e.path for e in caught.value.errors] == ["messageAttributes.Tenant.dataType"]


def test_attribute_maps_must_be_objects() -> None:
    event = fixture("sqs.json")
    event["Records"][0]["attributes"] = ["x"]
    with pytest.raises(EventValidationError) as caught:
        parse(event)
    assert [e.path for e in caught.value.errors] == ["Records.0.attributes"]


def test_sqs_json_body_is_parsed_on_demand() -> None:
    event = parse(sqs_event([{"order": 1}, "not json"]))
    assert event.records[0].json_body() == {"order": 1}  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        event.records[1].json_body()  # type: ignore[attr-defined]
    assert caught.value.errors[0].path == "body"


def test_a_big_batch_parses_without_reading_bodies() -> None:
    event = sqs_event(["{not json"] * 2000)
    parsed = parse(event)
    assert len(parsed.records) == 2000  # type: ignore[attr-defined]


# -- SNS and SES -------------------------------------------------------------------------------


def test_sns_record() -> None:
    event = parse(fixture("sns.json"))
    assert isinstance(event, SNSEvent)
    record = event.records[0]
    assert record.message_id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    assert record.sns.json_message() == {"order_id": "o-1001", "status": "shipped"}
    assert record.sns.subject == "Order shipped"
    assert record.sns.signing_cert_url is not None and record.sns.signing_cert_url.startswith("https://sns.")
    assert record.sns.message_attributes["priority"].value == "high"
    assert record.sns.message_attributes["attempt"].type == "Number"
    assert record.sns.timestamp.year == 2024


def test_sns_json_message_on_demand() -> None:
    record = parse(sns_event({"alarm": "on"})).records[0]  # type: ignore[attr-defined]
    assert record.sns.json_message() == {"alarm": "on"}
    assert record.sns.subject is None
    bad = parse(sns_event("plain text")).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        bad.sns.json_message()
    assert caught.value.errors[0].path == "Message"


def test_cloudwatch_alarms_through_sns_are_sns() -> None:
    event = parse(fixture("sns--cloudwatch-alarm.json"))
    assert isinstance(event, SNSEvent)
    assert event.records[0].sns.json_message()["AlarmName"] == "orders-5xx"


@pytest.mark.parametrize("name", ["ses.json", "ses--s3-action.json", "ses--sns-action.json"])
def test_ses_records(name: str) -> None:
    event = parse(fixture(name))
    assert isinstance(event, SESEvent)
    record = event.records[0]
    assert record.ses.mail.common_headers is not None
    assert record.ses.mail.common_headers.from_
    assert record.ses.mail.common_headers.subject == "Order question"
    assert record.ses.receipt.action.type in ("Lambda", "S3", "SNS")
    assert record.ses.receipt.spam_verdict is not None


def test_ses_action_fields() -> None:
    record = parse(fixture("ses--s3-action.json")).records[0]  # type: ignore[attr-defined]
    assert record.ses.receipt.action.bucket_name == "incoming-mail"
    assert record.ses.receipt.action.object_key == "mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"


# -- Kinesis and Firehose ----------------------------------------------------------------------


def test_kinesis_data_is_decoded_once_and_json_on_demand() -> None:
    event = parse(fixture("kinesis-stream.json"))
    assert isinstance(event, KinesisStreamEvent)
    record = event.records[0]
    assert record.data_bytes == b'{"page": "/checkout"}'
    assert record.data_bytes is record.data_bytes
    assert record.json_data() == {"page": "/checkout"}
    assert record.sequence_number == "49650000000000000000000000000000000000000000000000000001"
    assert record.kinesis.approximate_arrival_timestamp == datetime(2024, 6, 1, 12, 0, 0, 125000, tzinfo=timezone.utc)
    assert parse(kinesis_event([{"a": 1}])).records[0].json_data() == {"a": 1}  # type: ignore[attr-defined]


def test_kinesis_bad_data_fails_when_read() -> None:
    event = kinesis_event(["x"])
    event["Records"][0]["kinesis"]["data"] = "SECRET!!"
    record = parse(event).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.data_bytes
    assert caught.value.errors[0] == ("kinesis.data", "not valid base64")
    not_json = parse(kinesis_event([b"\x00binary"])).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError):
        not_json.json_data()


def test_tumbling_window_fields() -> None:
    event = parse(fixture("kinesis-stream--tumbling-window.json"))
    assert isinstance(event, KinesisStreamEvent)
    assert event.window is not None and event.window.start < event.window.end
    assert event.state == {"views": "12"}
    assert event.shard_id == "shardId-000000000001"
    assert event.is_final_invoke_for_window is False
    assert parse(fixture("kinesis-stream.json")).window is None  # type: ignore[attr-defined]


def test_firehose_records() -> None:
    event = parse(fixture("kinesis-firehose.json"))
    assert isinstance(event, KinesisFirehoseEvent)
    record = event.records[0]
    assert record.record_id == "49650000000000000000000000000000000000000000000000000001000000000000"
    assert record.data_bytes == b"not json at all"
    assert record.kinesis_record_metadata is not None
    assert record.kinesis_record_metadata.shard_id == "shardId-000000000001"
    assert record.approximate_arrival_timestamp.year == 2024
    assert event.records[1].json_data() == {"page": "/home"}
    with pytest.raises(EventValidationError):
        record.json_data()


# -- DynamoDB Streams --------------------------------------------------------------------------


def test_dynamodb_images_become_python_values() -> None:
    event = parse(fixture("dynamodb-stream.json"))
    assert isinstance(event, DynamoDBStreamEvent)
    insert, modify, remove = event.records
    assert insert.event_name == "INSERT" and insert.key == {"pk": "order#o-1001"}
    placed = {"pk": "order#o-1001", "status": "placed", "total": Decimal("19.90")}
    assert insert.new_item == placed and insert.old_item is None
    assert modify.old_item == placed
    assert modify.new_item is not None and modify.new_item["tags"] == {"gift", "express"}
    assert modify.new_item["paid"] is True
    assert remove.new_item is None and remove.old_item is not None
    assert [r.sequence_number for r in event.records] == [
        "100000000000000000001",
        "100000000000000000002",
        "100000000000000000003",
    ]
    assert insert.dynamodb.stream_view_type == "NEW_AND_OLD_IMAGES"


def test_dynamodb_ttl_removals_carry_the_service_identity() -> None:
    record = parse(fixture("dynamodb-stream--ttl-removal.json")).records[0]  # type: ignore[attr-defined]
    assert record.user_identity is not None
    assert record.user_identity.principal_id == "dynamodb.amazonaws.com"
    assert record.old_item["ttl"] == Decimal("1479499700")


def test_dynamodb_malformed_images_fail_when_read_with_their_path() -> None:
    event = fixture("dynamodb-stream.json")
    event["Records"][0]["dynamodb"]["NewImage"]["val"] = {"N": "SECRET"}
    record = parse(event).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.new_item
    assert caught.value.errors[0].path == "dynamodb.NewImage.val.N"
    assert "SECRET" not in str(caught.value)


def test_dynamodb_event_name_is_checked() -> None:
    event = fixture("dynamodb-stream.json")
    event["Records"][0]["eventName"] = "UPSERT"
    with pytest.raises(EventValidationError) as caught:
        parse(event)
    assert caught.value.errors[0].path == "Records.0.eventName"


# -- Kafka, ActiveMQ, RabbitMQ -----------------------------------------------------------------


def test_kafka_records_decode_keys_values_and_signed_headers() -> None:
    event = parse(fixture("kafka.json"))
    assert isinstance(event, KafkaEvent)
    record = next(event.all_records())
    assert record.json_value() == {"order_id": "o-1001"}
    assert record.key_bytes == b"o-1001"
    assert record.header("traceparent") == b"00-ab"
    assert record.header("signed") == bytes([1, 255, 127, 128])
    assert record.header("missing") is None
    assert record.decoded_headers == {"traceparent": b"00-ab", "signed": bytes([1, 255, 127, 128])}
    assert record.record_id == "orders-0@15"
    assert record.timestamp == datetime(2024, 6, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert [r.offset for r in event.all_records()] == [15, 16]


def test_self_managed_kafka_has_no_arn() -> None:
    event = parse(fixture("kafka--self-managed.json"))
    assert isinstance(event, KafkaEvent)
    assert event.event_source == "SelfManagedKafka" and event.event_source_arn is None
    assert next(event.all_records()).value_bytes == b"Hello, this is a test."


def test_kafka_json_values_and_tombstones() -> None:
    event = kafka_event([{"a": 1}], key="k", headers={"trace": "abc"})
    record = next(parse(event).all_records())  # type: ignore[attr-defined]
    assert record.json_value() == {"a": 1}
    assert record.key_bytes == b"k"
    assert record.header("trace") == b"abc"
    del event["records"]["my-topic-0"][0]["value"]
    del event["records"]["my-topic-0"][0]["key"]
    tombstone = next(parse(event).all_records())  # type: ignore[attr-defined]
    assert tombstone.value_bytes is None and tombstone.key_bytes is None and tombstone.json_value() is None


def test_mq_messages() -> None:
    active = parse(fixture("activemq.json"))
    assert isinstance(active, ActiveMQEvent)
    message = active.messages[0]
    assert message.data_bytes == b"order o-1001 placed"
    assert message.destination is not None and message.destination.physical_name == "orders"
    with pytest.raises(EventValidationError):
        message.json_data()
    rabbit = parse(fixture("rabbitmq.json"))
    assert isinstance(rabbit, RabbitMQEvent)
    first = next(rabbit.all_messages())
    assert first.json_data() == {"order_id": "o-1001"}
    assert first.basic_properties.body_size == 22
    assert list(rabbit.rmq_messages_by_queue) == ["orders::/"]
    assert len(list(rabbit.all_messages())) == 1


def test_mq_messages_without_data_are_empty() -> None:
    event = fixture("activemq.json")
    del event["messages"][0]["data"]
    assert parse(event).messages[0].data_bytes == b""  # type: ignore[attr-defined]
    rabbit = fixture("rabbitmq.json")
    del rabbit["rmqMessagesByQueue"]["orders::/"][0]["data"]
    assert next(parse(rabbit).all_messages()).data_bytes == b""  # type: ignore[attr-defined]


# -- S3 ----------------------------------------------------------------------------------------


def test_s3_keys_are_url_decoded() -> None:
    event = parse(s3_event("my-bucket", "folder/my photo+1.jpg"))
    assert isinstance(event, S3Event)
    record = event.records[0]
    assert record.s3.object.key == "folder/my+photo%2B1.jpg"
    assert record.object_key == "folder/my photo+1.jpg"
    assert record.bucket_name == "my-bucket"
    assert record.s3.object.size == 1024


def test_s3_deletions_have_no_size() -> None:
    record = parse(fixture("s3--object-removed.json")).records[0]  # type: ignore[attr-defined]
    assert record.s3.object.size is None and record.s3.object.e_tag is None
    assert record.object_key == "my photo(1).jpg"


@pytest.mark.parametrize("name", ["s3--glacier.json", "s3--intelligent-tiering.json", "s3--replication.json"])
def test_s3_variants_keep_their_extra_data(name: str) -> None:
    record = parse(fixture(name)).records[0]  # type: ignore[attr-defined]
    assert record.model_extra  # glacierEventData, restoreEventData, replicationEventData


def test_s3_through_eventbridge() -> None:
    event = parse(fixture("s3-eventbridge.json"))
    assert isinstance(event, S3EventBridgeEvent)
    assert event.detail.bucket.name == "amzn-s3-demo-bucket1"
    assert event.detail.object.key == "example-key" and event.detail.object.version_id
    assert event.detail.source_ip_address == "1.2.3.4"
    deleted = parse(fixture("s3-eventbridge--object-deleted.json"))
    assert deleted.detail.deletion_type == "Delete Marker Created"  # type: ignore[attr-defined]
    restored = parse(fixture("s3-eventbridge--restore-completed.json"))
    assert restored.detail.restore_expiry_time.year == 2021  # type: ignore[attr-defined]


def test_s3_batch_operations_both_schemas() -> None:
    v1 = parse(fixture("s3-batch-operation.json"))
    assert isinstance(v1, S3BatchOperationEvent)
    assert v1.tasks[0].bucket_name == "orders-exports" and v1.job.user_arguments is None
    assert v1.tasks[0].decoded_key == "customers/a b.csv"
    v2 = parse(fixture("s3-batch-operation--v2.json"))
    assert v2.tasks[0].bucket_name == "orders-exports"  # type: ignore[attr-defined]
    assert v2.job.user_arguments == {"targetPrefix": "processed/"}  # type: ignore[attr-defined]
    assert v2.tasks[0].decoded_key == "customers/a b.csv"  # type: ignore[attr-defined]
    task = type(v2.tasks[0]).model_validate({"taskId": "t", "s3Key": "a+b%21"})  # type: ignore[attr-defined]
    assert task.bucket_name is None and task.decoded_key == "a b!"


def test_s3_object_lambda_contexts() -> None:
    get = parse(fixture("s3-object-lambda--get-object.json"))
    assert isinstance(get, S3ObjectLambdaEvent)
    assert get.get_object_context is not None and get.get_object_context.output_token == "OutputTokenExample"
    assert get.user_identity is not None and get.user_identity.session_context
    listing = parse(fixture("s3-object-lambda--list-objects-v2.json"))
    assert listing.list_objects_v2_context is not None and listing.get_object_context is None  # type: ignore[attr-defined]
    head = parse(fixture("s3-object-lambda--head-object.json"))
    assert head.head_object_context is not None  # type: ignore[attr-defined]


# -- EventBridge and CloudWatch ----------------------------------------------------------------


class Detail(BaseModel):
    instance_id: str


def test_eventbridge_detail_is_a_dict_by_default_and_typed_when_parametrised() -> None:
    raw = fixture("eventbridge--ecs-state-change.json")
    event = parse(raw)
    assert isinstance(event, EventBridgeEvent)
    assert isinstance(event.detail, dict)
    assert event.detail_type == "ECS Container Instance State Change"
    assert event.time.tzinfo is not None

    typed = EventBridgeEvent[dict[str, Any]].model_validate(fixture("eventbridge--codebuild-state-change.json"))
    assert typed.detail["project-name"]
    scheduled = parse(fixture("eventbridge--scheduled.json"))
    assert scheduled.detail == {} and scheduled.resources  # type: ignore[attr-defined]


def test_a_parametrised_eventbridge_model_validates_the_detail() -> None:
    raw = copy.deepcopy(fixture("eventbridge--scheduled.json"))
    raw["detail"] = {"instance_id": "i-1"}
    assert EventBridgeEvent[Detail].model_validate(raw).detail.instance_id == "i-1"
    raw["detail"] = {"instance": "i-1"}
    with pytest.raises(Exception, match=r"detail\.instance_id"):
        EventBridgeEvent[Detail].model_validate(raw)


def test_cloudwatch_logs_are_decoded_when_read() -> None:
    event = parse(fixture("cloudwatch-logs.json"))
    assert isinstance(event, CloudWatchLogsEvent)
    data = event.decoded
    assert data is event.decoded
    assert data.message_type == "DATA_MESSAGE"
    assert data.log_group == "/aws/lambda/orders-api" and data.subscription_filters == ["errors-to-lambda"]
    assert data.log_events[0].json_message() == {"level": "ERROR", "message": "payment declined"}
    logs = parse(cloudwatch_logs_event([{"level": "INFO"}]))
    assert logs.decoded.log_events[0].json_message() == {"level": "INFO"}  # type: ignore[attr-defined]
    control = parse(fixture("cloudwatch-logs--control-message.json"))
    assert control.decoded.message_type == "CONTROL_MESSAGE"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ("SECRET!!", "awslogs.data"),
        (base64.b64encode(b"SECRET not gzip").decode(), "awslogs.data"),
        (base64.b64encode(__import__("gzip").compress(b"SECRET not json")).decode(), "awslogs.data"),
        (base64.b64encode(__import__("gzip").compress(json.dumps({"owner": 1}).encode())).decode(), "awslogs.data."),
    ],
)
def test_bad_cloudwatch_logs_data_fails_with_its_path(data: str, path: str) -> None:
    event = parse({"awslogs": {"data": data}})
    with pytest.raises(EventValidationError) as caught:
        event.decoded  # type: ignore[attr-defined]
    assert all(error.path.startswith(path) for error in caught.value.errors)
    assert "SECRET" not in str(caught.value)


def test_cloudwatch_alarms() -> None:
    event = parse(fixture("cloudwatch-alarm.json"))
    assert isinstance(event, CloudWatchAlarmEvent)
    assert event.alarm_data.state.value == "ALARM"
    assert event.alarm_data.previous_state is not None
    assert event.alarm_data.previous_state.json_reason_data()["statistic"] == "Average"
    assert event.alarm_data.state.json_reason_data() is None
    assert event.alarm_data.configuration is not None
    metric = event.alarm_data.configuration.metrics[0].metric_stat
    assert metric is not None and metric.metric.dimensions == {"InstanceId": "i-12345678"}
    composite = parse(fixture("cloudwatch-alarm--composite.json"))
    assert composite.alarm_data.configuration.alarm_rule.startswith("ALARM(")  # type: ignore[attr-defined]
    assert composite.alarm_data.previous_state.actions_suppressed_by == "WaitPeriod"  # type: ignore[attr-defined]


def test_shallow_fields_are_objects_in_the_json_schema() -> None:
    from lambda_toolkit.events._fields import SHALLOW
    from lambda_toolkit.events.queues import SQSRecord

    schema = SQSRecord.model_json_schema()
    assert schema["properties"]["attributes"] == {"type": "object", "title": "Attributes"}
    assert repr(SHALLOW) == "SHALLOW"


def test_payloads_and_tokens_stay_out_of_reprs() -> None:
    from lambda_toolkit.testing.events import (
        activemq_event,
        dynamodb_stream_event,
        eventbridge_event,
        firehose_event,
        rabbitmq_event,
        s3_object_lambda_event,
        ses_event,
    )

    secret = "SECRET-PAYLOAD"
    events = [
        sqs_event([secret], message_attributes={"a": secret}),
        sns_event(secret, message_attributes={"a": secret}),
        ses_event(f"{secret}@example.com", [f"{secret}@example.com"], secret),
        kinesis_event([secret]),
        firehose_event([secret]),
        kafka_event([secret], key=secret),
        dynamodb_stream_event([{"new": {"id": secret}, "old": {"id": secret}}]),
        activemq_event([secret]),
        rabbitmq_event([secret]),
        eventbridge_event({"card": secret}),
        cloudwatch_logs_event([secret]),
    ]
    encoded = base64.b64encode(secret.encode()).decode()
    for event in events:
        model = parse(event)
        text = repr(model)
        assert secret not in text and encoded[:12] not in text, type(model).__name__
    logs = parse(cloudwatch_logs_event([secret]))
    assert secret not in repr(logs.decoded)  # type: ignore[attr-defined]
    object_lambda = parse(s3_object_lambda_event(payload="{}"))
    assert "X-Amz-Security-Token" not in repr(object_lambda) and "OutputToken" not in repr(object_lambda)

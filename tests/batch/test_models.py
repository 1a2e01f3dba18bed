"""What the record function receives: lazily validated typed records, or the user's model."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.batch import RecordValidationError, batch, process_batch
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import dynamodb_stream_event, kafka_event, kinesis_event, sqs_event

from . import _events


class Order(BaseModel):
    order_id: str
    quantity: int


ORDERS = [{"order_id": "o-1", "quantity": 2}, {"order_id": "o-2", "quantity": 5}]


@pytest.mark.parametrize(
    ("source", "event"),
    [
        ("sqs", sqs_event(ORDERS)),
        ("kinesis-stream", kinesis_event(ORDERS)),
        ("dynamodb-stream", dynamodb_stream_event([{"new": {"id": "1", **order}} for order in ORDERS])),
        ("kafka", kafka_event(ORDERS)),
    ],
)
def test_the_payload_of_each_source_is_validated_into_the_model(source: Any, event: dict[str, Any]) -> None:
    received: list[Order] = []
    outcome = process_batch(event, received.append, source=source, model=Order)
    assert outcome.failed_count == 0
    assert received == [Order(order_id="o-1", quantity=2), Order(order_id="o-2", quantity=5)]


def test_dynamodb_numbers_keep_their_precision() -> None:
    @dataclasses.dataclass
    class Price:
        id: str
        amount: Decimal

    event = dynamodb_stream_event([{"new": {"id": "1", "amount": Decimal("0.1")}}])
    received: list[Price] = []
    process_batch(event, received.append, source="dynamodb-stream", model=Price)
    assert received == [Price(id="1", amount=Decimal("0.1"))]


def test_a_remove_without_new_image_reaches_an_optional_model_as_none() -> None:
    event = dynamodb_stream_event([{"old": {"id": "1", "order_id": "o", "quantity": 1}}])
    received: list[Any] = []
    process_batch(event, received.append, source="dynamodb-stream", model=Order | None)
    assert received == [None]


def test_a_kafka_tombstone_reaches_an_optional_model_as_none() -> None:
    event = kafka_event([{"order_id": "o-1", "quantity": 1}])
    ((_, records),) = event["records"].items()
    records[0]["value"] = None
    received: list[Any] = []
    process_batch(event, received.append, source="kafka", model=Order | None)
    assert received == [None]


def test_a_payload_that_does_not_fit_fails_only_its_record(caplog: pytest.LogCaptureFixture) -> None:
    event = sqs_event([ORDERS[0], {"order_id": "o-9", "quantity": "many"}, "not json at all", ORDERS[1]])
    for i, record in enumerate(event["Records"]):
        record["messageId"] = f"m{i}"
    received: list[Order] = []
    outcome = process_batch(event, received.append, source="sqs", model=Order)
    assert [order.order_id for order in received] == ["o-1", "o-2"]
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m1", "invalid"), ("m2", "invalid")]
    quantity, not_json = (f.error for f in outcome.failures)
    assert isinstance(quantity, RecordValidationError)
    assert quantity.errors == [
        ("body.quantity", "Input should be a valid integer, unable to parse string as an integer")
    ]
    assert str(quantity) == (
        "sqs record m1: payload does not match Order: "
        "body.quantity: Input should be a valid integer, unable to parse string as an integer"
    )
    assert isinstance(not_json, RecordValidationError)
    assert not_json.errors[0][0] == "body"
    assert "Invalid JSON" in not_json.errors[0][1]
    assert "sqs record m1 (index 1) failed (invalid): RecordValidationError" in caplog.text
    assert "many" not in caplog.text and "not json" not in caplog.text
    assert "many" not in str(quantity) and "not json" not in str(not_json)


def test_bad_base64_in_kinesis_data_is_an_invalid_record() -> None:
    event = kinesis_event(ORDERS)
    event["Records"][0]["kinesis"]["data"] = "%%%not-base64"
    outcome = process_batch(event, lambda order: None, source="kinesis-stream", model=Order)
    (failure,) = outcome.failures
    assert failure.reason == "invalid"
    assert isinstance(failure.error, RecordValidationError)
    assert failure.error.errors == [("kinesis.data", "not valid base64")]


def test_a_broken_dynamodb_image_is_an_invalid_record() -> None:
    event = dynamodb_stream_event([{"new": {"id": "1", "order_id": "o", "quantity": 1}}])
    event["Records"][0]["dynamodb"]["NewImage"]["quantity"] = {"N": "lots"}
    outcome = process_batch(event, lambda order: None, source="dynamodb-stream", model=Order, all_failed="report")
    (failure,) = outcome.failures
    assert isinstance(failure.error, RecordValidationError)
    assert failure.error.errors == [("dynamodb.NewImage.quantity.N", "not a valid DynamoDB number")]


def test_many_validation_errors_are_summarised() -> None:
    fields = {f"f{i}": int for i in range(12)}
    model = dataclasses.make_dataclass("Wide", fields.items())
    outcome = process_batch(sqs_event([{}]), lambda item: None, source="sqs", model=model, all_failed="report")
    assert str(outcome.failures[0].error).endswith("(+2 more)")


def test_records_are_typed_models_validated_on_first_read() -> None:
    received: list[SQSRecord] = []
    event = _events.sqs(2)
    process_batch(event, received.append, source="sqs")
    first, second = received
    assert isinstance(first, SQSRecord)
    assert first.message_id == "m0"
    assert first.approximate_receive_count == 1
    assert first.json_body() == {"n": 0}
    assert first == SQSRecord.model_validate(event["Records"][0])
    assert first != second
    assert first != "m0"  # type: ignore[comparison-overlap]
    assert first.model_dump(by_alias=True)["messageId"] == "m0"
    assert repr(first).startswith("SQSRecord(message_id='m0'")
    assert pickle.loads(pickle.dumps(first)) == first
    assert copy.deepcopy(second).message_id == "m1"
    with pytest.raises(Exception, match="frozen"):
        first.body = "changed"


def test_a_record_that_does_not_fit_its_record_model_is_an_invalid_record() -> None:
    event = _events.sqs(2)
    del event["Records"][1]["receiptHandle"]

    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        record.receipt_handle

    assert handler(event, FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    outcome = process_batch(event, lambda record: record.receipt_handle, source="sqs")
    (failure,) = outcome.failures
    assert failure.reason == "invalid"
    assert str(failure.error) == "sqs record m1: payload does not match SQSRecord: receiptHandle: Field required"


@pytest.mark.parametrize("source", _events.SOURCES)
def test_an_invalid_typed_record_names_its_id(source: str) -> None:
    event = _events.make(source, 1)
    record = _events.raw_records(source, event)[0]
    record["awsRegion" if source != "kafka" else "timestamp"] = {"not": "valid"}
    field = "aws_region" if source != "kafka" else "timestamp"
    outcome = process_batch(event, lambda r: getattr(r, field), source=source, all_failed="report")  # type: ignore[arg-type]
    (failure,) = outcome.failures
    assert isinstance(failure.error, RecordValidationError)
    assert failure.error.item_id == _events.item_id(source, record)


def test_a_record_that_is_not_validated_is_never_read() -> None:
    event = _events.sqs(1)
    del event["Records"][0]["receiptHandle"]
    outcome = process_batch(event, lambda record: "never looked", source="sqs")
    assert outcome.failed_count == 0


def test_isinstance_does_not_validate_a_record() -> None:
    event = _events.sqs(1)
    del event["Records"][0]["receiptHandle"]
    outcome = process_batch(event, lambda record: isinstance(record, SQSRecord), source="sqs")
    assert outcome.successes[0].result is True


def test_the_validated_model_of_a_record_is_at_hand() -> None:
    received: list[SQSRecord] = []
    event = _events.sqs(1)
    process_batch(event, received.append, source="sqs")
    (record,) = received
    model = record.to_model()  # type: ignore[attr-defined]
    assert type(model) is SQSRecord and model == SQSRecord.model_validate(event["Records"][0])
    assert record.model_copy(update={"body": "other"}).body == "other"
    assert record.json_body() == {"n": 0}  # the original is untouched
    assert record.raw is event["Records"][0]  # type: ignore[attr-defined]


def test_reading_a_field_does_not_validate_the_whole_record() -> None:
    event = _events.sqs(2)
    del event["Records"][0]["receiptHandle"]
    event["Records"][0]["attributes"]["SentTimestamp"] = "not a time"

    def process(record: SQSRecord) -> Any:
        return (record.message_id, record.json_body(), record.event_source_arn, record.md5_of_body)

    outcome = process_batch(event, process, source="sqs")
    assert outcome.failed_count == 0
    raw = event["Records"][0]
    assert outcome.successes[0].result == ("m0", {"n": 0}, raw["eventSourceARN"], raw["md5OfBody"])


def test_a_field_of_the_wrong_type_is_an_invalid_record_naming_the_field() -> None:
    event = _events.sqs(2)
    event["Records"][1]["body"] = 42
    outcome = process_batch(event, lambda record: record.body, source="sqs")
    (failure,) = outcome.failures
    assert failure.reason == "invalid"
    assert isinstance(failure.error, RecordValidationError)
    assert failure.error.errors == [("body", "Input should be a valid string")]
    assert "42" not in str(failure.error)


@pytest.mark.parametrize("source", _events.SOURCES)
def test_typed_records_import_no_pydantic_until_a_record_needs_it(source: str) -> None:
    code = f"""
import sys
from lambda_toolkit.batch import process_batch, batch
from tests.batch import _events
handler = batch({source!r})(lambda record: None)
event = _events.make({source!r}, 3)
seen = []
process_batch(event, lambda record: seen.append(_events.payload_n({source!r}, record)), source={source!r})
assert len(seen) == 3, seen
print("pydantic" in sys.modules)
"""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_records_of_every_source_read_their_fields_without_the_model() -> None:
    kinesis = _events.make("kinesis-stream", 1)
    dynamodb = _events.make("dynamodb-stream", 1)
    kafka = _events.make("kafka", 1)
    got: list[Any] = []
    process_batch(
        kinesis, lambda r: got.append((r.sequence_number, r.partition_key, r.json_data())), source="kinesis-stream"
    )
    process_batch(dynamodb, lambda r: got.append((r.sequence_number, r.event_name)), source="dynamodb-stream")
    process_batch(
        kafka, lambda r: got.append((r.topic, r.partition, r.offset, r.record_id, r.json_value())), source="kafka"
    )
    raw_kinesis = kinesis["Records"][0]["kinesis"]
    raw_dynamodb = dynamodb["Records"][0]
    (raw_kafka,) = _events.raw_records("kafka", kafka)
    assert got == [
        (raw_kinesis["sequenceNumber"], raw_kinesis["partitionKey"], {"n": 0}),
        (raw_dynamodb["dynamodb"]["SequenceNumber"], raw_dynamodb["eventName"]),
        (
            raw_kafka["topic"],
            raw_kafka["partition"],
            raw_kafka["offset"],
            f"{raw_kafka['topic']}-{raw_kafka['partition']}@{raw_kafka['offset']}",
            {"n": 0},
        ),
    ]

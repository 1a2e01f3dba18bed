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
    assert first != "m0"
    assert first.model_dump(by_alias=True)["messageId"] == "m0"
    assert repr(first).startswith("SQSRecord(message_id='m0'")
    assert pickle.loads(pickle.dumps(first)) == first
    assert copy.deepcopy(second).message_id == "m1"
    with pytest.raises(Exception, match="frozen"):
        first.body = "changed"  # type: ignore[misc]


def test_a_record_that_does_not_fit_its_record_model_is_an_invalid_record() -> None:
    event = _events.sqs(2)
    del event["Records"][1]["receiptHandle"]

    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        record.body

    assert handler(event, FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    outcome = process_batch(event, lambda record: record.body, source="sqs")
    (failure,) = outcome.failures
    assert failure.reason == "invalid"
    assert str(failure.error) == "sqs record m1: payload does not match SQSRecord: receiptHandle: Field required"


@pytest.mark.parametrize("source", _events.SOURCES)
def test_an_invalid_typed_record_names_its_id(source: str) -> None:
    event = _events.make(source, 1)
    record = _events.raw_records(source, event)[0]
    record["awsRegion" if source != "kafka" else "timestamp"] = {"not": "valid"}
    outcome = process_batch(event, lambda r: r.event_source, source=source, all_failed="report")  # type: ignore[arg-type]
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


def test_pydantic_s_own_ways_of_making_records_work_on_a_record_s_class() -> None:
    received: list[SQSRecord] = []
    event = _events.sqs(1)
    process_batch(event, received.append, source="sqs")
    (record,) = received
    cls = type(record)
    validated = cls.model_validate(event["Records"][0])
    assert validated.message_id == "m0" and validated == record
    assert cls.model_construct(**record.model_dump()).message_id == "m0"
    assert record.model_copy(update={"body": "other"}).body == "other"
    assert record.json_body() == {"n": 0}  # the original is untouched

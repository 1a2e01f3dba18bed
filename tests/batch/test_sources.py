"""Events that are not a batch of the declared source fail before any record runs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lambda_toolkit.batch import BatchSourceError, MissingItemIdError, batch, process_batch
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import sns_event

from . import _events


def _never(record: Any) -> None:
    raise AssertionError("no record may run")


@pytest.mark.parametrize("source", _events.SOURCES)
def test_an_event_of_another_source_is_refused(source: str) -> None:
    other = "kinesis-stream" if source != "kinesis-stream" else "sqs"
    with pytest.raises(BatchSourceError, match=f"^{source} batch: "):
        process_batch(_events.make(other, 2), _never, source=source)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["sqs", "kinesis-stream", "dynamodb-stream"])
def test_an_sns_event_is_not_an_sqs_or_stream_batch(source: Any) -> None:
    with pytest.raises(BatchSourceError, match="has eventSource 'aws:sns'"):
        process_batch(_rename_sns(sns_event()), _never, source=source)


def _rename_sns(event: dict[str, Any]) -> dict[str, Any]:
    for record in event["Records"]:
        record["eventSource"] = record.pop("EventSource")
    return event


@pytest.mark.parametrize("source", _events.SOURCES)
def test_an_empty_batch_is_an_error_never_a_silent_success(source: Any) -> None:
    event = {"Records": []} if source != "kafka" else {"eventSource": "aws:kafka", "records": {}}
    with pytest.raises(BatchSourceError, match="the event has no records"):
        process_batch(event, _never, source=source)


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": {}}, {"Records": "x"}, {"records": []}],
    ids=["no-records", "records-object", "records-string", "lowercase"],
)
def test_an_event_without_a_records_list_is_refused(event: dict[str, Any]) -> None:
    with pytest.raises(BatchSourceError, match="the event has no 'Records' list; is it a sqs event"):
        process_batch(event, _never, source="sqs")


def test_a_record_that_is_not_an_object_is_named() -> None:
    event = _events.sqs(2)
    event["Records"].append("oops")
    with pytest.raises(BatchSourceError, match="record 2 is a str, not an object"):
        process_batch(event, _never, source="sqs")


def test_a_record_of_another_source_inside_the_batch_is_named() -> None:
    event = _events.sqs(3)
    event["Records"][1]["eventSource"] = "aws:kinesis"
    with pytest.raises(BatchSourceError, match="record 1 has eventSource 'aws:kinesis', expected 'aws:sqs'"):
        process_batch(event, _never, source="sqs")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"eventSource": "aws:sqs", "records": {}}, "eventSource 'aws:sqs', expected 'aws:kafka' or"),
        ({"eventSource": "aws:kafka"}, "the event has no 'records' object"),
        ({"eventSource": "aws:kafka", "records": {"t-0": {}}}, "records of 't-0' are not a list"),
        ({"eventSource": "aws:kafka", "records": {"t-0": [1]}}, "record 0 is a int, not an object"),
    ],
)
def test_malformed_kafka_events_are_refused(event: dict[str, Any], message: str) -> None:
    with pytest.raises(BatchSourceError, match=message):
        process_batch(event, _never, source="kafka")


def test_self_managed_kafka_is_a_kafka_batch() -> None:
    event = _events.kafka(2)
    event["eventSource"] = "SelfManagedKafka"
    outcome = process_batch(event, lambda record: None, source="kafka")
    assert outcome.succeeded_count == 2


def _remove(record: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    del record[last]


@pytest.mark.parametrize(
    ("source", "path", "field"),
    [
        ("sqs", "messageId", "messageId"),
        ("kinesis-stream", "kinesis.sequenceNumber", "kinesis.sequenceNumber"),
        ("kinesis-stream", "kinesis", "kinesis.sequenceNumber"),
        ("dynamodb-stream", "dynamodb.SequenceNumber", "dynamodb.SequenceNumber"),
        ("kafka", "offset", "offset"),
        ("kafka", "partition", "partition"),
        ("kafka", "topic", "topic"),
    ],
)
def test_a_record_without_its_id_fails_the_whole_batch_before_any_record_runs(
    source: Any, path: str, field: str
) -> None:
    event = _events.make(source, 3)
    _remove(_events.raw_records(source, event)[1], path)
    ran: list[Any] = []
    handler = batch(source)(ran.append)
    with pytest.raises(MissingItemIdError, match=f"record 1 has no {field}, so it cannot be reported") as caught:
        handler(event, FakeContext())
    assert (caught.value.index, caught.value.field) == (1, field)
    assert ran == []


@pytest.mark.parametrize("bad", ["", 17, None])
def test_an_empty_or_non_string_message_id_counts_as_missing(bad: Any) -> None:
    event = _events.sqs(3)
    event["Records"][2]["messageId"] = bad
    with pytest.raises(MissingItemIdError, match="record 2 has no messageId"):
        process_batch(event, _never, source="sqs")


def test_a_fifo_queue_is_recognised_by_its_arn() -> None:
    fifo = _events.sqs(3, fifo=True)
    standard = _events.sqs(3)
    assert fifo["Records"][0]["eventSourceARN"].endswith(".fifo")
    assert process_batch(fifo, lambda record: None, source="sqs").fifo
    assert not process_batch(standard, lambda record: None, source="sqs").fifo
    no_arn = copy.deepcopy(standard)
    del no_arn["Records"][0]["eventSourceARN"]
    assert not process_batch(no_arn, lambda record: None, source="sqs", all_failed="report").fifo

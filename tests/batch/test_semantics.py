"""Failure semantics per source: what is reported, what is skipped, when the batch raises."""

from __future__ import annotations

import functools
import operator
import weakref
from typing import Any

import pytest

from lambda_toolkit.batch import BatchProcessingError, batch, process_batch
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext

from . import _events


def _failing(source: str, bad: set[int], seen: list[int] | None = None) -> Any:
    def process(record: Any) -> int:
        n = _events.payload_n(source, record)
        if seen is not None:
            seen.append(n)
        if n in bad:
            raise ValueError(f"record {n} failed")
        return n

    return process


def test_sqs_standard_reports_every_failed_message_and_processes_the_rest() -> None:
    seen: list[int] = []
    outcome = process_batch(_events.sqs(6), _failing("sqs", {0, 2, 5}, seen), source="sqs")
    assert seen == [0, 1, 2, 3, 4, 5]
    assert outcome.response == {"batchItemFailures": [{"itemIdentifier": f"m{i}"} for i in (0, 2, 5)]}
    assert outcome.stopped_by is None


def test_sqs_standard_can_stop_at_the_first_failure() -> None:
    seen: list[int] = []
    outcome = process_batch(_events.sqs(5), _failing("sqs", {1}, seen), source="sqs", stop_on_first_failure=True)
    assert seen == [0, 1]
    assert [(f.item_id, f.reason) for f in outcome.failures] == [
        ("m1", "error"),
        ("m2", "skipped"),
        ("m3", "skipped"),
        ("m4", "skipped"),
    ]
    assert outcome.stopped_by == "failure"


def test_sqs_fifo_stops_at_the_first_failure_and_reports_it_and_everything_after() -> None:
    seen: list[int] = []
    event = _events.sqs(5, fifo=True, groups=["a", "b", "a", "b", "c"])
    outcome = process_batch(event, _failing("sqs", {1}, seen), source="sqs")
    assert seen == [0, 1]
    assert [f.item_id for f in outcome.failures] == ["m1", "m2", "m3", "m4"]
    assert [f.reason for f in outcome.failures] == ["error", "skipped", "skipped", "skipped"]


def test_sqs_fifo_can_skip_only_the_later_messages_of_the_failed_group() -> None:
    seen: list[int] = []
    event = _events.sqs(6, fifo=True, groups=["a", "b", "a", "b", "c", "a"])
    outcome = process_batch(event, _failing("sqs", {1}, seen), source="sqs", fifo_stop="group")
    assert seen == [0, 1, 2, 4, 5]
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m1", "error"), ("m3", "skipped")]


@pytest.mark.parametrize("source", ["kinesis-stream", "dynamodb-stream"])
def test_streams_report_every_failed_sequence_number_by_default(source: str) -> None:
    event = _events.make(source, 5)
    records = _events.raw_records(source, event)
    seen: list[int] = []
    outcome = process_batch(event, _failing(source, {1, 3}, seen), source=source)  # type: ignore[arg-type]
    assert seen == [0, 1, 2, 3, 4]
    # Lambda checkpoints at the lowest reported sequence number and retries from there
    assert _events.failures(outcome.response) == [_events.item_id(source, records[i]) for i in (1, 3)]


@pytest.mark.parametrize("source", ["kinesis-stream", "dynamodb-stream"])
def test_streams_can_stop_at_the_first_failure(source: str) -> None:
    event = _events.make(source, 5)
    records = _events.raw_records(source, event)
    seen: list[int] = []
    outcome = process_batch(
        event,
        _failing(source, {2}, seen),
        source=source,  # type: ignore[arg-type]
        stop_on_first_failure=True,
    )
    assert seen == [0, 1, 2]
    assert _events.failures(outcome.response) == [_events.item_id(source, records[i]) for i in (2, 3, 4)]


def test_kafka_stops_only_the_partition_of_the_first_failure() -> None:
    event = _events.kafka(6, partitions=[0, 1, 0, 1, 0, 1])
    seen: list[int] = []
    outcome = process_batch(event, _failing("kafka", {0}, seen), source="kafka", stop_on_first_failure=True)
    # batch order is partition 0 (n = 0, 2, 4) then partition 1 (n = 1, 3, 5)
    assert seen == [0, 1, 3, 5]
    assert _events.failures(outcome.response) == [
        {"partition": "my-topic-0", "offset": 0},
        {"partition": "my-topic-0", "offset": 1},
        {"partition": "my-topic-0", "offset": 2},
    ]


def test_when_every_record_fails_the_batch_raises_by_default() -> None:
    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        raise ValueError(f"bad {record.message_id}")

    with pytest.raises(BatchProcessingError, match=r"^sqs batch: all 3 records failed \(error: 3\)$") as caught:
        handler(_events.sqs(3), FakeContext())
    assert isinstance(caught.value.__cause__, ValueError)
    assert str(caught.value.__cause__) == "bad m0"
    assert caught.value.outcome.failed_count == 3


def test_when_every_record_fails_the_batch_can_report_them_all_instead() -> None:
    @batch("sqs", all_failed="report")
    def handler(record: SQSRecord) -> None:
        raise ValueError("no")

    assert handler(_events.sqs(2), FakeContext()) == {
        "batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]
    }


def test_a_fifo_batch_whose_first_message_fails_counts_as_all_failed() -> None:
    event = _events.sqs(3, fifo=True)
    with pytest.raises(BatchProcessingError, match=r"all 3 records failed \(error: 1, skipped: 2\)"):
        process_batch(event, _failing("sqs", {0}), source="sqs")


def test_the_outcome_is_stored_even_when_the_batch_raises() -> None:
    seen: list[Any] = []

    @batch("sqs", on_outcome=seen.append)
    def handler(record: SQSRecord) -> None:
        raise ValueError("no")

    with pytest.raises(BatchProcessingError):
        handler(_events.sqs(1), FakeContext())
    assert seen[0].all_failed


def test_the_outcome_lists_successes_and_failures_without_payloads_in_reprs() -> None:
    outcome = process_batch(_events.sqs(3), _failing("sqs", {1}), source="sqs")
    assert repr(outcome) == "BatchOutcome(source='sqs', total=3, succeeded=2, failed=1, stopped_by=None)"
    assert [repr(s) for s in outcome.successes] == [
        "RecordSuccess(index=0, item_id='m0')",
        "RecordSuccess(index=2, item_id='m2')",
    ]
    assert [repr(f) for f in outcome.failures] == [
        "RecordFailure(index=1, item_id='m1', reason='error', error=ValueError)"
    ]
    assert [s.result for s in outcome.successes] == [0, 2]
    assert outcome.successes[0].record["body"] == '{"n":0}'
    assert outcome.failure_counts() == {"error": 1}
    assert isinstance(outcome.first_error(), ValueError)
    assert outcome.successes is outcome.successes  # built once


def test_first_error_is_none_when_no_failed_record_raised() -> None:
    outcome = process_batch(_events.sqs(1), lambda record: None, source="sqs")
    assert outcome.first_error() is None
    assert outcome.failures == ()


def test_process_batch_refuses_a_record_handler_that_is_not_callable() -> None:
    from lambda_toolkit.core import ConfigurationError

    with pytest.raises(ConfigurationError, match="record_handler must be callable, got str"):
        process_batch(_events.sqs(1), "print", source="sqs")  # type: ignore[arg-type]


def test_process_batch_stores_the_outcome_in_the_current_invocation() -> None:
    from lambda_toolkit.batch import OUTCOME_KEY
    from lambda_toolkit.core import Middleware, current_invocation, middleware

    plain = middleware(lambda: Middleware("plain"))

    @plain
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        outcome = process_batch(event, lambda record: None, source="sqs")
        response = outcome.response
        invocation = current_invocation()
        assert invocation is not None and invocation.data[OUTCOME_KEY] is outcome
        return response

    assert handler(_events.sqs(2), FakeContext()) == {"batchItemFailures": []}


@pytest.mark.parametrize("model", [None, dict])  # typed records, and the loop for models
def test_failed_records_are_logged_with_their_id_and_exception_type_only(
    caplog: pytest.LogCaptureFixture, model: Any
) -> None:
    caplog.set_level("INFO", logger="lambda_toolkit.batch")

    def process(record: Any) -> None:
        raise ValueError(f"secret {record}")

    process_batch(_events.sqs(2), process, source="sqs", all_failed="report", model=model)
    assert "sqs record m0 (index 0) failed (error): ValueError" in caplog.text
    assert "sqs batch: 2 of 2 records failed (error: 2)" in caplog.text
    assert "secret" not in caplog.text
    assert '"n"' not in caplog.text


def test_a_failed_record_keeps_its_exception_with_a_traceback_starting_in_the_record_function() -> None:
    def process(record: Any) -> None:
        raise ValueError("no")

    for options in ({"concurrency": 1}, {"concurrency": 2}, {"model": dict}):
        outcome = process_batch(_events.sqs(2), process, source="sqs", all_failed="report", **options)
        for failure in outcome.failures:
            assert isinstance(failure.error, ValueError)
            traceback = failure.error.__traceback__
            assert traceback is not None and traceback.tb_frame.f_code.co_name == "process"


class _Held:
    """Something a record function holds in a local variable."""


@pytest.mark.parametrize(
    "options", [{}, {"model": dict}, {"concurrency": 2}, {"method": True}, {"callable_object": True}]
)
def test_a_failed_record_does_not_keep_the_record_function_locals_alive(options: dict[str, Any]) -> None:
    held: list[weakref.ref[Any]] = []

    def process(record: Any) -> None:
        local = _Held()
        held.append(weakref.ref(local))
        raise ValueError("no")

    class Handler:
        def process(self, record: Any) -> None:  # a method, bound by functools.partial as @batch does
            local = _Held()
            held.append(weakref.ref(local))
            raise ValueError("no")

    class Processor:
        def __call__(self, record: Any) -> None:
            local = _Held()
            held.append(weakref.ref(local))
            raise ValueError("no")

    record_function: Any = process
    if options.pop("method", False):
        record_function = functools.partial(Handler.process, Handler())
    if options.pop("callable_object", False):
        record_function = Processor()
    outcome = process_batch(_events.sqs(3), record_function, source="sqs", all_failed="report", **options)
    assert len(held) == 3
    assert [ref() for ref in held] == [None, None, None]  # released at once, without a collection
    for failure in outcome.failures:  # the traceback still says where
        assert failure.error is not None
        traceback = failure.error.__traceback__
        assert traceback is not None
        assert traceback.tb_frame.f_code.co_name in ("process", "__call__") and traceback.tb_lineno > 0


def test_async_record_functions_release_their_locals_too() -> None:
    held: list[weakref.ref[Any]] = []

    async def process(record: Any) -> None:
        local = _Held()
        held.append(weakref.ref(local))
        raise ValueError("no")

    outcome = process_batch(_events.sqs(2), process, source="sqs", all_failed="report", concurrency=2)
    assert outcome.failed_count == 2
    assert [ref() for ref in held] == [None, None]


def test_a_record_function_that_is_not_a_python_function_fails_its_records_as_usual() -> None:
    outcome = process_batch(_events.sqs(2), int, source="sqs", all_failed="report")  # int(record) raises
    assert [type(failure.error) for failure in outcome.failures] == [TypeError, TypeError]


@pytest.mark.parametrize("options", [{}, {"stop_on_first_failure": True}, {"concurrency": 2}, {"model": dict}])
def test_frames_of_code_other_than_the_record_function_are_left_as_they_are(options: dict[str, Any]) -> None:
    # a record function written in C: the first frame of the traceback (if any) is not its own
    outcome = process_batch(
        _events.sqs(1), operator.attrgetter("no_such_field"), source="sqs", all_failed="report", **options
    )
    (failure,) = outcome.failures
    assert isinstance(failure.error, AttributeError)
    traceback = failure.error.__traceback__
    if options.get("model") is None:  # a typed record: the error comes from the record's own attribute lookup
        assert traceback is not None and traceback.tb_frame.f_locals  # not cleared


def test_failures_of_every_kind_in_one_batch_are_told_apart() -> None:
    from lambda_toolkit.core import InvocationTimeout

    event = _events.sqs(7)
    for invalid in (1, 3):  # these records do not fit SQSRecord
        del event["Records"][invalid]["receiptHandle"]

    def process(record: SQSRecord) -> None:
        record.receipt_handle
        n = record.json_body()["n"]
        if n in (0, 2):
            raise ValueError("no")
        if n == 5:
            raise InvocationTimeout()

    outcome = process_batch(event, process, source="sqs")
    assert [(f.item_id, f.reason) for f in outcome.failures] == [
        ("m0", "error"),
        ("m1", "invalid"),
        ("m2", "error"),
        ("m3", "invalid"),
        ("m5", "interrupted"),
        ("m6", "deadline"),
    ]
    assert [s.item_id for s in outcome.successes] == ["m4"]

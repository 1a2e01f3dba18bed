"""@batch turns a function of one record into a handler answering with partial failures."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from lambda_toolkit.batch import OUTCOME_KEY, BatchOutcome, Source, batch
from lambda_toolkit.core import (
    Call,
    ConfigurationError,
    InvalidContextError,
    InvalidEventError,
    Middleware,
    current_invocation,
    middleware,
)
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.events.streams import DynamoDBStreamRecord, KafkaRecord, KinesisStreamRecord
from lambda_toolkit.testing import FakeContext

from . import _events

RECORD_TYPES: dict[str, type[Any]] = {
    "sqs": SQSRecord,
    "kinesis-stream": KinesisStreamRecord,
    "dynamodb-stream": DynamoDBStreamRecord,
    "kafka": KafkaRecord,
}


@pytest.mark.parametrize("source", _events.SOURCES)
def test_each_source_reports_exactly_the_failed_records(source: Source) -> None:
    seen: list[int] = []

    @batch(source)
    def handler(record: Any) -> None:
        assert isinstance(record, RECORD_TYPES[source])
        n = _events.payload_n(source, record)
        seen.append(n)
        if n in (1, 3):
            raise ValueError("cannot handle this one")

    event = _events.make(source, 5)
    records = _events.raw_records(source, event)
    response = handler(event, FakeContext())
    assert _events.failures(response) == [_events.item_id(source, records[1]), _events.item_id(source, records[3])]
    assert seen == [0, 1, 2, 3, 4]


def test_a_batch_without_failures_answers_an_empty_list() -> None:
    @batch("sqs")
    def handler(record: SQSRecord) -> str:
        return record.message_id

    assert handler(_events.sqs(3), FakeContext()) == {"batchItemFailures": []}


def test_kafka_items_are_named_by_topic_partition_and_offset() -> None:
    @batch("kafka")
    def handler(record: KafkaRecord) -> None:
        if record.partition == 1 and record.offset == 1:
            raise ValueError("no")

    event = _events.kafka(4, partitions=[0, 1, 0, 1])
    assert handler(event, FakeContext()) == {
        "batchItemFailures": [{"itemIdentifier": {"partition": "my-topic-1", "offset": 1}}]
    }


def test_the_handler_is_called_as_event_context_and_wraps_the_record_function() -> None:
    def process(record: SQSRecord) -> str:
        """Process one order message."""
        return record.message_id

    handler = batch("sqs")(process)
    assert list(inspect.signature(handler).parameters) == ["event", "context"]
    assert handler.__name__ == "process"
    assert handler.__doc__ == "Process one order message."
    assert handler.__wrapped__ is process
    assert "record" not in handler.__annotations__


def test_a_method_can_be_the_record_function() -> None:
    class Worker:
        def __init__(self) -> None:
            self.done: list[str] = []

        @batch("sqs")
        def handle(self, record: SQSRecord) -> None:
            self.done.append(record.message_id)

    worker = Worker()
    assert worker.handle(_events.sqs(2), FakeContext()) == {"batchItemFailures": []}
    assert worker.done == ["m0", "m1"]
    assert list(inspect.signature(Worker.handle).parameters) == ["self", "event", "context"]


def test_an_async_record_function_gives_a_sync_handler() -> None:
    async def process(record: SQSRecord) -> None:
        await asyncio.sleep(0)
        if record.message_id == "m1":
            raise ValueError("no")

    handler = batch("sqs")(process)
    assert not inspect.iscoroutinefunction(handler)
    assert handler(_events.sqs(3), FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_an_async_record_function_also_runs_when_an_event_loop_is_already_running() -> None:
    @batch("sqs", concurrency=2)
    async def handler(record: SQSRecord) -> None:
        assert current_invocation() is not None
        if record.message_id == "m0":
            raise ValueError("no")

    async def main() -> dict[str, Any]:
        return handler(_events.sqs(3), FakeContext())

    assert asyncio.run(main()) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_the_wrapped_async_record_function_can_be_called_on_one_record() -> None:
    async def process(record: Any) -> str:
        return f"done {record}"

    handler = batch("sqs")(process)
    assert handler.__wrapped__ is process


def test_outer_layers_see_the_response_and_the_outcome_in_the_invocation_state() -> None:
    seen: dict[str, Any] = {}

    @middleware
    def spy() -> Middleware:
        def after(call: Call) -> None:
            assert call.invocation is not None
            seen["outcome"] = call.invocation.data[OUTCOME_KEY]
            seen["response"] = call.response

        return Middleware("spy", after=after)

    @spy
    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        if record.message_id == "m0":
            raise KeyError("x")

    response = handler(_events.sqs(2), FakeContext())
    assert seen["response"] == response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    outcome = seen["outcome"]
    assert isinstance(outcome, BatchOutcome)
    assert [f.item_id for f in outcome.failures] == ["m0"]
    assert [s.item_id for s in outcome.successes] == ["m1"]


def test_layers_below_run_once_per_record() -> None:
    log: list[str] = []

    @middleware
    def per_record() -> Middleware:
        def before(call: Call) -> None:
            log.append(call.args[0].message_id)

        return Middleware("per_record", before=before)

    @batch("sqs")
    @per_record
    def handler(record: SQSRecord) -> None:
        return None

    handler(_events.sqs(3), FakeContext())
    assert log == ["m0", "m1", "m2"]


def test_on_outcome_gets_every_batch_outcome() -> None:
    outcomes: list[BatchOutcome] = []

    @batch("sqs", on_outcome=outcomes.append)
    def handler(record: SQSRecord) -> int:
        if record.message_id == "m2":
            raise ValueError("no")
        return 7

    handler(_events.sqs(3), FakeContext())
    (outcome,) = outcomes
    assert (outcome.total, outcome.succeeded_count, outcome.failed_count) == (3, 2, 1)
    assert [s.result for s in outcome.successes] == [7, 7]
    (failure,) = outcome.failures
    assert (failure.index, failure.reason, type(failure.error)) == (2, "error", ValueError)


def test_a_failing_on_outcome_hook_keeps_the_response(caplog: pytest.LogCaptureFixture) -> None:
    def broken(outcome: BatchOutcome) -> None:
        raise RuntimeError("metrics are down")

    @batch("sqs", on_outcome=broken)
    def handler(record: SQSRecord) -> None:
        return None

    assert handler(_events.sqs(2), FakeContext()) == {"batchItemFailures": []}
    assert "on_outcome hook raised RuntimeError" in caplog.text


def test_the_handler_needs_a_lambda_context_and_a_mapping_event() -> None:
    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        return None

    with pytest.raises(InvalidContextError):
        handler(_events.sqs(1), object())
    with pytest.raises(InvalidEventError):
        handler([1, 2], FakeContext())


def test_bare_batch_without_a_source_fails_at_decoration() -> None:
    def process(record: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match=r"write @batch\('sqs'\)"):
        batch(process)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"source": "sns"}, "unknown source 'sns'"),
        ({"source": "sqs", "concurrency": 0}, "concurrency must be a positive integer"),
        ({"source": "sqs", "concurrency": True}, "concurrency must be a positive integer"),
        ({"source": "sqs", "stop_on_first_failure": "yes"}, "stop_on_first_failure must be True or False"),
        ({"source": "sqs", "fifo_stop": "partition"}, "fifo_stop must be 'batch' or 'group'"),
        ({"source": "sqs", "all_failed": "ignore"}, "all_failed must be 'raise' or 'report'"),
        ({"source": "sqs", "deadline_margin_ms": -1}, "deadline_margin_ms must be a number >= 0"),
        ({"source": "sqs", "deadline_margin_ms": float("nan")}, "deadline_margin_ms must be a number >= 0"),
        ({"source": "sqs", "on_outcome": "print"}, "on_outcome must be callable"),
        ({"source": "sqs", "model": object()}, "is not a type pydantic can validate"),
    ],
)
def test_bad_options_fail_at_set_up(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        batch(**options)


def test_a_record_function_that_is_not_callable_fails_at_decoration() -> None:
    with pytest.raises(ConfigurationError, match="must be callable, got int"):
        batch("sqs")(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "function",
    [
        lambda: None,
        lambda record, context: None,
        lambda *, record: None,
        lambda self, record, extra: None,
    ],
    ids=["no-argument", "two-arguments", "keyword-only", "method-with-two-arguments"],
)
def test_a_record_function_with_the_wrong_signature_fails_at_decoration(function: Any) -> None:
    with pytest.raises(ConfigurationError, match="must accept exactly one positional argument, the record"):
        batch("sqs")(function)


def test_a_record_function_with_extra_optional_parameters_is_fine() -> None:
    def process(record: SQSRecord, retries: int = 3, *args: Any, **kwargs: Any) -> int:
        return retries

    handler = batch("sqs")(process)
    assert handler(_events.sqs(1), FakeContext()) == {"batchItemFailures": []}


def test_a_builtin_without_a_signature_is_accepted() -> None:
    handler = batch("sqs", all_failed="report")(next)  # inspect cannot read the signature of next
    assert handler(_events.sqs(1), FakeContext()) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_a_generator_record_function_is_refused() -> None:
    def process(record: Any) -> Any:
        yield record

    with pytest.raises(ConfigurationError, match="cannot decorate a generator function"):
        batch("sqs")(process)


def test_a_misspelt_option_is_a_configuration_error_at_decoration_time() -> None:
    from lambda_toolkit.batch import process_batch
    from lambda_toolkit.core import ConfigurationError

    with pytest.raises(
        ConfigurationError, match=r"batch: unknown option 'concurency' \(did you mean 'concurrency'\?\)"
    ):
        batch("sqs", concurency=4)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="process_batch: unknown option 'stop_on_failure'"):
        process_batch(_events.sqs(1), lambda record: None, source="sqs", stop_on_failure=True)  # type: ignore[call-arg]


def test_a_misspelt_option_of_the_async_entry_point_is_a_configuration_error() -> None:
    import asyncio

    from lambda_toolkit.batch import process_batch_async
    from lambda_toolkit.core import ConfigurationError

    async def record_function(record: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match="process_batch_async: unknown option 'deadline_margin'"):
        asyncio.run(process_batch_async(_events.sqs(1), record_function, source="sqs", deadline_margin=5))  # type: ignore[call-arg]


def test_the_three_entry_points_share_one_option_definition() -> None:
    import inspect

    from lambda_toolkit.batch import BatchOptions, process_batch
    from lambda_toolkit.batch._options import make_plan

    keywords = [p.name for p in inspect.signature(make_plan).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert set(BatchOptions.__optional_keys__) == set(keywords)
    # the same message from every entry point, naming the options make_plan defines
    with pytest.raises(ConfigurationError, match=f"the options are source, model, {', '.join(keywords)}$"):
        batch("sqs", all_fail="report")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match=f"the options are source, model, {', '.join(keywords)}$"):
        process_batch(_events.sqs(1), lambda record: None, source="sqs", all_fail="report")  # type: ignore[call-arg]

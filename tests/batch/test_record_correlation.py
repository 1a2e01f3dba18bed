"""Per-record correlation: while ``@batch`` runs a record, that record is current (its id and
its own correlation id), for every runner, and log lines written in it carry its id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest

from lambda_toolkit.batch import batch, process_batch
from lambda_toolkit.core import (
    Middleware,
    current_invocation,
    current_record,
    get_correlation_id,
    middleware,
    set_correlation_id,
)
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import eventbridge_event, kafka_event, sns_notification, sqs_event, sqs_record

from . import _events

RUNNERS = ["sequential", "sequential-model", "threads", "asyncio"]


@middleware
def layer() -> Middleware:
    """A handler layer that does nothing: the invocation is current inside it."""
    return Middleware("layer")


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _sqs(correlation_ids: list[str | None]) -> dict[str, Any]:
    """An SQS event of one record per id: messageId ``m<i>``, the ``correlation_id``
    attribute when the id is not None, the body ``{"n": i}``."""
    records = [
        sqs_record(
            {"n": i},
            message_id=f"m{i}",
            message_attributes=None if cid is None else {"correlation_id": cid},
        )
        for i, cid in enumerate(correlation_ids)
    ]
    return {"Records": records}


def _handler(runner: str, fn: Any, log: Logger | None = None, **options: Any) -> Any:
    """``fn(n)`` run by the runner as a record function of an SQS ``@batch`` handler."""
    model = dict if runner == "sequential-model" else None

    def number(record: Any) -> int:
        return int(record["n"]) if model is not None else int(record.json_body()["n"])

    if runner == "threads":
        options["concurrency"] = 3
    if runner == "asyncio":
        options["concurrency"] = 3

        async def record_function(record: Any) -> Any:
            await asyncio.sleep(0.001)  # every record in flight at once, interleaved
            return fn(number(record))

        handler = batch("sqs", all_failed="report", **options)(record_function)
    else:

        def sync_record_function(record: Any) -> Any:
            return fn(number(record))

        handler = batch("sqs", model=model, all_failed="report", **options)(sync_record_function)
    return handler if log is None else log.inject_context(handler)


@pytest.mark.parametrize("runner", RUNNERS)
def test_log_lines_of_a_record_carry_its_own_correlation_id(runner: str) -> None:
    stream = io.StringIO()
    log = Logger(service="worker", stream=stream)

    def work(n: int) -> None:
        log.info("working", n=n)

    handler = _handler(runner, work, log)
    handler(_sqs(["corr-0", "corr-1", "corr-2"]), FakeContext())
    by_n = {line["n"]: line["correlation_id"] for line in _lines(stream) if line["message"] == "working"}
    assert by_n == {0: "corr-0", 1: "corr-1", 2: "corr-2"}


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_record_without_an_attribute_is_correlated_by_its_own_message_id(runner: str) -> None:
    seen: dict[int, str | None] = {}

    def work(n: int) -> None:
        seen[n] = get_correlation_id()

    _handler(runner, work)(_sqs(["corr-0", None, "corr-2"]), FakeContext())
    assert seen == {0: "corr-0", 1: "m1", 2: "corr-2"}


@pytest.mark.parametrize("runner", RUNNERS)
def test_outside_the_records_the_invocation_id_is_back(runner: str) -> None:
    stream = io.StringIO()
    log = Logger(service="worker", stream=stream)
    inner = _handler(runner, lambda n: None)

    def handler(event: Any, context: Any) -> Any:
        answer = inner(event, context)
        log.info("after the batch")
        return answer

    log.inject_context(handler)(_sqs(["corr-0", "corr-1"]), FakeContext())
    (line,) = _lines(stream)
    assert line["correlation_id"] == "corr-0"  # the invocation's (the first record's, as before)
    assert current_record() is None


@pytest.mark.parametrize("runner", RUNNERS)
def test_the_current_record_names_its_index_and_id_and_is_in_flight_while_it_runs(runner: str) -> None:
    seen: dict[int, tuple[int, str, bool]] = {}

    def work(n: int) -> None:
        record = current_record()
        invocation = current_invocation()
        assert record is not None and invocation is not None
        seen[n] = (record.index, record.record_id, invocation.records_in_flight.get(record.index) is record)

    handler = _handler(runner, work)
    handler(_sqs(["a", "b", "c"]), FakeContext())
    assert seen == {0: (0, "m0", True), 1: (1, "m1", True), 2: (2, "m2", True)}


@pytest.mark.parametrize("runner", RUNNERS)
def test_no_record_is_left_in_flight_after_the_batch_even_when_records_fail(runner: str) -> None:
    left: list[dict[int, Any]] = []

    def work(n: int) -> None:
        if n == 1:
            raise ValueError("no")

    inner = _handler(runner, work)

    def handler(event: Any, context: Any) -> Any:
        answer = inner(event, context)
        invocation = current_invocation()
        assert invocation is not None
        left.append(dict(invocation.records_in_flight))
        return answer

    answer = layer(handler)(_sqs(["a", "b", "c"]), FakeContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert left == [{}]
    assert current_record() is None


@pytest.mark.parametrize("runner", RUNNERS)
def test_the_failure_line_of_a_record_carries_its_correlation_id(runner: str) -> None:
    stream = io.StringIO()
    log = Logger(service="worker", stream=stream)

    def work(n: int) -> None:
        if n == 1:
            raise ValueError("declined")

    handler = _handler(runner, work, log)
    failures: list[str | None] = []

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if getattr(record, "batch_failure", None) is not None:
                failures.append(get_correlation_id())

    seen = Seen()
    batch_log = logging.getLogger("lambda_toolkit.batch")
    batch_log.addHandler(seen)
    try:
        handler(_sqs(["corr-0", "corr-1", "corr-2"]), FakeContext())
    finally:
        batch_log.removeHandler(seen)
    assert failures == ["corr-1"]


# ----------------------------------------------------------------- where the id comes from


def _correlation_in(event: dict[str, Any], source: str = "sqs") -> list[str | None]:
    seen: list[str | None] = []
    process_batch(event, lambda record: seen.append(get_correlation_id()), source=source)  # type: ignore[arg-type]
    return seen


def test_the_attribute_name_is_compared_without_case_dash_or_underscore() -> None:
    event = {
        "Records": [
            sqs_record("x", message_id="m0", message_attributes={"CorrelationId": "camel"}),
            sqs_record("x", message_id="m1", message_attributes={"correlation-id": "dashed"}),
            sqs_record("x", message_id="m2", message_attributes={"other": "no"}),
        ]
    }
    assert _correlation_in(event) == ["camel", "dashed", "m2"]


def test_sns_through_sqs_the_attribute_inside_the_notification() -> None:
    with_attribute = sns_notification({"n": 1}, message_attributes={"correlation_id": "from-sns"})
    without = sns_notification({"n": 2})
    event = {
        "Records": [
            sqs_record(json.dumps(with_attribute), message_id="m0"),
            sqs_record(json.dumps(without), message_id="m1"),
        ]
    }
    assert _correlation_in(event) == ["from-sns", "m1"]


def test_a_queue_attribute_wins_over_the_notification_inside_the_body() -> None:
    body = json.dumps(sns_notification("x", message_attributes={"correlation_id": "inner"}))
    event = {"Records": [sqs_record(body, message_id="m0", message_attributes={"correlation_id": "outer"})]}
    assert _correlation_in(event) == ["outer"]


def test_eventbridge_through_sqs_the_event_id() -> None:
    rule_event = eventbridge_event({"order": 1})
    event = {"Records": [sqs_record(json.dumps(rule_event), message_id="m0")]}
    assert _correlation_in(event) == [rule_event["id"]]


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"detail-type": "broken',  # looks like an EventBridge event, is not JSON
        '{"MessageAttributes": 3}',
        '["detail-type", "MessageAttributes"]',
        '{"Type": "Notification", "MessageAttributes": {"correlation_id": {"Type": "String", "Value": {"a": 1}}}}',
        '{"detail-type": "x", "source": "y", "id": ""}',
        "",
    ],
)
def test_a_body_that_holds_no_usable_id_falls_back_to_the_message_id(body: str) -> None:
    assert _correlation_in({"Records": [sqs_record(body, message_id="m0")]}) == ["m0"]


def test_an_id_is_stripped_and_capped_as_the_logger_does() -> None:
    long = "x" * 1000
    event = {
        "Records": [
            sqs_record("x", message_id="m0", message_attributes={"correlation_id": "  padded  "}),
            sqs_record("x", message_id="m1", message_attributes={"correlation_id": long}),
        ]
    }
    assert _correlation_in(event) == ["padded", "x" * 256]


def test_kafka_the_correlation_id_header() -> None:
    with_header = kafka_event([{"n": 0}], headers={"correlation_id": "from-kafka"})
    plain = kafka_event([{"n": 1}])
    seen: list[tuple[str, str | None]] = []

    def work(record: Any) -> None:
        current = current_record()
        assert current is not None
        seen.append((current.record_id, get_correlation_id()))

    for event in (with_header, plain):
        bind = batch("kafka")(work)
        bind(event, FakeContext(aws_request_id="req-1"))
    # without the header the invocation's id applies (none is set without inject_context)
    assert seen == [("my-topic-0:0", "from-kafka"), ("my-topic-0:0", None)]


def test_kafka_a_header_that_is_not_utf8_is_no_id() -> None:
    event = kafka_event([{"n": 0}], headers={"correlation_id": b"\xff\xfe"})
    assert _correlation_in(event, "kafka") == [None]


@pytest.mark.parametrize("source", ["kinesis-stream", "dynamodb-stream"])
def test_streams_have_no_own_correlation_id_and_keep_the_invocations(source: str) -> None:
    stream = io.StringIO()
    log = Logger(service="worker", stream=stream)
    ids: list[str] = []

    def work(record: Any) -> None:
        current = current_record()
        assert current is not None
        ids.append(current.record_id)
        log.info("working")

    event = _events.make(source, 2)
    log.inject_context(batch(source)(work))(event, FakeContext(aws_request_id="req-7"))  # type: ignore[arg-type]
    assert [line["correlation_id"] for line in _lines(stream)] == ["req-7", "req-7"]
    assert ids == [_events.item_id(source, record) for record in _events.raw_records(source, event)]


def test_a_correlation_id_set_in_the_record_function_is_the_records() -> None:
    seen: list[str | None] = []

    def work(record: Any) -> None:
        set_correlation_id("set-by-hand")
        seen.append(get_correlation_id())

    layer(batch("sqs")(work))(sqs_event(["a"], message_attributes={"correlation_id": "c"}), FakeContext())
    assert seen == ["set-by-hand"]


def record_seen_in_the_worker(record: Any) -> tuple[int, int | None, str | None, str | None]:
    """What the worker process sees of the current record (module level: picklable)."""
    import os

    current = current_record()
    return (
        os.getpid(),
        None if current is None else current.index,
        None if current is None else current.record_id,
        get_correlation_id(),
    )


def test_with_processes_the_record_is_current_in_the_worker_process() -> None:
    import os

    outcome = process_batch(_sqs(["corr-0", None, "corr-2"]), record_seen_in_the_worker, source="sqs", processes=2)
    seen = [success.result for success in outcome.successes]
    assert all(pid != os.getpid() for pid, *_ in seen)
    assert [tuple(rest) for _, *rest in seen] == [(0, "m0", "corr-0"), (1, "m1", "m1"), (2, "m2", "corr-2")]


def test_with_processes_a_line_logged_in_the_worker_process_carries_the_records_id(tmp_path: Any) -> None:
    path = tmp_path / "lines.jsonl"
    with open(path, "a", buffering=1) as stream:  # line-buffered: the worker's lines reach the file
        log = Logger(service="worker", stream=stream)

        def work(record: Any) -> None:
            log.info("in the worker", m=record.message_id)

        log.inject_context(batch("sqs", processes=2)(work))(_sqs(["corr-0", None]), FakeContext())
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted((line["m"], line["correlation_id"]) for line in lines if "m" in line) == [
        ("m0", "corr-0"),
        ("m1", "m1"),
    ]


def test_the_attribute_names_are_an_option_as_the_loggers_are() -> None:
    stream = io.StringIO()
    log = Logger(service="worker", stream=stream)

    @log.inject_context(correlation_attributes=["x-request-ref"])
    @batch("sqs", correlation_attributes=["x-request-ref"])
    def worker(record: Any) -> None:
        log.info("working", m=record.message_id)

    event = {
        "Records": [
            sqs_record("a", message_id="m0", message_attributes={"X-Request-Ref": "ref-0", "correlation_id": "no"}),
            sqs_record("b", message_id="m1", message_attributes={"x_request_ref": "ref-1"}),
        ]
    }
    worker(event, FakeContext())
    assert [(line["m"], line["correlation_id"]) for line in _lines(stream)] == [("m0", "ref-0"), ("m1", "ref-1")]


def test_one_name_may_be_a_str_and_kafka_reads_the_header_of_that_name() -> None:
    event = kafka_event([{"n": 0}], headers={"trace_ref": "k-ref"})
    seen: list[str | None] = []
    process_batch(
        event, lambda record: seen.append(get_correlation_id()), source="kafka", correlation_attributes="traceRef"
    )
    assert seen == ["k-ref"]


@pytest.mark.parametrize("names", [[], "", [""], ["-_"], [3], 3, None])
def test_correlation_attributes_must_be_names(names: Any) -> None:
    from lambda_toolkit.core import ConfigurationError

    with pytest.raises(ConfigurationError, match="correlation_attributes must be one or more attribute names"):
        batch("sqs", correlation_attributes=names)

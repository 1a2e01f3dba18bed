"""The guard and the other utilities cooperate through the invocation state and InvocationTimeout.

None of them imports the timeout utility: batch catches the InvocationTimeout that lands
in a record, idempotency releases its lock on it, logging writes out its buffer and
tracing marks the span timed out when it sees ``Invocation.interrupted``.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.batch import OUTCOME_KEY, BatchOutcome, batch
from lambda_toolkit.core import InvocationTimeout, current_invocation
from lambda_toolkit.idempotency import MemoryStore, idempotent
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import timeout_guard

LONG = 30.0


def sqs_event(count: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"rh-{index}",
                "body": json.dumps({"index": index}),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1700000000001",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
                "awsRegion": "us-east-1",
            }
            for index in range(count)
        ]
    }


# -- batch --------------------------------------------------------------------------------


def test_batch_reports_the_interrupted_record_and_the_unprocessed_ones() -> None:
    outcomes: list[BatchOutcome] = []

    @timeout_guard(margin_ms=200)
    @batch("sqs", deadline_margin_ms=50, on_outcome=outcomes.append)
    def worker(record: Any) -> None:
        if json.loads(record.body)["index"] == 2:
            time.sleep(LONG)  # this record runs too long: the guard interrupts it

    response = worker(sqs_event(5), FakeContext(timeout_ms=500))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{index}"} for index in (2, 3, 4)]}
    (outcome,) = outcomes
    assert outcome.stopped_by == "timeout"
    assert [failure.reason for failure in outcome.failures] == ["interrupted", "deadline", "deadline"]
    assert outcome.succeeded_count == 2


def test_batch_answers_in_time_when_the_guard_fires_between_records() -> None:
    @timeout_guard(margin_ms=200)
    @batch("sqs", deadline_margin_ms=0)
    def worker(record: Any) -> None:
        time.sleep(0.05)

    response = worker(sqs_event(40), FakeContext(timeout_ms=500))
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    assert failed and failed == [f"m-{index}" for index in range(40 - len(failed), 40)]


def test_batch_on_another_thread_stops_at_the_cooperative_flag() -> None:
    from concurrent.futures import ThreadPoolExecutor

    @timeout_guard(margin_ms=200)
    @batch("sqs", deadline_margin_ms=0)
    def worker(record: Any) -> None:
        if json.loads(record.body)["index"] == 1:
            invocation = current_invocation()
            assert invocation is not None
            while not invocation.interrupted:  # no signal on this thread: wait for the flag
                time.sleep(0.005)

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(worker, sqs_event(6), FakeContext(timeout_ms=500)).result()
    # record 1 finished once the flag was up; batch started no record after it
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{index}"} for index in range(2, 6)]}


# -- idempotency ---------------------------------------------------------------------------


def test_idempotency_releases_its_lock_so_the_retry_runs_at_once() -> None:
    store = MemoryStore()
    runs: list[str] = []

    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    @idempotent(store=store, key="order_id")
    def handler(event: Any, context: Any) -> dict[str, Any]:
        runs.append(event["order_id"])
        if len(runs) == 1:
            time.sleep(LONG)  # the first attempt runs too long
        return {"statusCode": 200}

    assert handler({"order_id": "o-1"}, FakeContext(timeout_ms=500)) == {"statusCode": 503}
    assert store.records == {}  # no INPROGRESS record left behind
    assert handler({"order_id": "o-1"}, FakeContext(timeout_ms=500)) == {"statusCode": 200}
    assert runs == ["o-1", "o-1"]
    (record,) = store.records.values()
    assert record.status == "COMPLETED"


def test_idempotency_releases_its_lock_when_the_timeout_propagates() -> None:
    store = MemoryStore()

    @timeout_guard(margin_ms=200)
    @idempotent(store=store, key="order_id")
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({"order_id": "o-2"}, FakeContext(timeout_ms=500))
    assert store.records == {}


def test_idempotency_does_not_store_an_inner_guards_fallback_as_the_result() -> None:
    store = MemoryStore()
    runs: list[str] = []

    @idempotent(store=store, key="order_id")
    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    def handler(event: Any, context: Any) -> dict[str, Any]:
        runs.append(event["order_id"])
        if len(runs) == 1:
            time.sleep(LONG)
        return {"statusCode": 200}

    assert handler({"order_id": "o-3"}, FakeContext(timeout_ms=500)) == {"statusCode": 503}
    assert store.records == {}  # the 503 is not the order's result: nothing stored, lock released
    assert handler({"order_id": "o-3"}, FakeContext(timeout_ms=500)) == {"statusCode": 200}
    assert runs == ["o-3", "o-3"]


# -- logging -------------------------------------------------------------------------------


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_logging_writes_out_its_buffer_when_the_timeout_propagates() -> None:
    stream = io.StringIO()
    log = Logger(service="timeout-coop-1", level="INFO", stream=stream, buffer_size=10)

    @log.inject_context
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        log.debug("step one done")  # below the level: buffered
        time.sleep(LONG)
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({}, FakeContext(timeout_ms=500))
    messages = [line["message"] for line in lines_of(stream)]
    assert "step one done" in messages


def test_logging_writes_out_its_buffer_when_an_outer_guard_answers() -> None:
    stream = io.StringIO()
    log = Logger(service="timeout-coop-2", level="INFO", stream=stream, buffer_size=10)

    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    @log.inject_context
    def handler(event: Any, context: Any) -> str:
        log.debug("step one done")
        time.sleep(LONG)
        return "done"

    assert handler({}, FakeContext(timeout_ms=500)) == {"statusCode": 503}
    messages = [line["message"] for line in lines_of(stream)]
    assert "step one done" in messages


def test_logging_writes_out_its_buffer_when_an_inner_guard_answers() -> None:
    stream = io.StringIO()
    log = Logger(service="timeout-coop-3", level="INFO", stream=stream, buffer_size=10)

    @log.inject_context
    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    def handler(event: Any, context: Any) -> str:
        log.debug("step one done")
        time.sleep(LONG)
        return "done"

    assert handler({}, FakeContext(timeout_ms=500)) == {"statusCode": 503}
    messages = [line["message"] for line in lines_of(stream)]
    assert "step one done" in messages


# -- tracing -------------------------------------------------------------------------------


@pytest.fixture
def spans() -> Iterator[Any]:
    from opentelemetry import trace as otel_trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from lambda_toolkit.tracing import _runtime, configure

    exporter = InMemorySpanExporter()
    provider = otel_trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        otel_trace.set_tracer_provider(provider)
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    _runtime.reset_for_tests()
    configure(backend="otel")
    yield exporter
    _runtime.reset_for_tests()
    exporter.clear()
    processor.shutdown()


def test_tracing_marks_the_span_timed_out_when_the_guard_answers(spans: Any) -> None:
    from lambda_toolkit.tracing import trace

    @trace
    @timeout_guard(margin_ms=200, on_timeout=lambda info: {"statusCode": 503})
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    assert handler({}, FakeContext(timeout_ms=500)) == {"statusCode": 503}
    (span,) = spans.get_finished_spans()
    assert span.attributes.get("TimedOut") is True


def test_tracing_records_the_timeout_as_the_spans_error(spans: Any) -> None:
    from lambda_toolkit.tracing import trace

    @trace
    @timeout_guard(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({}, FakeContext(timeout_ms=500))
    (span,) = spans.get_finished_spans()
    assert not span.status.is_ok
    assert "InvocationTimeout" in (span.status.description or "")


def test_the_outcome_of_a_batch_stays_readable_after_the_guard() -> None:
    seen: list[Any] = []

    @timeout_guard(margin_ms=200, on_timeout=lambda info: "unused")
    @batch("sqs")
    def worker(record: Any) -> None:
        invocation = current_invocation()
        seen.append(invocation)

    assert worker(sqs_event(2), FakeContext(timeout_ms=60_000)) == {"batchItemFailures": []}
    assert seen[0].data[OUTCOME_KEY].succeeded_count == 2

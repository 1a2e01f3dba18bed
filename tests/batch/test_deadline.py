"""Deadline awareness: a batch running out of time reports its unprocessed tail and answers in time."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.batch import DeadlineMarginError, batch, process_batch
from lambda_toolkit.core import ConfigurationError, InvocationTimeout
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext

from . import _events


def _check_partition(outcome: Any, total: int, processed: list[str]) -> None:
    """Every record is either processed (and not reported) or reported: never both, never neither."""
    reported = [f.item_id for f in outcome.failures]
    assert sorted(processed + reported) == sorted(f"m{i}" for i in range(total))
    assert not set(processed) & set(reported)


def test_records_are_not_started_when_the_time_left_is_below_the_margin() -> None:
    processed: list[str] = []
    outcomes: list[Any] = []
    context = FakeContext(timeout_ms=1500)

    @batch("sqs", deadline_margin_ms=500, on_outcome=outcomes.append)
    def handler(record: SQSRecord) -> None:
        time.sleep(0.1)
        processed.append(record.message_id)

    response = handler(_events.sqs(30), context)
    assert context.get_remaining_time_in_millis() > 0  # answered before the deadline
    (outcome,) = outcomes
    assert outcome.stopped_by == "deadline"
    assert 0 < len(processed) < 30
    # the unprocessed tail is reported, in order, and nothing processed is reported
    assert [f.item_id for f in outcome.failures] == [f"m{i}" for i in range(len(processed), 30)]
    assert {f.reason for f in outcome.failures} == {"deadline"}
    assert len(response["batchItemFailures"]) == 30 - len(processed)
    _check_partition(outcome, 30, processed)


def test_a_margin_not_below_the_invocation_time_is_a_clear_error_not_a_batch_that_never_runs() -> None:
    outcome = process_batch(_events.sqs(3), lambda record: None, source="sqs", deadline_margin_ms=10_000)
    assert outcome.stopped_by is None  # outside an invocation there is no deadline

    @batch("sqs", deadline_margin_ms=10_000)
    def handler(record: SQSRecord) -> None:
        raise AssertionError("must not start")

    with pytest.raises(DeadlineMarginError) as caught:
        handler(_events.sqs(3), FakeContext(timeout_ms=3000))
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert error.margin_ms == 10_000 and 2900 < error.remaining_ms <= 3000
    message = str(error)
    assert message.startswith("batch: deadline_margin_ms=10000 is not below the invocation's time (")
    assert " ms remained when it started), so no record could ever start; " in message
    assert "use a smaller deadline_margin_ms or a longer function timeout" in message


@pytest.mark.parametrize("margin_ms", [3000, 5000])
def test_a_margin_equal_to_or_above_the_whole_time_raises_in_process_batch_too(margin_ms: int) -> None:
    context = FakeContext(timeout_ms=3000, clock=lambda: 0.0)  # the remaining time stays 3000 ms

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_batch(event, print, source="sqs", deadline_margin_ms=margin_ms)

    from lambda_toolkit.core.middleware import Middleware, apply_middleware

    invocation_handler = apply_middleware(Middleware("test", handler_only=True), handler)
    with pytest.raises(DeadlineMarginError, match=f"^process_batch: deadline_margin_ms={margin_ms} "):
        invocation_handler(_events.sqs(2), context)


def test_a_batch_started_late_in_its_invocation_reports_everything_without_raising() -> None:
    # the margin is below the function's timeout, but the handler spent time before the batch
    def handler(event: dict[str, Any], context: Any) -> Any:
        time.sleep(0.2)
        return process_batch(event, print, source="sqs", deadline_margin_ms=400).response

    from lambda_toolkit.core.middleware import Middleware, apply_middleware

    invocation_handler = apply_middleware(Middleware("test", handler_only=True), handler)
    response = invocation_handler(_events.sqs(3), FakeContext(timeout_ms=500))
    assert _events.failures(response) == ["m0", "m1", "m2"]


@pytest.mark.parametrize("options", [{}, {"stop_on_first_failure": True}])
def test_an_invocation_timeout_inside_a_record_reports_it_and_the_rest_and_returns(options: dict[str, Any]) -> None:
    processed: list[str] = []

    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        if record.message_id == "m2":
            raise InvocationTimeout(remaining_ms=400)
        processed.append(record.message_id)

    outcomes: list[Any] = []
    handler2 = batch("sqs", on_outcome=outcomes.append, **options)(handler.__wrapped__)
    response = handler2(_events.sqs(5), FakeContext(timeout_ms=60_000))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m{i}"} for i in (2, 3, 4)]}
    (outcome,) = outcomes
    assert outcome.stopped_by == "timeout"
    assert [f.reason for f in outcome.failures] == ["interrupted", "deadline", "deadline"]
    _check_partition(outcome, 5, processed)


def test_an_invocation_timeout_on_the_first_record_still_answers_instead_of_raising() -> None:
    @batch("sqs")
    def handler(record: SQSRecord) -> None:
        raise InvocationTimeout()

    assert len(handler(_events.sqs(2), FakeContext())["batchItemFailures"]) == 2


# the sequential loop has two forms: typed records without a stop rule, and the rest
LOOPS = [{}, {"stop_on_first_failure": True}]


@pytest.mark.parametrize("options", LOOPS)
def test_an_invocation_timeout_between_two_records_is_handled(options: dict[str, Any]) -> None:
    armed = False

    def clock() -> float:  # the invocation's clock, read before every record
        if armed:
            raise InvocationTimeout()
        return time.monotonic()

    processed: list[str] = []

    def record_function(message_id: str) -> None:
        nonlocal armed
        processed.append(message_id)
        armed = message_id == "m1"  # the deadline check before the third record raises

    outcome = _run_in_invocation(record_function, 4, context=FakeContext(timeout_ms=60_000, clock=clock), **options)
    assert processed == ["m0", "m1"]
    assert outcome.stopped_by == "timeout"
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m2", "deadline"), ("m3", "deadline")]


def _run_in_invocation(fn: Any, count: int, context: Any = None, **options: Any) -> Any:
    outcomes: list[Any] = []

    def record_function(record: SQSRecord) -> None:
        fn(record.message_id)

    handler = batch("sqs", on_outcome=outcomes.append, all_failed="report", **options)(record_function)
    handler(_events.sqs(count), context or FakeContext(timeout_ms=60_000))
    return outcomes[0]


@pytest.fixture
def alarm() -> Iterator[Any]:
    """Deliver InvocationTimeout by a signal after ``seconds``, as the timeout guard does."""

    def raise_timeout(signum: int, frame: Any) -> None:
        raise InvocationTimeout()

    previous = signal.signal(signal.SIGALRM, raise_timeout)

    def arm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_a_signal_interrupting_a_sequential_batch_reports_the_unfinished_records(alarm: Any) -> None:
    processed: list[str] = []

    def slow(message_id: str) -> None:
        time.sleep(0.05)
        processed.append(message_id)

    alarm(0.12)
    outcome = _run_in_invocation(slow, 10)
    assert outcome.stopped_by == "timeout"
    assert 0 < len(processed) < 10
    _check_partition(outcome, 10, processed)


def test_a_signal_while_the_thread_pool_runs_answers_at_once(alarm: Any) -> None:
    release = threading.Event()
    processed: list[str] = []

    def stuck(message_id: str) -> None:
        if message_id == "m0":
            release.wait(5)
            return
        processed.append(message_id)

    alarm(0.2)
    try:
        outcome = _run_in_invocation(stuck, 6, concurrency=2)
    finally:
        release.set()
    assert outcome.stopped_by == "timeout"
    assert "m0" in [f.item_id for f in outcome.failures]
    _check_partition(outcome, 6, processed)


def test_a_signal_while_the_event_loop_waits_answers_at_once(alarm: Any) -> None:
    processed: list[str] = []

    async def slow(record: SQSRecord) -> None:
        await asyncio.sleep(0.05 if record.message_id != "m0" else 5)
        processed.append(record.message_id)

    outcomes: list[Any] = []
    handler = batch("sqs", concurrency=2, on_outcome=outcomes.append, all_failed="report")(slow)
    alarm(0.2)
    handler(_events.sqs(6), FakeContext(timeout_ms=60_000))
    (outcome,) = outcomes
    assert outcome.stopped_by == "timeout"
    assert "m0" in [f.item_id for f in outcome.failures]
    _check_partition(outcome, 6, processed)


def test_threads_stop_starting_records_at_the_margin_and_finish_before_the_deadline() -> None:
    processed: list[str] = []
    lock = threading.Lock()
    context = FakeContext(timeout_ms=1500)

    def slow(record: SQSRecord) -> None:
        time.sleep(0.1)
        with lock:
            processed.append(record.message_id)

    outcomes: list[Any] = []
    handler = batch("sqs", concurrency=3, deadline_margin_ms=500, on_outcome=outcomes.append)(slow)
    handler(_events.sqs(60), context)
    assert context.get_remaining_time_in_millis() > 0
    (outcome,) = outcomes
    assert outcome.stopped_by == "deadline"
    assert 0 < len(processed) < 60
    assert {f.reason for f in outcome.failures} == {"deadline"}
    _check_partition(outcome, 60, processed)


def test_a_record_still_running_when_the_time_is_up_is_reported_and_the_batch_answers() -> None:
    release = threading.Event()
    context = FakeContext(timeout_ms=1000)

    def stuck(record: SQSRecord) -> None:
        if record.message_id == "m1":
            release.wait(5)

    outcomes: list[Any] = []
    handler = batch("sqs", concurrency=2, deadline_margin_ms=400, on_outcome=outcomes.append)(stuck)
    try:
        handler(_events.sqs(2), context)
        assert context.get_remaining_time_in_millis() > 0
    finally:
        release.set()
    (outcome,) = outcomes
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m1", "deadline")]
    assert [s.item_id for s in outcome.successes] == ["m0"]


def test_async_records_stop_at_the_margin_too() -> None:
    context = FakeContext(timeout_ms=1200)
    processed: list[str] = []

    async def slow(record: SQSRecord) -> None:
        await asyncio.sleep(0.1)
        processed.append(record.message_id)

    outcomes: list[Any] = []
    handler = batch("sqs", concurrency=2, deadline_margin_ms=500, on_outcome=outcomes.append)(slow)
    handler(_events.sqs(40), context)
    assert context.get_remaining_time_in_millis() > 0
    (outcome,) = outcomes
    assert outcome.stopped_by == "deadline"
    _check_partition(outcome, 40, processed)


@pytest.mark.parametrize("concurrency", [1, 2])
def test_the_cooperative_flag_of_a_timeout_guard_stops_the_batch(concurrency: int) -> None:
    from lambda_toolkit.core import current_invocation

    processed: list[str] = []

    def process(record: SQSRecord) -> None:
        processed.append(record.message_id)
        if record.message_id == "m0":
            invocation = current_invocation()
            assert invocation is not None
            invocation.interrupted = True  # what a cooperative timeout guard does
        else:
            time.sleep(0.005)

    outcomes: list[Any] = []
    handler = batch("sqs", concurrency=concurrency, on_outcome=outcomes.append)(process)
    handler(_events.sqs(6), FakeContext(timeout_ms=60_000))
    (outcome,) = outcomes
    assert outcome.stopped_by == "timeout"
    assert {f.reason for f in outcome.failures} == {"deadline"}
    _check_partition(outcome, 6, processed)


@pytest.mark.parametrize("options", LOOPS)
def test_the_sequential_loops_check_the_cooperative_flag_before_every_record(options: dict[str, Any]) -> None:
    from lambda_toolkit.core import current_invocation

    def process(message_id: str) -> None:
        invocation = current_invocation()
        assert invocation is not None
        # a flag present but false does not stop the batch; a true one stops it at the next record
        invocation.interrupted = message_id == "m2"

    processed: list[str] = []

    def record(message_id: str) -> None:
        processed.append(message_id)
        process(message_id)

    outcome = _run_in_invocation(record, 5, **options)
    assert processed == ["m0", "m1", "m2"]
    assert outcome.stopped_by == "timeout"
    assert [(f.item_id, f.reason) for f in outcome.failures] == [("m3", "deadline"), ("m4", "deadline")]


def test_under_the_timeout_guard_the_interrupted_batch_answers_with_its_unprocessed_tail() -> None:
    from lambda_toolkit.timeout import timeout_guard

    processed: list[str] = []
    outcomes: list[Any] = []
    context = FakeContext(timeout_ms=1000)

    @timeout_guard(margin_ms=300)
    @batch("sqs", deadline_margin_ms=0, on_outcome=outcomes.append)
    def handler(record: SQSRecord) -> None:
        time.sleep(0.1)
        processed.append(record.message_id)

    response = handler(_events.sqs(20), context)
    assert context.get_remaining_time_in_millis() > 0
    (outcome,) = outcomes
    assert outcome.stopped_by == "timeout"
    assert 0 < len(processed) < 20
    assert _events.failures(response) == [f"m{i}" for i in range(len(processed), 20)]
    _check_partition(outcome, 20, processed)


def test_an_async_handler_under_the_timeout_guard_answers_with_its_unprocessed_tail() -> None:
    from lambda_toolkit.batch import process_batch_async
    from lambda_toolkit.timeout import timeout_guard

    processed: list[str] = []
    context = FakeContext(timeout_ms=1000)

    async def slow(record: SQSRecord) -> None:
        await asyncio.sleep(0.1)
        processed.append(record.message_id)

    @timeout_guard(margin_ms=300)
    async def handler(event: dict[str, Any], context: Any) -> Any:
        return await process_batch_async(event, slow, source="sqs", concurrency=2, deadline_margin_ms=0)

    outcome = asyncio.run(handler(_events.sqs(40), context))
    assert context.get_remaining_time_in_millis() > 0
    assert outcome.stopped_by == "timeout"
    assert 0 < len(processed) < 40
    _check_partition(outcome, 40, processed)

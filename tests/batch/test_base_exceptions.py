"""One rule for what a record function raises, the same in every runner: an ``Exception``
fails that record; ``InvocationTimeout`` stops the batch with the partial response; any
other BaseException (SystemExit, KeyboardInterrupt, GeneratorExit, a CancelledError)
stops the runner from starting records and propagates out of the handler, never
reported as a record failure."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lambda_toolkit.batch import BatchOutcome, batch, process_batch_async
from lambda_toolkit.testing import FakeContext

from . import _events

RUNNERS = ["sequential", "sequential-stop-rule", "threads", "asyncio"]
BASE_EXCEPTIONS = [SystemExit, KeyboardInterrupt, GeneratorExit, asyncio.CancelledError]
RECORDS = 20


def _handler(runner: str, error: BaseException, started: list[str], outcomes: list[BatchOutcome]) -> Any:
    raised = threading.Event()
    concurrent = runner in ("threads", "asyncio")

    def process(message_id: str) -> None:
        started.append(message_id)
        if message_id == "m1":
            raised.set()
            raise error

    options: dict[str, Any] = {"all_failed": "report", "on_outcome": outcomes.append}
    if runner == "sequential-stop-rule":
        options["stop_on_first_failure"] = True
    if runner == "asyncio":

        async def record_function(record: Any) -> None:
            if record.message_id == "m0":  # in flight when m1 raises
                while not raised.is_set():
                    await asyncio.sleep(0.001)
            process(record.message_id)

        return batch("sqs", concurrency=2, **options)(record_function)

    def sync_record_function(record: Any) -> None:
        if concurrent and record.message_id == "m0":  # in flight when m1 raises
            raised.wait(5)
        process(record.message_id)

    if runner == "threads":
        options["concurrency"] = 2
    return batch("sqs", **options)(sync_record_function)


@pytest.mark.parametrize("error_type", BASE_EXCEPTIONS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("runner", RUNNERS)
def test_a_base_exception_stops_starting_records_and_propagates_unreported(
    runner: str, error_type: type[BaseException]
) -> None:
    error = error_type()
    started: list[str] = []
    outcomes: list[BatchOutcome] = []
    handler = _handler(runner, error, started, outcomes)
    with pytest.raises(error_type) as caught:
        handler(_events.sqs(RECORDS), FakeContext(timeout_ms=60_000))
    assert caught.value is error
    assert outcomes == []  # no outcome: nothing is reported, as a failure or otherwise
    # the record in flight (threads, asyncio) finishes; none is started after the error
    assert sorted(started) == ["m0", "m1"]


def test_an_exception_still_fails_only_its_record_in_every_runner() -> None:
    for runner in RUNNERS:
        outcomes: list[BatchOutcome] = []
        handler = _handler(runner, ValueError("no"), [], outcomes)
        response = handler(_events.sqs(4), FakeContext(timeout_ms=60_000))
        expected = ["m1", "m2", "m3"] if runner == "sequential-stop-rule" else ["m1"]
        assert _events.failures(response) == expected, runner


@pytest.mark.parametrize("error_type", [KeyboardInterrupt, asyncio.CancelledError], ids=lambda t: t.__name__)
def test_process_batch_async_follows_the_same_rule(error_type: type[BaseException]) -> None:
    started: list[str] = []

    async def process(record: Any) -> None:
        started.append(record.message_id)
        if record.message_id == "m1":
            raise error_type()

    async def main() -> None:
        with pytest.raises(error_type):
            await process_batch_async(_events.sqs(RECORDS), process, source="sqs", concurrency=1)

    asyncio.run(main())
    assert started == ["m0", "m1"]


def test_cancelling_the_task_running_process_batch_async_cancels_the_batch() -> None:
    started: list[str] = []
    cancelled: list[str] = []

    async def slow(record: Any) -> None:
        started.append(record.message_id)
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(record.message_id)
            raise

    async def main() -> None:
        task = asyncio.ensure_future(process_batch_async(_events.sqs(RECORDS), slow, source="sqs", concurrency=2))
        while len(started) < 2:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sorted(started) == ["m0", "m1"]
    assert sorted(cancelled) == ["m0", "m1"]  # the records in flight are cancelled, not awaited

"""``processes=N``: CPU-bound records in worker processes, reported like threads."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

import pytest

from lambda_toolkit.batch import BatchOutcome, WorkerProcessError, _processes, batch, process_batch
from lambda_toolkit.batch._processes import ProcessPool
from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext

from . import _events

PARENT = os.getpid()
LONG = 300_000  # no deadline in sight on a loaded machine (ms)
STUCK_PID_FILE: list[str] = []  # set by the deadline test before the processes are forked


def _number(record: SQSRecord) -> int:
    return int(json.loads(record.body)["n"])


def square_unless_third(record: SQSRecord) -> tuple[int, int]:
    """The record's number squared, with the pid of the process that ran it; every third fails."""
    n = _number(record)
    if n % 3 == 1:
        raise ValueError("not this one")
    return n * n, os.getpid()


def test_records_run_in_worker_processes_and_fail_alone() -> None:
    outcomes: list[BatchOutcome] = []
    handler = batch("sqs", processes=2, on_outcome=outcomes.append)(square_unless_third)
    response = handler(_events.sqs(9), FakeContext(timeout_ms=LONG))
    assert _events.failures(response) == ["m1", "m4", "m7"]
    (outcome,) = outcomes
    assert [result for result, _ in (s.result for s in outcome.successes)] == [0, 4, 9, 25, 36, 64]
    pids = {pid for _, pid in (s.result for s in outcome.successes)}
    assert PARENT not in pids and 1 <= len(pids) <= 2
    assert {type(f.error) for f in outcome.failures} == {ValueError}


def pid_after_a_moment(record: SQSRecord) -> int:
    time.sleep(0.02)  # long enough for both worker threads to have a record in flight
    return os.getpid()


def test_a_handler_keeps_its_worker_processes_between_invocations() -> None:
    outcomes: list[BatchOutcome] = []
    handler = batch("sqs", processes=2, on_outcome=outcomes.append)(pid_after_a_moment)
    handler(_events.sqs(8), FakeContext(timeout_ms=LONG))
    handler(_events.sqs(8), FakeContext(timeout_ms=LONG))
    first, second = ({s.result for s in o.successes} for o in outcomes)
    assert len(first) == 2 and second == first  # the same two processes, none started again


def test_process_batch_stops_its_processes_when_it_returns() -> None:
    import multiprocessing

    before = set(multiprocessing.active_children())
    outcome = process_batch(_events.sqs(4), square_unless_third, source="sqs", processes=2)
    assert outcome.failed_count == 1
    assert {pid for _, pid in (s.result for s in outcome.successes)} - {p.pid for p in before}
    assert set(multiprocessing.active_children()) <= before


def test_a_dropped_handler_takes_its_worker_processes_with_it() -> None:
    import gc
    import multiprocessing

    before = set(multiprocessing.active_children())
    handler = batch("sqs", processes=2)(square_unless_third)
    handler(_events.sqs(3), FakeContext(timeout_ms=LONG))
    assert len(set(multiprocessing.active_children()) - before) == 2
    del handler
    gc.collect()
    assert set(multiprocessing.active_children()) <= before


def group_member(record: SQSRecord) -> int:
    n = _number(record)
    if n == 1:
        raise ValueError("the first message of group a fails")
    return n


def test_fifo_groups_keep_their_order_rules() -> None:
    groups = ["a", "a", "b", "a", "b", "b"]
    event = _events.sqs(6, fifo=True, groups=groups)
    by_processes = batch("sqs", processes=2, fifo_stop="group")(group_member)(event, FakeContext(timeout_ms=LONG))
    by_threads = batch("sqs", concurrency=2, fifo_stop="group")(group_member)(event, FakeContext(timeout_ms=LONG))
    # m1 failed: m3, later in group a, is skipped; group b runs to the end
    assert _events.failures(by_processes) == _events.failures(by_threads) == ["m1", "m3"]


def slow_then_stuck(record: SQSRecord) -> int:
    n = _number(record)
    if n == 0:
        with open(STUCK_PID_FILE[0], "w") as file:
            file.write(str(os.getpid()))
        time.sleep(60)
    time.sleep(0.05)
    return n


def test_the_deadline_answers_without_the_stuck_record_and_stops_its_process(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "STUCK_PID_FILE", [str(tmp_path / "stuck.pid")])
    outcomes: list[BatchOutcome] = []
    handler = batch("sqs", processes=2, deadline_margin_ms=2000, on_outcome=outcomes.append)(slow_then_stuck)
    # 3 s for the invocation: records start for 1 s, the batch waits until 1 s of margin is left
    response = handler(_events.sqs(8), FakeContext(timeout_ms=3000))
    (outcome,) = outcomes
    assert "m0" in _events.failures(response)
    assert {f.reason for f in outcome.failures if f.item_id == "m0"} == {"deadline"}
    assert outcome.stopped_by == "deadline"
    assert outcome.succeeded_count >= 1  # the other process went on with the others
    # the process running m0 was stopped when the batch answered (not left running)
    stuck = int((tmp_path / "stuck.pid").read_text())
    try:
        exited, _ = os.waitpid(stuck, os.WNOHANG)
        assert exited == stuck, "the process running the stuck record is still running"
    except ChildProcessError:
        pass  # already collected: gone


def returns_a_lock(record: SQSRecord) -> Any:
    return threading.Lock()


class UnpicklableError(Exception):
    def __init__(self, lock: Any) -> None:
        super().__init__("holds a lock")
        self.lock = lock

    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this exception")


def raises_an_unpicklable_error(record: SQSRecord) -> None:
    raise UnpicklableError(threading.Lock())


def exits(record: SQSRecord) -> int:
    if _number(record) == 0:
        os._exit(3)
    return _number(record)


@pytest.mark.parametrize(
    ("record_function", "message"),
    [
        (returns_a_lock, r"the record function's result \(lock\) is not picklable"),
        (raises_an_unpicklable_error, "the record function raised UnpicklableError, which is not picklable"),
    ],
)
def test_what_cannot_cross_the_pipe_fails_the_record_with_a_clear_error(record_function: Any, message: str) -> None:
    outcome = process_batch(_events.sqs(2), record_function, source="sqs", processes=1, all_failed="report")
    assert outcome.failed_count == 2
    for failure in outcome.failures:
        assert isinstance(failure.error, WorkerProcessError)
        assert failure.reason == "error"
    assert outcome.failures[0].error is not None
    import re

    assert re.search(message, str(outcome.failures[0].error))


def test_a_record_that_cannot_be_pickled_fails_with_its_type_named() -> None:
    pool = ProcessPool(lambda item: item, 1)
    try:
        with pytest.raises(WorkerProcessError, match=r"the record \(lock\) cannot be sent to a worker process"):
            pool(threading.Lock())
        assert pool(5) == 5  # the pool still works
    finally:
        pool.close()


def test_a_worker_process_that_exits_fails_its_record_and_is_replaced() -> None:
    outcome = process_batch(_events.sqs(4), exits, source="sqs", processes=1)
    assert [f.item_id for f in outcome.failures] == ["m0"]
    assert "the worker process running the record exited" in str(outcome.failures[0].error)
    assert [s.result for s in outcome.successes] == [1, 2, 3]


async def an_async_record_function(record: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"processes": 0}, "processes must be a positive integer or None"),
        ({"processes": True}, "processes must be a positive integer or None"),
        ({"processes": 2, "concurrency": 4}, "processes and concurrency cannot be combined"),
    ],
)
def test_bad_process_options_fail_at_set_up(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        batch("sqs", **options)


def test_an_async_record_function_or_a_method_is_refused_at_decoration() -> None:
    with pytest.raises(ConfigurationError, match="an async def record function takes concurrency= instead"):
        batch("sqs", processes=2)(an_async_record_function)

    with pytest.raises(ConfigurationError, match="processes= needs a plain function of the record, not a method"):

        class Worker:
            @batch("sqs", processes=2)
            def handle(self, record: Any) -> None: ...


def test_where_processes_are_spawned_the_record_function_must_be_picklable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_processes, "start_method", lambda: "spawn")
    local = lambda record: None  # noqa: E731 - a lambda does not pickle
    with pytest.raises(ConfigurationError, match="must be picklable on this platform"):
        process_batch(_events.sqs(1), local, source="sqs", processes=1)

"""``processes=N``: a worker process runs each record in the invocation of the batch it
belongs to (request id, cold start, deadline, trace id, invocation keys of the logger), not
in the one it was forked from (the handler's first batch)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from lambda_toolkit.batch import batch, process_batch
from lambda_toolkit.core import Call, Middleware, current_invocation, middleware, set_correlation_id
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext

from . import _events

LONG = 300_000  # no deadline in sight on a loaded machine (ms)


def _lines(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_invocation_s_worker_lines_carry_its_own_request_id_cold_start_and_trace_id(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lines.jsonl"
    with open(path, "a", buffering=1) as stream:  # line-buffered: the workers' lines reach the file
        log = Logger(service="worker", stream=stream)

        def work(record: Any) -> None:
            log.info("in the worker", m=record.message_id, pid=os.getpid())

        handler = log.inject_context(batch("sqs", processes=2)(work))
        for request_id in ("req-1", "req-2", "req-3"):
            monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root=1-5759e988-{request_id};Sampled=1")
            handler(_events.sqs(4), FakeContext(timeout_ms=LONG, aws_request_id=request_id))
    worker_lines = [line for line in _lines(path) if "m" in line]
    assert all(line["pid"] != os.getpid() for line in worker_lines)
    seen = sorted(
        (line["function_request_id"], line["m"], line["cold_start"], line["xray_trace_id"]) for line in worker_lines
    )
    assert seen == [
        (request_id, f"m{i}", request_id == "req-1", f"1-5759e988-{request_id}")
        for request_id in ("req-1", "req-2", "req-3")
        for i in range(4)
    ]


def invocation_seen_in_the_worker(record: Any) -> dict[str, Any]:
    """What the worker process sees of the current invocation (module level: picklable)."""
    invocation = current_invocation()
    assert invocation is not None
    context = invocation.context
    return {
        "pid": os.getpid(),
        "request_id": invocation.request_id,
        "context_request_id": context.aws_request_id,
        "cold_start": invocation.cold_start,
        "correlation_id": invocation.correlation_id,
        "interrupted": invocation.interrupted,
        "remaining_ms": invocation.remaining_ms(),
        "function": (context.function_name, context.invoked_function_arn, context.memory_limit_in_mb),
    }


def no_invocation_in_the_worker(record: Any) -> bool:
    return current_invocation() is None


@middleware
def correlated() -> Middleware:
    """A handler layer that sets the invocation's correlation id from the event."""

    def before(call: Call) -> None:
        set_correlation_id(call.args[0]["correlation"])

    return Middleware("correlated", before=before)


def test_a_kept_worker_process_runs_in_each_batch_s_invocation_deadline_included() -> None:
    outcomes: list[Any] = []
    handler = correlated(batch("sqs", processes=1, on_outcome=outcomes.append)(invocation_seen_in_the_worker))
    handler({**_events.sqs(2), "correlation": "corr-a"}, FakeContext(timeout_ms=LONG, aws_request_id="a"))
    handler(
        {**_events.sqs(2), "correlation": "corr-b"},
        FakeContext(timeout_ms=LONG // 2, aws_request_id="b", function_name="other", memory_mb=512),
    )
    first, second = ([s.result for s in outcome.successes] for outcome in outcomes)
    assert len({r["pid"] for r in first + second} | {os.getpid()}) == 2  # one worker process, kept
    assert [(r["request_id"], r["context_request_id"], r["cold_start"]) for r in first] == [("a", "a", True)] * 2
    assert [(r["request_id"], r["context_request_id"], r["cold_start"]) for r in second] == [("b", "b", False)] * 2
    assert {r["correlation_id"] for r in first} == {"corr-a"} and {r["correlation_id"] for r in second} == {"corr-b"}
    assert {r["interrupted"] for r in first + second} == {False}
    assert {r["function"] for r in second} == {("other", "arn:aws:lambda:us-east-1:123456789012:function:other", "512")}
    # the deadline is the invocation's (half as far for the second), never the first one's
    assert all(0 < r["remaining_ms"] <= LONG for r in first)
    assert all(0 < r["remaining_ms"] <= LONG // 2 for r in second)


def test_process_batch_outside_an_invocation_runs_its_records_outside_one() -> None:
    outcome = process_batch(_events.sqs(1), no_invocation_in_the_worker, source="sqs", processes=1)
    assert [s.result for s in outcome.successes] == [True]


def _appending(log: Logger, handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler layer that appends the event's ``tenant`` (if any) to the logger's keys."""

    def wrapper(event: dict[str, Any], context: Any) -> Any:
        if "tenant" in event:
            log.append_keys(tenant=event["tenant"])
        return handler(event, context)

    return wrapper


def test_keys_appended_in_the_invocation_before_the_batch_are_those_of_worker_lines(tmp_path: Any) -> None:
    path = tmp_path / "lines.jsonl"
    with open(path, "a", buffering=1) as stream:
        log = Logger(service="worker", stream=stream)
        log.append_keys(region="eu")  # logger-wide: every line

        def work(record: Any) -> None:
            log.info("in the worker", m=record.message_id)

        handler = log.inject_context(_appending(log, batch("sqs", processes=2)(work)))
        handler({**_events.sqs(2), "tenant": "t1"}, FakeContext(timeout_ms=LONG, aws_request_id="r1"))
        handler({**_events.sqs(2), "tenant": "t2"}, FakeContext(timeout_ms=LONG, aws_request_id="r2"))
        handler(_events.sqs(2), FakeContext(timeout_ms=LONG, aws_request_id="r3"))  # appends none
    seen = sorted(
        (line["function_request_id"], line["m"], line.get("tenant"), line.get("region"))
        for line in _lines(path)
        if "m" in line
    )
    assert seen == [
        ("r1", "m0", "t1", "eu"),
        ("r1", "m1", "t1", "eu"),
        ("r2", "m0", "t2", "eu"),
        ("r2", "m1", "t2", "eu"),
        ("r3", "m0", None, "eu"),
        ("r3", "m1", None, "eu"),
    ]


def test_scoped_keys_around_the_batch_are_those_of_worker_lines(tmp_path: Any) -> None:
    path = tmp_path / "lines.jsonl"
    with open(path, "a", buffering=1) as stream:
        log = Logger(service="worker", stream=stream)

        def work(record: Any) -> None:
            log.info("in the worker", m=record.message_id)

        inner = batch("sqs", processes=1)(work)

        def handler(event: dict[str, Any], context: Any) -> Any:
            with log.scoped_keys(step=event["step"]):
                return inner(event, context)

        handler = log.inject_context(handler)
        handler({**_events.sqs(1), "step": "s1"}, FakeContext(timeout_ms=LONG, aws_request_id="r1"))
        handler({**_events.sqs(1), "step": "s2"}, FakeContext(timeout_ms=LONG, aws_request_id="r2"))
    seen = [(line["function_request_id"], line.get("step")) for line in _lines(path) if "m" in line]
    assert seen == [("r1", "s1"), ("r2", "s2")]


def request_id_in_the_worker(item: Any) -> str | None:
    invocation = current_invocation()
    return None if invocation is None else invocation.request_id


def test_batches_of_two_invocations_at_the_same_time_each_run_in_their_own() -> None:
    """Managed Instances run invocations side by side: one handler's pool serves both."""
    import contextvars

    from lambda_toolkit.batch._processes import ProcessPool, start_batch
    from lambda_toolkit.core.state import begin_invocation

    pool = ProcessPool(request_id_in_the_worker, 1)
    try:

        def starts(request_id: str) -> contextvars.Context:
            context = contextvars.copy_context()
            context.run(begin_invocation, {}, FakeContext(timeout_ms=LONG, aws_request_id=request_id))
            context.run(start_batch)
            return context

        a, b = starts("a"), starts("b")  # b's batch starts after a's, before a's records run
        assert [a.run(pool, 1), b.run(pool, 2), a.run(pool, 3), b.run(pool, 4)] == ["a", "b", "a", "b"]
    finally:
        pool.close()


def _refuse_to_load() -> None:
    raise ValueError("cannot be rebuilt here")


class FailsToUnpickle:
    """Pickles, but cannot be unpickled (in the worker process)."""

    def __reduce__(self) -> Any:
        return (_refuse_to_load, ())


def test_a_record_the_worker_cannot_unpickle_does_not_lose_the_batch_s_invocation() -> None:
    import contextvars

    from lambda_toolkit.batch import WorkerProcessError
    from lambda_toolkit.batch._processes import ProcessPool, start_batch
    from lambda_toolkit.core.state import begin_invocation

    pool = ProcessPool(request_id_in_the_worker, 1)  # forked outside any invocation
    try:
        context = contextvars.copy_context()
        context.run(begin_invocation, {}, FakeContext(timeout_ms=LONG, aws_request_id="a"))
        context.run(start_batch)
        with pytest.raises(WorkerProcessError, match=r"could not unpickle the record \(ValueError\)"):
            context.run(pool, FailsToUnpickle())
        assert context.run(pool, 1) == "a"  # the invocation came again with the next record
    finally:
        pool.close()

"""Carrying an invocation into a worker process: ``carry_invocation`` in the parent, a pickle
round trip (the pipe), ``enter_carried_invocation`` in the worker (here, a copied context)."""

from __future__ import annotations

import contextvars
import os
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from lambda_toolkit.core.state import (
    CarriedState,
    Invocation,
    begin_invocation,
    carry_invocation,
    carry_state,
    current_invocation,
    end_invocation,
    enter_carried_invocation,
)
from lambda_toolkit.testing import FakeClock, FakeContext


def _in_worker(carried: Any, read: Callable[[], Any]) -> Any:
    """``read()`` after entering ``carried`` (pickled and unpickled) in a context of its own."""
    crossed = pickle.loads(pickle.dumps(carried, pickle.HIGHEST_PROTOCOL))

    def run() -> Any:
        enter_carried_invocation(crossed)
        return read()

    return contextvars.copy_context().run(run)


def _carried_from(context: Any, *, before: Callable[[Invocation], None] = lambda invocation: None) -> Any:
    invocation, token = begin_invocation({"Records": []}, context)
    try:
        before(invocation)
        return carry_invocation(invocation)
    finally:
        end_invocation(token)


def test_the_worker_s_invocation_has_the_parent_s_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-parent;Sampled=1")
    clock = FakeClock()
    context = FakeContext(timeout_ms=60_000, aws_request_id="req-1", function_name="fn", memory_mb=256, clock=clock)

    def set_fields(invocation: Invocation) -> None:
        invocation.correlation_id = "corr-1"
        invocation.interrupted = True
        invocation.route = "GET /orders/{order_id}"
        invocation.execution_arn = "arn:aws:lambda:us-east-1:123456789012:function:fn:durable-execution:x"
        clock.advance(ms=10_000)  # 10 s of the invocation are gone when the batch starts

    carried = _carried_from(context, before=set_fields)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-other;Sampled=1")  # what the worker was forked with

    def read() -> tuple[Any, ...]:
        invocation = current_invocation()
        assert invocation is not None
        ctx = invocation.context
        return (
            invocation.request_id,
            invocation.cold_start,
            invocation.restored,
            invocation.correlation_id,
            invocation.interrupted,
            invocation.route,
            invocation.execution_arn,
            invocation.durable,
            invocation.event,
            invocation.data,
            (ctx.function_name, ctx.aws_request_id, ctx.memory_limit_in_mb, ctx.invoked_function_arn),
            invocation.remaining_ms(),
            invocation.elapsed_ms(),
            os.environ.get("_X_AMZN_TRACE_ID"),
        )

    seen = _in_worker(carried, read)
    assert seen[:10] == (
        "req-1",
        True,
        False,
        "corr-1",
        True,
        "GET /orders/{order_id}",
        "arn:aws:lambda:us-east-1:123456789012:function:fn:durable-execution:x",
        None,
        None,
        {},
    )
    assert seen[10] == ("fn", "req-1", "256", "arn:aws:lambda:us-east-1:123456789012:function:fn")
    # the fake clock's 50 s left, re-based on the real clock the worker reads
    assert 0 < seen[11] <= 50_000
    assert seen[12] >= 10_000
    assert seen[13] == "Root=1-5759e988-parent;Sampled=1"


class _NoDeadline:
    aws_request_id = "req-2"

    def get_remaining_time_in_millis(self) -> int:
        raise RuntimeError("this double cannot tell")


def test_an_unknown_deadline_stays_unknown_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    carried = _carried_from(_NoDeadline())
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-stale;Sampled=1")  # what the worker was forked with

    def read() -> tuple[Any, ...]:
        invocation = current_invocation()
        assert invocation is not None
        return invocation.request_id, invocation.remaining_ms(), os.environ.get("_X_AMZN_TRACE_ID")

    assert _in_worker(carried, read) == ("req-2", None, None)  # and no trace header: the parent had none


def test_no_invocation_carried_is_no_invocation_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-stale;Sampled=1")
    _, token = begin_invocation({}, FakeContext())  # the one the worker was forked in
    try:
        assert carry_invocation(None) is None
        assert _in_worker(None, lambda: (current_invocation(), os.environ.get("_X_AMZN_TRACE_ID"))) == (None, None)
    finally:
        end_invocation(token)


class _State(CarriedState):
    def __init__(self, value: Any) -> None:
        self.value = value
        self.restored: list[Any] = []
        carry_state(self)

    def export(self) -> Any:
        return self.value

    def restore(self, value: Any) -> None:
        self.restored.append(value)


def test_registered_states_cross_and_one_that_cannot_pickle_comes_back_as_the_default() -> None:
    plain, unpicklable = _State({"tenant": "t1"}), _State(lambda: None)
    carried = _carried_from(FakeContext())
    _in_worker(carried, lambda: None)  # (one process here: the same objects are restored)
    assert plain.restored == [{"tenant": "t1"}]
    assert unpicklable.restored == [None]

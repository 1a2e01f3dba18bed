"""Idempotency in a durable function: the lock belongs to the durable execution. Its
replays are not duplicates and keep the lock across waits; another execution with the same
key is a duplicate. Run in AWS's local durable-execution runner."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.plugin import PluginExecutor
from aws_durable_execution_sdk_python.state import ExecutionState

from lambda_toolkit.idempotency import (
    INPROGRESS,
    IdempotencyInProgressError,
    MemoryStore,
    Record,
    idempotent,
    idempotent_function,
)
from lambda_toolkit.testing import FakeContext
from tests._durable import LocalDurableRunner, result_of


class RecordingStore(MemoryStore):
    """A MemoryStore that notes what the policy asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str | None]] = []

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        existing = super().acquire(record, now_ms)
        self.calls.append(("acquire", None if existing is None else existing.status))
        return existing

    def release(self, record: Record) -> None:
        self.calls.append(("release", record.status))
        super().release(record)

    def complete(self, record: Record) -> bool:
        self.calls.append(("complete", record.status))
        return super().complete(record)


def test_the_replays_of_one_execution_hold_its_lock_and_are_not_duplicates() -> None:
    store = RecordingStore()
    runs: list[str] = []

    @durable_execution
    @idempotent(store=store, key="order_id")
    def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
        runs.append("handler")
        context.wait(Duration.from_seconds(1), name="cool-off")
        return {"order": event["order_id"], "status": "shipped"}

    result = LocalDurableRunner(handler).run({"order_id": "o-1"})
    assert result_of(result) == {"order": "o-1", "status": "shipped"}
    assert runs == ["handler", "handler"]  # the first run, and the replay after the wait
    # the wait kept the lock (no release); the replay found it its own; the result is stored
    assert store.calls == [("acquire", None), ("acquire", INPROGRESS), ("complete", "COMPLETED")]


def test_another_execution_with_the_same_key_is_a_duplicate() -> None:
    store = MemoryStore()
    runs: list[str] = []

    @durable_execution
    @idempotent(store=store, key="order_id")
    def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
        runs.append(event["order_id"])
        context.wait(Duration.from_seconds(1), name="cool-off")
        return {"order": event["order_id"], "attempt": len(runs)}

    runner = LocalDurableRunner(handler)
    first = result_of(runner.run({"order_id": "o-1"}, execution_name="first"))
    second = result_of(runner.run({"order_id": "o-1"}, execution_name="second"))
    assert first == second == {"order": "o-1", "attempt": 2}
    assert runs == ["o-1", "o-1"]  # the second execution's handler never ran


def test_an_execution_waiting_on_a_callback_holds_its_key_against_another_execution() -> None:
    store = MemoryStore()

    @durable_execution
    @idempotent(store=store, key="order_id")
    def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
        approval = context.create_callback(name="approval")
        return {"order": event["order_id"], "approved": approval.result()}

    payload = json.dumps({"order_id": "o-7"})
    with LocalDurableRunner(handler).session() as runner:
        waiting = runner.run_async(input=payload, execution_name="waiting")
        callback_id = runner.wait_for_callback(waiting, name="approval")
        # the first execution is suspended (no invocation runs), and still holds the key
        other = runner.run(input=payload, execution_name="other", execution_timeout=60)
        runner.send_callback_success(callback_id, result=b"yes")
        done = runner.wait_for_result(waiting)
    assert other.status.name == "FAILED"
    assert other.error is not None and "IdempotencyInProgressError" in str(other.error.type)
    assert result_of(done) == {"order": "o-7", "approved": "yes"}


def test_a_step_under_idempotent_keys_on_the_executions_input() -> None:
    store = MemoryStore()
    charges: list[str] = []

    @idempotent(store=store, key="order_id")
    def charge(step: StepContext) -> str:
        charges.append("charge")
        return "charged"

    @durable_execution
    @idempotent_function(store=MemoryStore(), key="order_id")  # (any toolkit layer starts the invocation)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        return context.step(charge, name="charge")

    runner = LocalDurableRunner(handler)
    assert result_of(runner.run({"order_id": "o-3"}, execution_name="a")) == "charged"
    assert result_of(runner.run({"order_id": "o-3"}, execution_name="b")) == "charged"
    assert charges == ["charge"]
    assert [key.split("#")[0] for key in store.records] == [charge.__qualname__]


def test_idempotent_function_on_a_durable_step_keys_on_the_argument_after_the_steps_context() -> None:
    store = MemoryStore()
    charges: list[str] = []

    @durable_step
    @idempotent_function(store=store, key="order_id")
    def charge(step: StepContext, order: dict[str, Any]) -> str:
        charges.append(order["order_id"])
        return f"charged {order['order_id']}"

    @durable_execution
    @idempotent(store=MemoryStore(), key="request")
    def handler(event: dict[str, Any], context: DurableContext) -> list[str]:
        return [context.step(charge(order), name=f"charge-{n}") for n, order in enumerate(event["orders"])]

    payload = {"request": "r-1", "orders": [{"order_id": "o-1"}, {"order_id": "o-1"}, {"order_id": "o-2"}]}
    assert result_of(LocalDurableRunner(handler).run(payload)) == ["charged o-1", "charged o-1", "charged o-2"]
    assert charges == ["o-1", "o-2"]


def durable_context(execution_arn: str) -> DurableContext:
    """A DurableContext of the SDK for one invocation of ``execution_arn`` (no operations
    checkpointed yet: the start of the execution)."""
    state = ExecutionState(
        durable_execution_arn=execution_arn,
        initial_checkpoint_token="token",
        operations={},
        service_client=None,  # type: ignore[arg-type]  # (no operation is checkpointed here)
        plugin_executor=PluginExecutor([]),
    )
    lambda_context: Any = FakeContext()  # (the SDK's protocol types its fields as optional)
    context: DurableContext = DurableContext.from_lambda_context(state, lambda_context)
    return context


def test_a_redelivered_start_of_a_running_execution_is_recognised_as_that_execution() -> None:
    store = MemoryStore()
    entered, finish = threading.Event(), threading.Event()
    runs: list[str] = []

    @idempotent(store=store, key="order_id")
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        runs.append(context.execution_context.durable_execution_arn)
        if len(runs) == 1:
            entered.set()
            finish.wait(10)
        return "done"

    first: list[str] = []
    worker = threading.Thread(target=lambda: first.append(handler({"order_id": "o-1"}, durable_context("arn:e-1"))))
    worker.start()
    try:
        assert entered.wait(10)
        # another execution with the key, while the first runs: a duplicate in progress
        with pytest.raises(IdempotencyInProgressError):
            handler({"order_id": "o-1"}, durable_context("arn:e-2"))
        # Lambda delivers the start of the same execution again: it is that execution, it runs
        assert handler({"order_id": "o-1"}, durable_context("arn:e-1")) == "done"
    finally:
        finish.set()
        worker.join(10)
    assert first == ["done"]
    assert runs == ["arn:e-1", "arn:e-1"]

"""The timeout guard and Deadline in a durable function: each invocation's own remaining
time (its Lambda context's), not the execution's. Run in AWS's local runner."""

from __future__ import annotations

import time
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from lambda_toolkit.testing import FakeClock
from lambda_toolkit.timeout import Deadline, TimeoutInfo, timeout_guard
from tests._durable import LocalDurableRunner, result_of


def test_the_deadline_is_each_invocations_own() -> None:
    clock = FakeClock()
    seen: list[tuple[bool, float]] = []

    def slow_step(step: StepContext) -> str:
        clock.advance(6_000)  # a step that takes 6 of the invocation's 10 seconds
        return "done"

    @durable_execution
    @timeout_guard(margin_ms=500)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        outcome: str = context.step(slow_step, name="slow")
        seen.append((context.is_replaying(), Deadline.current().remaining_ms()))
        context.wait(Duration.from_seconds(1), name="pause")
        return outcome

    assert result_of(LocalDurableRunner(handler, timeout_ms=10_000, clock=clock).run({})) == "done"
    # the first invocation ran the step and has 4 s left; the replay took the step's
    # checkpointed result and has its whole 10 s
    assert seen == [(False, 4_000.0), (True, 10_000.0)]


def test_the_guard_stops_a_durable_handler_before_its_invocation_ends() -> None:
    interrupted: list[TimeoutInfo] = []

    def on_timeout(info: TimeoutInfo) -> dict[str, str]:
        interrupted.append(info)
        return {"status": "timed out"}

    @durable_execution
    @timeout_guard(margin_ms=1_000, on_timeout=on_timeout)
    def handler(event: dict[str, Any], context: DurableContext) -> dict[str, str]:
        deadline = Deadline.current()
        give_up = time.monotonic() + 30  # a bound for a broken guard, not a timing assertion
        while time.monotonic() < give_up:
            deadline.check()  # raises InvocationTimeout once the guard raised its flag
            time.sleep(0.01)
        return {"status": "finished"}

    result = LocalDurableRunner(handler, timeout_ms=1_300).run({})
    # the SDK runs the handler on its own thread: the guard raised the cooperative flag
    assert result_of(result) == {"status": "timed out"}
    assert [info.mode for info in interrupted] == ["cooperative"]

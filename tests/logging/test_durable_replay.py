"""Logging in a durable function: each invocation's context fields, and no line written
twice when the SDK replays the handler (unless asked). Run in AWS's local runner."""

from __future__ import annotations

from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.logging import Logger
from tests._durable import LocalDurableRunner, result_of
from tests.logging.conftest import Capture


def order_handler(log: Logger) -> Any:
    def charge(step: StepContext) -> str:
        log.info("charging")
        return "charged"

    @durable_execution
    @log.inject_context(correlation_id="order_id")
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        log.info("order received")
        outcome: str = context.step(charge, name="charge")
        context.wait(Duration.from_seconds(1), name="cool-off")
        log.info("order shipped")
        return outcome

    return handler


def test_replayed_code_does_not_write_its_lines_again(out: Capture) -> None:
    runner = LocalDurableRunner(order_handler(Logger("durable-orders", stream=out)))
    assert result_of(runner.run({"order_id": "o-1"})) == "charged"
    lines = out.lines()
    assert [line["message"] for line in lines] == ["order received", "charging", "order shipped"]
    first, second = runner.contexts
    # each line carries the invocation that wrote it: its request id and cold start
    assert [line["function_request_id"] for line in lines] == [
        first.aws_request_id,
        first.aws_request_id,
        second.aws_request_id,
    ]
    assert [line["cold_start"] for line in lines] == [True, True, False]
    assert {line["correlation_id"] for line in lines} == {"o-1"}
    arns = {line["durable_execution_arn"] for line in lines}
    assert len(arns) == 1 and arns.pop()
    # the wait suspended the first invocation: that is no error
    assert all(line["level"] == "INFO" for line in lines)


def test_log_replays_writes_the_replayed_lines_too(out: Capture) -> None:
    runner = LocalDurableRunner(order_handler(Logger("durable-replays", stream=out, log_replays=True)))
    result_of(runner.run({"order_id": "o-2"}))
    messages = [line["message"] for line in out.lines()]
    # the step itself is not run again (its result is checkpointed), the handler's code is
    assert messages == ["order received", "charging", "order received", "order shipped"]


def test_a_handler_failing_after_a_replay_still_logs_its_error(out: Capture) -> None:
    log = Logger("durable-failing", stream=out)

    @durable_execution
    @log.inject_context
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        context.wait(Duration.from_seconds(1), name="pause")
        raise RuntimeError("card declined")

    result = LocalDurableRunner(handler).run({})
    assert result.status.name == "FAILED"
    errors = [line for line in out.lines() if line["level"] == "ERROR"]
    assert [line["message"] for line in errors] == ["handler raised RuntimeError"]


def test_lines_outside_durable_functions_carry_no_execution_field(out: Capture) -> None:
    from lambda_toolkit.testing import FakeContext

    log = Logger("classic-orders", stream=out)

    @log.inject_context
    def handler(event: dict[str, Any], context: Any) -> None:
        log.info("hello")

    handler({}, FakeContext())
    assert "durable_execution_arn" not in out.last()


def test_log_replays_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="log_replays"):
        Logger("durable-bad", log_replays="yes")  # type: ignore[arg-type]


def test_a_child_context_resumed_after_its_own_wait_writes_its_new_lines(out: Capture) -> None:
    log = Logger("durable-children", stream=out)

    def reserve(child: DurableContext) -> str:
        log.info("reserving")
        child.wait(Duration.from_seconds(1), name="hold")
        # new code of the child, while the handler's own context still replays the child
        log.info("reserved")
        return "reserved"

    @durable_execution
    @log.inject_context
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        log.info("start")
        outcome: str = context.run_in_child_context(reserve, name="reserve")
        log.info("end")
        return outcome

    assert result_of(LocalDurableRunner(handler).run({})) == "reserved"
    assert [line["message"] for line in out.lines()] == ["start", "reserving", "reserved", "end"]


def test_map_items_write_each_line_once(out: Capture) -> None:
    log = Logger("durable-map", stream=out)

    def ship(item_context: DurableContext, item: str, index: int, items: Any) -> str:
        log.info("packing", item=item)
        item_context.wait(Duration.from_seconds(1), name=f"truck-{index}")
        log.info("shipped", item=item)
        return item

    @durable_execution
    @log.inject_context
    def handler(event: dict[str, Any], context: DurableContext) -> list[str]:
        shipped: list[str] = context.map(event["items"], ship, name="ship").get_results()
        log.info("all shipped")
        return shipped

    assert result_of(LocalDurableRunner(handler).run({"items": ["a", "b"]})) == ["a", "b"]
    lines = [(line["message"], line.get("item")) for line in out.lines()]
    assert sorted(lines, key=str) == sorted(
        [("packing", "a"), ("packing", "b"), ("shipped", "a"), ("shipped", "b"), ("all shipped", None)], key=str
    )

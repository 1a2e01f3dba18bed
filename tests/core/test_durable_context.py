"""Durable functions: the core takes the SDK's DurableContext (and a step's context) as the
handler's context, and refuses a decorator order in which the toolkit would see Lambda's
raw durable event. Run in AWS's local durable-execution runner."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from lambda_toolkit.core import (
    Call,
    ConfigurationError,
    InvalidContextError,
    Middleware,
    MiddlewareDecorator,
    middleware,
)
from lambda_toolkit.core.durable import is_durable_context, is_durable_input, is_operation_context, is_suspension
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import Deadline, timeout_guard
from tests._durable import LocalDurableRunner, result_of


def probe(seen: list[dict[str, Any]], *, handler_only: bool = False) -> MiddlewareDecorator[[]]:
    """A layer recording what the invocation state says at each hook."""

    @middleware
    def layer() -> Middleware:
        def before(call: Call) -> None:
            invocation = call.invocation
            assert invocation is not None
            seen.append(
                {
                    "hook": "before",
                    "handler_call": call.is_handler_call,
                    "event": call.event,
                    "context_is_durable": is_durable_context(call.context),
                    "request_id": invocation.request_id,
                    "execution_arn": invocation.execution_arn,
                    "replaying": invocation.replaying,
                    "cold_start": invocation.cold_start,
                }
            )

        def after(call: Call) -> None:
            seen.append({"hook": "after", "suspended": call.invocation.suspended if call.invocation else None})

        def on_error(call: Call) -> None:
            invocation = call.invocation
            seen.append(
                {
                    "hook": "on_error",
                    "suspended": invocation.suspended if invocation else None,
                    "suspension": is_suspension(call.error),
                }
            )

        return Middleware("probe", before=before, after=after, on_error=on_error, handler_only=handler_only)

    return layer


def test_a_durable_handler_call_is_a_handler_call_of_the_lambda_invocation_under_it() -> None:
    seen: list[dict[str, Any]] = []

    @durable_execution
    @probe(seen, handler_only=True)
    def handler(event: dict[str, Any], context: DurableContext) -> int:
        total: int = context.step(lambda step: event["n"] + 1, name="add")
        context.wait(Duration.from_seconds(1), name="pause")
        return total

    runner = LocalDurableRunner(handler)
    assert result_of(runner.run({"n": 41})) == 42
    first, second = (entry for entry in seen if entry["hook"] == "before")
    arn = first["execution_arn"]
    assert isinstance(arn, str) and arn
    # each invocation of the execution: its own request id (the Lambda context's), one execution
    assert [first["request_id"], second["request_id"]] == [c.aws_request_id for c in runner.contexts]
    assert second["execution_arn"] == arn
    assert first["handler_call"] and second["handler_call"]
    assert first["event"] == {"n": 41} and first["context_is_durable"]
    # the first run is new code, the second replays the step and the wait before going on
    assert (first["replaying"], second["replaying"]) == (False, True)
    assert first["cold_start"] and not second["cold_start"]


def test_a_wait_suspends_the_invocation_which_the_layers_see_as_suspended_not_failed() -> None:
    seen: list[dict[str, Any]] = []

    @durable_execution
    @probe(seen)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        context.wait(Duration.from_seconds(1), name="pause")
        return "done"

    assert result_of(LocalDurableRunner(handler).run({})) == "done"
    exits = [entry for entry in seen if entry["hook"] != "before"]
    assert exits == [
        {"hook": "on_error", "suspended": True, "suspension": True},
        {"hook": "after", "suspended": False},
    ]


def test_handler_only_decorators_take_the_durable_context() -> None:
    remaining: list[float] = []

    @durable_execution
    @timeout_guard(margin_ms=500)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        remaining.append(Deadline.current().remaining_ms())
        return "ok"

    runner = LocalDurableRunner(handler, timeout_ms=60_000)
    assert result_of(runner.run({})) == "ok"
    # the deadline is the Lambda invocation's (its context's remaining time)
    assert 0 < remaining[0] <= 60_000


def test_a_step_function_under_a_handler_only_decorator_works_in_the_handlers_invocation() -> None:
    seen: list[dict[str, Any]] = []

    @probe(seen, handler_only=True)
    def charge(step: StepContext) -> str:
        assert is_operation_context(step)
        return "charged"

    @durable_execution
    @timeout_guard(margin_ms=100)
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        return context.step(charge, name="charge")

    assert result_of(LocalDurableRunner(handler).run({})) == "charged"
    before = seen[0]
    assert before["handler_call"] is False and before["execution_arn"]


def test_a_decorated_step_of_an_undecorated_handler_is_a_clear_error() -> None:
    @timeout_guard
    def charge(step: StepContext) -> str:
        return "charged"

    @durable_execution
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        return context.step(charge, name="charge")

    result = LocalDurableRunner(handler).run({})
    assert result.status.name == "FAILED"
    assert result.error is not None
    # (the SDK reports a step's exception as a StepError carrying its message)
    assert "timeout_guard(margin_ms=500): a durable step has no Lambda context" in str(result.error.message)


def test_a_toolkit_decorator_above_durable_execution_is_refused_at_decoration() -> None:
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        return "ok"

    with pytest.raises(ConfigurationError, match=r"timeout_guard.*put @durable_execution outermost"):
        timeout_guard(margin_ms=100)(durable_execution(handler))


def test_lambdas_raw_durable_event_reaching_a_toolkit_layer_is_a_configuration_error() -> None:
    seen: list[dict[str, Any]] = []

    @probe(seen)
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    raw = {"DurableExecutionArn": "arn:aws:lambda:...", "CheckpointToken": "token", "InitialExecutionState": {}}
    assert is_durable_input(raw)
    with pytest.raises(ConfigurationError, match="raw durable-execution event") as caught:
        handler(raw, FakeContext())
    assert "token" not in str(caught.value)  # names the fields, never their values
    assert seen == []


def test_a_plain_call_with_a_non_lambda_context_is_still_refused() -> None:
    @timeout_guard
    def handler(event: Any, context: Any) -> str:
        return "ok"

    with pytest.raises(InvalidContextError):
        handler({}, object())


def test_importing_the_package_does_not_import_the_durable_sdk() -> None:
    code = (
        "import sys, lambda_toolkit, lambda_toolkit.core, lambda_toolkit.logging, lambda_toolkit.idempotency, "
        "lambda_toolkit.timeout, lambda_toolkit.metrics\n"
        "print(sorted(name for name in sys.modules if name.startswith('aws_durable')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_event_parsing_and_validation_see_the_executions_input() -> None:
    from pydantic import BaseModel

    from lambda_toolkit.events import parse_event
    from lambda_toolkit.validation import validate

    class Order(BaseModel):
        order_id: str
        quantity: int

    schema = {"type": "object", "required": ["order_id", "quantity"]}

    @durable_execution
    @validate(inbound=schema)
    @parse_event(model=Order)
    def handler(order: Order, context: DurableContext) -> dict[str, Any]:
        doubled: int = context.step(lambda step: order.quantity * 2, name="double")
        return {"order_id": order.order_id, "quantity": doubled}

    runner = LocalDurableRunner(handler)
    assert result_of(runner.run({"order_id": "o-1", "quantity": 2})) == {"order_id": "o-1", "quantity": 4}
    invalid = runner.run({"order_id": "o-2"})
    assert invalid.status.name == "FAILED" and invalid.error is not None
    assert "quantity" in str(invalid.error.message)


def test_a_toolkit_decorator_over_the_sdks_other_wrappers_is_not_mistaken_for_the_wrong_order() -> None:
    from aws_durable_execution_sdk_python import durable_step

    from lambda_toolkit.tracing import trace

    @trace
    @durable_step
    def charge(step: StepContext, amount: int) -> int:
        return amount

    @durable_execution
    @timeout_guard(margin_ms=100)
    def handler(event: dict[str, Any], context: DurableContext) -> int:
        return context.step(charge(event["amount"]), name="charge")

    assert result_of(LocalDurableRunner(handler).run({"amount": 5})) == 5

"""Tracing a durable function: one span per invocation, and a wait's suspension is not an
error. Run in AWS's local durable-execution runner."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from lambda_toolkit.tracing import trace
from tests._durable import LocalDurableRunner, result_of


def test_a_suspended_invocations_span_is_not_an_error(otel: Any) -> None:
    from opentelemetry.trace import StatusCode

    @durable_execution
    @trace
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        context.wait(Duration.from_seconds(1), name="pause")
        return "done"

    assert result_of(LocalDurableRunner(handler).run({})) == "done"
    spans = otel.get_finished_spans()
    assert [span.name for span in spans] == ["## handler", "## handler"]  # one per invocation
    assert [span.status.status_code for span in spans] == [StatusCode.UNSET, StatusCode.UNSET]
    assert [len(span.events) for span in spans] == [0, 0]  # no exception recorded


def test_a_failing_durable_handlers_span_is_an_error(otel: Any) -> None:
    from opentelemetry.trace import StatusCode

    @durable_execution
    @trace
    def handler(event: dict[str, Any], context: DurableContext) -> str:
        raise ValueError("no stock")

    assert LocalDurableRunner(handler).run({}).status.name == "FAILED"
    [span] = otel.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR

"""Durable handlers run in AWS's local durable-execution runner (in process, no server).

``aws_durable_execution_sdk_python_testing`` drives a handler as the Lambda durable
service does: a first invocation, then one more per wait, each replaying the handler from
the start. Its own Lambda context gives every invocation the same request id and 15
minutes; here each invocation gets a ``FakeContext`` instead (its own request id, as on
Lambda, and the timeout the test chooses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from aws_durable_execution_sdk_python_testing import invoker
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestResult, DurableFunctionTestRunner

from lambda_toolkit.testing import FakeContext


class LocalDurableRunner:
    """Runs executions of one durable handler; ``contexts`` holds the Lambda context of
    each invocation, in order."""

    def __init__(
        self, handler: Callable[..., Any], *, timeout_ms: int = 900_000, clock: Callable[[], float] | None = None
    ) -> None:
        self.handler = handler
        self.timeout_ms = timeout_ms
        self.clock = clock
        self.contexts: list[FakeContext] = []

    def _context(self, **_: Any) -> FakeContext:
        context = FakeContext(timeout_ms=self.timeout_ms, function_name="test-function", clock=self.clock)
        self.contexts.append(context)
        return context

    @contextmanager
    def session(self) -> Iterator[DurableFunctionTestRunner]:
        """The SDK's runner itself, for executions run side by side (``run_async``,
        callbacks), with this class's Lambda contexts."""
        with (
            mock.patch.object(invoker, "create_test_lambda_context", self._context),
            DurableFunctionTestRunner(handler=self.handler, poll_interval=0.02) as runner,
        ):
            yield runner

    def run(self, payload: Any, *, execution_name: str = "execution-name") -> DurableFunctionTestResult:
        """One execution of the handler with ``payload`` as its input, to its end."""
        with self.session() as runner:
            return runner.run(input=json.dumps(payload), execution_timeout=60, execution_name=execution_name)


def result_of(result: DurableFunctionTestResult) -> Any:
    """The handler's return value (the runner keeps it as JSON text)."""
    assert result.status.name == "SUCCEEDED", (result.status, result.error)
    return None if result.result is None else json.loads(result.result)

"""FakeContext: a Lambda context for tests, with a deadline that really counts down."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from lambda_toolkit.core.errors import ConfigurationError

__all__ = ["FakeClock", "FakeContext"]

_DEFAULT_ACCOUNT = "123456789012"


class FakeClock:
    """A monotonic clock the test moves by hand: ``clock.advance(ms=250)``."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start

    def __call__(self) -> float:
        return self._now

    def advance(self, ms: float = 0.0, *, seconds: float = 0.0) -> None:
        """Move the clock forward (never backward)."""
        step = ms / 1000.0 + seconds
        if step < 0:
            raise ConfigurationError("FakeClock can only move forward")
        self._now += step


class FakeContext:
    """A stand-in for the context object the Lambda runtime passes to a handler.

    The remaining time counts down from ``timeout_ms`` from the moment the context is
    created, on real monotonic time or on ``clock`` (a FakeClock or any callable returning
    seconds). Every attribute of the real context is there, with realistic defaults.
    """

    def __init__(
        self,
        *,
        timeout_ms: int = 3000,
        memory_mb: int = 128,
        function_name: str = "test-function",
        function_version: str = "$LATEST",
        aws_request_id: str | None = None,
        invoked_function_arn: str | None = None,
        region: str | None = None,
        account_id: str = _DEFAULT_ACCOUNT,
        log_group_name: str | None = None,
        log_stream_name: str | None = None,
        identity: Any = None,
        client_context: Any = None,
        tenant_id: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
            raise ConfigurationError("FakeContext timeout_ms must be a positive integer")
        if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb <= 0:
            raise ConfigurationError("FakeContext memory_mb must be a positive integer")
        region = region or os.environ.get("AWS_REGION", "us-east-1")
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = str(memory_mb)  # the real runtime passes a string
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = invoked_function_arn or (
            f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        )
        self.log_group_name = log_group_name or f"/aws/lambda/{function_name}"
        self.log_stream_name = log_stream_name or (
            f"{time.strftime('%Y/%m/%d')}/[{function_version}]{uuid.uuid4().hex}"
        )
        self.identity = identity
        self.client_context = client_context
        self.tenant_id = tenant_id
        self.timeout_ms = timeout_ms
        self._clock: Callable[[], float] = clock or time.monotonic
        self._deadline = self._clock() + timeout_ms / 1000.0

    def monotonic(self) -> float:
        """The clock the remaining time is measured on, in seconds (``clock`` or
        ``time.monotonic``). The core reads every deadline of the library on it, so
        advancing a FakeClock moves them all."""
        return self._clock()

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the fake deadline (never negative)."""
        # the nudge absorbs float error (1.8 s left must not read 1799 ms)
        return max(0, int((self._deadline - self._clock()) * 1000.0 + 1e-6))

    def __repr__(self) -> str:
        return (
            f"FakeContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r}, timeout_ms={self.timeout_ms})"
        )

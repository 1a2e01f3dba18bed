"""The shape of the Lambda context object (a Protocol), and the check that a value has it."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from lambda_toolkit.core._checks import CONTEXT_ATTRIBUTES, check_context, looks_like_context

__all__ = ["CONTEXT_ATTRIBUTES", "LambdaContext", "check_context", "looks_like_context"]


@runtime_checkable
class LambdaContext(Protocol):
    """The attributes of the context object the Lambda Python runtime passes to handlers."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: Any  # the runtime passes a str, test doubles often an int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    identity: Any
    client_context: Any

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda stops the invocation."""
        ...

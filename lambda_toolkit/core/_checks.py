"""Checking that a value is a Lambda context, without importing typing (cold start)."""

from __future__ import annotations

from lambda_toolkit.core.errors import InvalidContextError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.core.context import LambdaContext

__all__ = ["CONTEXT_ATTRIBUTES", "check_context", "looks_like_context"]

CONTEXT_ATTRIBUTES: tuple[str, ...] = (
    "function_name",
    "function_version",
    "invoked_function_arn",
    "memory_limit_in_mb",
    "aws_request_id",
    "log_group_name",
    "log_stream_name",
    "get_remaining_time_in_millis",
)


def looks_like_context(value: object) -> bool:
    """Cheap test used on the hot path: the two attributes the core relies on."""
    return hasattr(value, "aws_request_id") and hasattr(value, "get_remaining_time_in_millis")


def check_context(value: object, where: str = "") -> LambdaContext:
    """Return ``value`` if it is a usable Lambda context, else raise InvalidContextError.

    ``where`` prefixes the message (the decorator that needed the context).
    """
    prefix = f"{where}: " if where else ""
    missing = [name for name in CONTEXT_ATTRIBUTES if not hasattr(value, name)]
    if missing:
        raise InvalidContextError(
            f"{prefix}handler context of type {type(value).__name__} is not a Lambda context "
            f"(missing {', '.join(missing)}); in tests pass "
            "lambda_toolkit.testing.FakeContext()"
        )
    if not callable(getattr(value, "get_remaining_time_in_millis", None)):
        raise InvalidContextError(
            f"{prefix}context.get_remaining_time_in_millis of {type(value).__name__} is not callable"
        )
    return value  # type: ignore[return-value]

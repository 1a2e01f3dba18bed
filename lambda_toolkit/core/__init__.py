"""The ground floor: middleware engine, per-invocation state, context protocol, errors.

Every utility builds on this package and nothing in it imports a utility.
"""

from __future__ import annotations

from lambda_toolkit.core._checks import check_context
from lambda_toolkit.core.errors import (
    ConfigurationError,
    InvalidContextError,
    InvalidEventError,
    InvocationTimeout,
    LambdaToolkitError,
)
from lambda_toolkit.core.middleware import (
    AsyncHook,
    Call,
    Hook,
    Middleware,
    MiddlewareDecorator,
    Slot,
    apply_middleware,
    middleware,
)
from lambda_toolkit.core.state import (
    Invocation,
    RecordInFlight,
    clock_of,
    current_invocation,
    current_record,
    get_correlation_id,
    on_restore,
    reset_cold_start,
    set_correlation_id,
)

# Every utility imports the core: under SnapStart (Lambda says so during init) loading
# core.snapstart registers the after-restore hook with the runtime before the snapshot.
# Elsewhere it loads on first use (a utility with something to redo after a restore).
if __import__("os").environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    from lambda_toolkit.core import snapstart as _snapstart  # noqa: F401

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.core.context import LambdaContext
    from lambda_toolkit.core.threads import ContextExecutor, bind_context

__all__ = [
    "AsyncHook",
    "Call",
    "ConfigurationError",
    "ContextExecutor",
    "Hook",
    "InvalidContextError",
    "InvalidEventError",
    "Invocation",
    "InvocationTimeout",
    "LambdaContext",
    "LambdaToolkitError",
    "Middleware",
    "MiddlewareDecorator",
    "RecordInFlight",
    "Slot",
    "apply_middleware",
    "bind_context",
    "check_context",
    "clock_of",
    "current_invocation",
    "current_record",
    "get_correlation_id",
    "middleware",
    "on_restore",
    "reset_cold_start",
    "set_correlation_id",
]


def __getattr__(name: str) -> object:
    # The Protocol needs typing, which the rest of the core avoids importing (cold start).
    if name == "LambdaContext":
        from lambda_toolkit.core.context import LambdaContext

        return LambdaContext
    # concurrent.futures (threading, queue...) only for the code that uses threads.
    if name in ("ContextExecutor", "bind_context"):
        from lambda_toolkit.core import threads

        return getattr(threads, name)
    raise AttributeError(f"module 'lambda_toolkit.core' has no attribute {name!r}")

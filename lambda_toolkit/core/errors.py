"""The exception hierarchy: every error the package raises derives from LambdaToolkitError.

Messages name what was wrong and where (a field path, a parameter name, a key hash),
never a secret or a payload value.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "InvalidContextError",
    "InvalidEventError",
    "InvocationTimeout",
    "LambdaToolkitError",
]


class LambdaToolkitError(Exception):
    """Root of every exception raised by lambda_toolkit."""


class ConfigurationError(LambdaToolkitError, ValueError):
    """A decorator or utility was set up with invalid options (raised at setup time)."""


class InvalidContextError(LambdaToolkitError, TypeError):
    """A handler was called with a context that is not a Lambda context."""


class InvalidEventError(LambdaToolkitError, TypeError):
    """A handler was called with an event of the wrong type (for example not a mapping)."""


class InvocationTimeout(LambdaToolkitError):  # noqa: N818 (public name fixed by the design)
    """The invocation is about to reach its deadline and was interrupted.

    It lives in the core so that every utility can recognise it (release a lock, flush a
    buffer, mark a trace) without importing the timeout utility.
    """

    def __init__(
        self, message: str = "invocation interrupted before its deadline", *, remaining_ms: float | None = None
    ) -> None:
        super().__init__(message)
        self.remaining_ms = remaining_ms

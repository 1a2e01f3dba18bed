"""The idempotency errors: one base class, one subclass per way a call can fail.

Messages name the function namespace, the key hash, the table and the action; never the
key material, the payload or the result.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

__all__ = [
    "IdempotencyConfigurationError",
    "IdempotencyError",
    "IdempotencyInProgressError",
    "IdempotencyKeyError",
    "IdempotencyPayloadMismatchError",
    "IdempotencySerializationError",
    "IdempotencyStoreError",
]


class IdempotencyError(LambdaToolkitError):
    """Root of every error raised by lambda_toolkit.idempotency."""


class IdempotencyConfigurationError(IdempotencyError, ConfigurationError):
    """An idempotency decorator or store was set up with invalid options (raised at setup)."""


class IdempotencyInProgressError(IdempotencyError):
    """Another invocation holds the lock for this key and has not finished yet.

    Retry later: the lock ends when that invocation completes, fails, or reaches its
    deadline.
    """

    def __init__(self, message: str, *, key_hash: str) -> None:
        super().__init__(message)
        self.key_hash = key_hash


class IdempotencyPayloadMismatchError(IdempotencyError):
    """The key was seen before with a different payload: the stored result is not this caller's."""

    def __init__(self, message: str, *, key_hash: str) -> None:
        super().__init__(message)
        self.key_hash = key_hash


class IdempotencyKeyError(IdempotencyError):
    """The key expression found nothing in the event, gave something that is not JSON, or could
    not read the event (JSON nested too deeply, data that does not fit the expression)."""


class IdempotencySerializationError(IdempotencyError):
    """A result could not be turned into JSON for the store, or the stored JSON back into the result type."""


class IdempotencyStoreError(IdempotencyError):
    """The store failed (throttled, unreachable, missing table, no permission, item too large...).

    ``table`` and ``action`` say where; ``reason`` is a short machine-readable cause.
    """

    def __init__(self, message: str, *, table: str = "", action: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.table = table
        self.action = action
        self.reason = reason

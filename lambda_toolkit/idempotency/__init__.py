"""Idempotency: each request's work done once, its result replayed to duplicates.

``@idempotent(store=..., key=...)`` wraps a Lambda handler, ``@idempotent_function``
any function (for example the per-record function of a batch). Records live in a store:
``DynamoDBStore`` for production, ``MemoryStore`` for tests and local runs, optionally
behind ``CachedStore`` (an in-process cache of completed results).

Importing this package imports neither boto3 nor jmespath, cachetools or pydantic: each
is loaded when first needed.
"""

from __future__ import annotations

from lambda_toolkit.idempotency._cache import CachedStore
from lambda_toolkit.idempotency._decorators import idempotent, idempotent_function, replayed_header
from lambda_toolkit.idempotency._dynamodb import DynamoDBStore
from lambda_toolkit.idempotency._errors import (
    IdempotencyConfigurationError,
    IdempotencyError,
    IdempotencyInProgressError,
    IdempotencyKeyError,
    IdempotencyPayloadMismatchError,
    IdempotencySerializationError,
    IdempotencyStoreError,
)
from lambda_toolkit.idempotency._keys import KeySpec
from lambda_toolkit.idempotency._memory import MemoryStore
from lambda_toolkit.idempotency._options import IdempotencyOptions, ReplayHook
from lambda_toolkit.idempotency._store import COMPLETED, INPROGRESS, IdempotencyStore, Record

__all__ = [
    "COMPLETED",
    "INPROGRESS",
    "CachedStore",
    "DynamoDBStore",
    "IdempotencyConfigurationError",
    "IdempotencyError",
    "IdempotencyInProgressError",
    "IdempotencyKeyError",
    "IdempotencyOptions",
    "IdempotencyPayloadMismatchError",
    "IdempotencySerializationError",
    "IdempotencyStore",
    "IdempotencyStoreError",
    "KeySpec",
    "MemoryStore",
    "Record",
    "ReplayHook",
    "idempotent",
    "idempotent_function",
    "replayed_header",
]

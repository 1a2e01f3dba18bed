"""The state machine: lock, run once, store the result, replay it to duplicates.

For each call: extract and hash the key; ``acquire`` an INPROGRESS record in the store.
If the lock is ours, the function runs; its result is stored (COMPLETED) after it
returns, even past a timeout guard's margin, or the lock is released when it raises or a
timeout guard inside answered with its fallback (so a retry can run), unless the
exception type is one whose outcome is stored (its type, never its message). If a live record exists, a COMPLETED one
is replayed (after the payload check) and an INPROGRESS one raises
``IdempotencyInProgressError`` (or is waited on, up to a bound).

An INPROGRESS lock ends at the invocation's deadline, or ``in_progress_timeout`` seconds
from now when there is no deadline (or the remaining time reads 0), so a sandbox that
crashed never blocks a key for good.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import os
import time
from collections.abc import Callable
from os import urandom
from typing import Any

from lambda_toolkit.core.middleware import Call, Slot
from lambda_toolkit.idempotency._cache import CachedStore
from lambda_toolkit.idempotency._errors import (
    IdempotencyConfigurationError,
    IdempotencyError,
    IdempotencyInProgressError,
    IdempotencyKeyError,
    IdempotencyPayloadMismatchError,
    IdempotencyStoreError,
)
from lambda_toolkit.idempotency._hashing import digest
from lambda_toolkit.idempotency._keys import MISSING
from lambda_toolkit.idempotency._options import IdempotencyOptions
from lambda_toolkit.idempotency._serialize import Decoder, dump_result, load_result, make_decoder, return_type_of
from lambda_toolkit.idempotency._store import COMPLETED, INPROGRESS, Record

__all__ = ["Policy"]

logger = logging.getLogger("lambda_toolkit.idempotency")

_MAX_WAIT_STEP = 1.0


def _completed(lock: Record, *, result: str | None = None, error: str | None = None) -> Record:
    """The COMPLETED record replacing ``lock`` (same key, expiry, token and payload hash)."""
    return Record(
        key=lock.key,
        status=COMPLETED,
        expires_at=lock.expires_at,
        token=lock.token,
        payload_hash=lock.payload_hash,
        result=result,
        error=error,
    )


def _is_fallback(response: Any, fallback: Any) -> bool:
    """True when ``response`` is the very object a timeout guard answered with."""
    return fallback is not None and response is fallback


class Policy:
    """One decorator's idempotency settings (checked ``IdempotencyOptions``) and the hooks
    that apply them; ``source`` picks the data the key is read from out of a call."""

    def __init__(self, options: IdempotencyOptions, *, source: Callable[[Call], Any]) -> None:
        # Copied onto the policy: the hooks read them on every call.
        store = self.store = options.store
        self.extract_key = options.extract_key
        self.extract_payload = options.extract_payload
        self.name = options.name
        self.key_prefix = options.key_prefix
        self.expires_after = options.expires_after
        self.in_progress_timeout = options.in_progress_timeout
        self.on_missing_key = options.on_missing_key
        self.output_type = options.output_type
        self.store_errors = options.store_errors
        self.wait = options.wait
        self.on_replay = options.on_replay
        self.source = source
        # The lock taken by this layer for a call: its own slot, so two stacked @idempotent
        # (which share one Call) never take each other's lock.
        self._record: Slot[Record] = Slot("idempotency.record")
        # Per decorated target (one decorator object can wrap several functions).
        self._namespaces: dict[Callable[..., Any], str] = {}
        self._decoders: dict[Callable[..., Any], Decoder] = {}
        # A CachedStore answers replays from its cache before any lock record is built.
        self._cached: Callable[[str, int], Record | None] | None = (
            store.cached_record if isinstance(store, CachedStore) else None
        )

    # -- per target, resolved once -------------------------------------------------

    def namespace(self, target: Callable[..., Any]) -> str:
        """The stable name keys of ``target`` live under: ``name``, else prefix + function name."""
        found = self._namespaces.get(target)
        if found is None:
            if inspect.isgeneratorfunction(target):
                raise IdempotencyConfigurationError(f"idempotency cannot wrap generator function {target.__qualname__}")
            if self.name is not None:
                found = self.name
            else:
                prefix = (
                    self.key_prefix if self.key_prefix is not None else os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
                )
                found = f"{prefix}.{target.__qualname__}" if prefix else target.__qualname__
            self._namespaces[target] = found
        return found

    def _decoder(self, target: Callable[..., Any]) -> Decoder:
        """Build the decoder of ``target``'s results (on its first replay) and keep it."""
        tp = self.output_type if self.output_type is not None else return_type_of(target)
        found = self._decoders[target] = make_decoder(tp, self.namespace(target))
        return found

    # -- hooks ---------------------------------------------------------------------

    def before(self, call: Call) -> None:
        """Take the lock for the call's key, or answer with the stored result."""
        target = call.target
        namespace = self._namespaces.get(target) or self.namespace(target)
        data = self.source(call)
        material = self.extract_key(data)
        if material is MISSING:
            if self.on_missing_key == "raise":
                raise IdempotencyKeyError(f"{namespace}: the idempotency key expression found nothing in the event")
            logger.warning("%s: the idempotency key expression found nothing; running without idempotency", namespace)
            return
        try:
            key = f"{namespace}#{digest(material)}"
            payload_hash = None
            if self.extract_payload is not None:
                found = self.extract_payload(data)
                payload_hash = digest(None if found is MISSING else found)
        except (TypeError, ValueError):
            raise IdempotencyKeyError(
                f"{namespace}: the idempotency key or payload is not JSON data (got a non-JSON value)"
            ) from None
        cached = self._cached
        if cached is not None:
            # A replay from the in-process cache needs no lock record (token, lock expiry).
            existing = cached(key, int(time.time() * 1000))
            if existing is not None:
                self._check_payload(namespace, existing, payload_hash)
                call.respond(self._replay(target, existing))
                return
        give_up = time.monotonic() + self.wait
        step = 0.05
        while True:
            now = time.time()
            record = Record(
                key=key,
                status=INPROGRESS,
                expires_at=math.ceil(now + self.expires_after),
                lock_expires_at_ms=self._lock_expiry_ms(call, now),
                token=urandom(16).hex(),
                payload_hash=payload_hash,
            )
            existing = self.store.acquire(record, int(now * 1000))
            if existing is None or existing.token == record.token:
                # Our own token: the write took the lock but its response was lost, and the
                # client's retry of it met this very lock. It is ours: run.
                self._record.set(call, record)
                return
            self._check_payload(namespace, existing, payload_hash)
            if existing.status == COMPLETED:
                call.respond(self._replay(target, existing))
                return
            left = give_up - time.monotonic()
            if left <= 0:
                raise IdempotencyInProgressError(
                    f"{namespace}: key {existing.key_hash[:16]} is in progress in another invocation; retry later",
                    key_hash=existing.key_hash,
                )
            time.sleep(min(step, left))
            step = min(step * 2, _MAX_WAIT_STEP)

    def after(self, call: Call) -> None:
        """Store the result as COMPLETED (the lock stays if that fails: the work is done)."""
        record = self._record.pop(call)
        if record is None:
            return
        invocation = call.invocation
        if invocation is not None and _is_fallback(call.response, invocation.fallback_response):
            # A timeout guard inside this layer answered with its fallback (say a 503): that
            # is not the function's result, so the retry must run rather than replay it.
            # A result the handler returned after the guard's margin passed is its real
            # answer (the caller has it): that one is stored like any other.
            self._release(record)
            return
        namespace = record.namespace
        text = dump_result(call.response, namespace)
        self._complete(_completed(record, result=text))

    def on_error(self, call: Call) -> None:
        """Release the lock so a retry can run, or store the outcome of a listed exception type."""
        record = self._record.pop(call)
        error = call.error
        if record is None or error is None:
            return
        if self.store_errors and isinstance(error, self.store_errors):
            # The type and a summary made of names only: an exception's message often holds
            # the payload (a card number, an email), and the store must never hold that.
            kind = type(error)
            text = json.dumps(
                {
                    "type": f"{kind.__module__}.{kind.__qualname__}",
                    "summary": f"{kind.__name__} raised by {record.namespace}",
                }
            )
            self._complete(_completed(record, error=text))
            return
        self._release(record)

    # -- helpers -------------------------------------------------------------------

    def _release(self, record: Record) -> None:
        try:
            self.store.release(record)
        except IdempotencyStoreError as exc:
            # The function's own error matters more; the lock ends at its expiry anyway.
            logger.warning(
                "%s: could not release the idempotency lock (%s); it ends at its expiry", record.namespace, exc
            )

    def _complete(self, record: Record) -> None:
        if not self.store.complete(record):
            logger.warning(
                "%s: key %s: the lock expired while the function ran and another invocation took it; "
                "this result was not stored",
                record.namespace,
                record.key_hash[:16],
            )

    def _lock_expiry_ms(self, call: Call, now: float) -> int:
        invocation = call.invocation
        remaining_ms = None if invocation is None else invocation.remaining_ms()
        if remaining_ms is not None and remaining_ms > 0:  # on the context's clock
            return math.ceil(now * 1000 + remaining_ms)
        return math.ceil((now + self.in_progress_timeout) * 1000)

    @staticmethod
    def _check_payload(namespace: str, existing: Record, payload_hash: str | None) -> None:
        if payload_hash is not None and existing.payload_hash not in (None, payload_hash):
            raise IdempotencyPayloadMismatchError(
                f"{namespace}: key {existing.key_hash[:16]} was used before with a different payload",
                key_hash=existing.key_hash,
            )

    def _replay(self, target: Callable[..., Any], record: Record) -> Any:
        if record.error is not None:
            raise self._stored_error(record)
        decode = self._decoders.get(target) or self._decoder(target)
        value = decode(load_result(record.result))
        if self.on_replay is not None:
            value = self.on_replay(value)
        return value

    def _stored_error(self, record: Record) -> BaseException:
        stored = json.loads(record.error or "{}")
        for kind in self.store_errors:
            if f"{kind.__module__}.{kind.__qualname__}" == stored.get("type"):
                # The message is built here from names; a "message" an earlier version
                # stored is ignored, so it is never shown again.
                error = kind.__new__(kind)
                error.args = (
                    f"{record.namespace}: {kind.__name__} raised by an earlier call with key {record.key_hash[:16]} "
                    "(replayed; its message is not stored)",
                )
                return error
        return IdempotencyError(
            f"{record.namespace}: key {record.key_hash[:16]} has a stored exception outcome of a type "
            "no longer listed in store_errors"
        )

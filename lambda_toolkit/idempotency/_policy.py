"""The state machine: lock, run once, store the result, replay it to duplicates.

For each call: extract and hash the key; ``acquire`` an INPROGRESS record in the store.
If the lock is ours, the function runs; its result is stored (COMPLETED) after it
returns, even past a timeout guard's margin, or the lock is released when it raises or a
timeout guard inside answered with its fallback (so a retry can run), unless the
exception type is one whose outcome is stored (its type, never its message). If a live record exists, a COMPLETED one
is replayed (after the payload check) and an INPROGRESS one raises
``IdempotencyInProgressError`` (or is waited on, up to a bound).

For an ``async def`` function the same steps run in the async twins of the hooks: every
store call runs on the package's I/O threads (``core.threads.to_thread``, the invocation
state carried along) and the wait for an in-progress key is ``asyncio.sleep``, so the
event loop keeps serving other invocations meanwhile.

An INPROGRESS lock ends at the invocation's deadline, or ``in_progress_timeout`` seconds
from now when there is no deadline (or the remaining time reads 0), so a sandbox that
crashed never blocks a key for good.

In a durable function (the invocation has an ``execution_arn``) the lock belongs to the
durable execution, not to one invocation: its token is derived from the execution's ARN,
so every invocation of that execution (a replay after a wait, a redelivered start) finds
the lock its own and runs on, while another execution with the same key is a duplicate.
The lock then lasts until the record's expiry (``expires_after``), since the execution
goes on across invocations, and a wait's suspension keeps it (nothing failed).
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
from threading import Lock
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


def _execution_token(execution_arn: str) -> str:
    """The lock token of a durable execution: the same in each of its invocations."""
    return "execution-" + digest(execution_arn)[:32]


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


class _Attempt:
    """One call's way to its lock: the key, and how long and how often it may wait for it."""

    __slots__ = ("give_up", "key", "namespace", "payload_hash", "step")

    def __init__(self, namespace: str, key: str, payload_hash: str | None, give_up: float) -> None:
        self.namespace = namespace
        self.key = key
        self.payload_hash = payload_hash
        self.give_up = give_up  # the time.monotonic() instant the wait= budget ends
        self.step = 0.05


class _Taking:
    """One ``acquire`` of an async call, run on an I/O thread, that its caller may abandon
    (the task cancelled) while it is out: a lock it took then is released from the thread
    side, so that it does not stay until its expiry, even once the task's loop is closed."""

    __slots__ = ("_lock", "abandoned", "finished", "now_ms", "policy", "record", "taken")

    def __init__(self, policy: Policy, record: Record, now_ms: int) -> None:
        self.policy = policy
        self.record = record
        self.now_ms = now_ms
        self._lock = Lock()
        self.abandoned = False
        self.finished = False
        self.taken = False

    def run(self) -> Record | None:
        """The store's answer to the lock (on an I/O thread)."""
        try:
            existing = self.policy.store.acquire(self.record, self.now_ms)
            self.taken = existing is None or existing.token == self.record.token
            return existing
        finally:
            with self._lock:
                self.finished = True
                abandoned = self.abandoned
            if abandoned:
                self._release_if_taken()

    def abandon(self) -> None:
        """The caller is gone: release the lock once (or if) the acquire took it."""
        with self._lock:
            self.abandoned = True
            finished = self.finished
        if finished:
            from lambda_toolkit.core.threads import io_pool

            io_pool().submit(self._release_if_taken)

    def _release_if_taken(self) -> None:
        if self.taken:
            self.policy._release(self.record)


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
            if inspect.isasyncgenfunction(target):
                raise IdempotencyConfigurationError(
                    f"idempotency cannot wrap async generator function {target.__qualname__}"
                )
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
        attempt = self._attempt(call)
        while attempt is not None:
            record, now_ms = self._lock_record(call, attempt)
            delay = self._settle(call, attempt, record, self.store.acquire(record, now_ms))
            if delay is None:
                return
            time.sleep(delay)

    async def async_before(self, call: Call) -> None:
        """``before`` for an async function: the store call runs in a thread, the wait is
        ``asyncio.sleep``, so the event loop keeps running."""
        import asyncio

        from lambda_toolkit.core.threads import to_thread

        attempt = self._attempt(call)
        while attempt is not None:
            record, now_ms = self._lock_record(call, attempt)
            taking = _Taking(self, record, now_ms)
            try:
                existing = await asyncio.shield(asyncio.ensure_future(to_thread(taking.run)))
            except asyncio.CancelledError:
                taking.abandon()
                raise
            delay = self._settle(call, attempt, record, existing)
            if delay is None:
                return
            await asyncio.sleep(delay)

    def after(self, call: Call) -> None:
        """Store the result as COMPLETED (the lock stays if that fails: the work is done)."""
        record = self._record.pop(call)
        if record is None:
            return
        completed = self._outcome(call, record)
        if completed is None:
            self._release(record)
        else:
            self._complete(completed)

    async def async_after(self, call: Call) -> None:
        """``after`` for an async function: the store call runs in a thread."""
        from lambda_toolkit.core.threads import to_thread  # concurrent.futures: for async functions only

        record = self._record.pop(call)
        if record is None:
            return
        completed = self._outcome(call, record)
        if completed is None:
            await to_thread(self._release, record)
        else:
            await to_thread(self._complete, completed)

    def on_error(self, call: Call) -> None:
        """Release the lock so a retry can run, or store the outcome of a listed exception type."""
        record = self._record.pop(call)
        error = call.error
        if record is None or error is None:
            return
        invocation = call.invocation
        if invocation is not None and invocation.suspended:
            return  # a durable function's wait: the execution holds the lock into its next invocation
        completed = self._error_outcome(error, record)
        if completed is None:
            self._release(record)
        else:
            self._complete(completed)

    async def async_on_error(self, call: Call) -> None:
        """``on_error`` for an async function (also on cancellation): the store call runs in a thread."""
        from lambda_toolkit.core.threads import to_thread  # concurrent.futures: for async functions only

        record = self._record.pop(call)
        error = call.error
        if record is None or error is None:
            return
        completed = self._error_outcome(error, record)
        if completed is None:
            await to_thread(self._release, record)
        else:
            await to_thread(self._complete, completed)

    # -- the steps the sync and async hooks share ------------------------------------

    def _attempt(self, call: Call) -> _Attempt | None:
        """The key of the call and its wait budget; None when there is no lock to take (the
        key is missing and ``on_missing_key="warn"``, or the in-process cache answered)."""
        target = call.target
        namespace = self._namespaces.get(target) or self.namespace(target)
        data = self.source(call)
        material = self.extract_key(data)
        if material is MISSING:
            if self.on_missing_key == "raise":
                raise IdempotencyKeyError(f"{namespace}: the idempotency key expression found nothing in the event")
            logger.warning("%s: the idempotency key expression found nothing; running without idempotency", namespace)
            return None
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
                return None
        return _Attempt(namespace, key, payload_hash, time.monotonic() + self.wait)

    def _lock_record(self, call: Call, attempt: _Attempt) -> tuple[Record, int]:
        now = time.time()
        invocation = call.invocation
        execution = None if invocation is None else invocation.execution_arn
        if execution is None:
            token = urandom(16).hex()
            lock_expires_at_ms = self._lock_expiry_ms(call, now)
        else:
            token = _execution_token(execution)
            lock_expires_at_ms = math.ceil((now + self.expires_after) * 1000)
        record = Record(
            key=attempt.key,
            status=INPROGRESS,
            expires_at=math.ceil(now + self.expires_after),
            lock_expires_at_ms=lock_expires_at_ms,
            token=token,
            payload_hash=attempt.payload_hash,
        )
        return record, int(now * 1000)

    def _settle(self, call: Call, attempt: _Attempt, record: Record, existing: Record | None) -> float | None:
        """Act on the store's answer to ``acquire``: None when settled (the lock is ours, or
        the call was answered with the stored result), else the seconds to wait before
        trying again. Raises ``IdempotencyInProgressError`` once the wait is used up."""
        if existing is None or (existing.token == record.token and existing.status != COMPLETED):
            # Our own token: the write took the lock but its response was lost, and the
            # client's retry of it met this very lock; or a durable execution's replay met
            # the lock its execution holds. It is ours: run. (A completed one is replayed:
            # one execution calling the same key twice has a duplicate too.)
            self._record.set(call, record)
            return None
        self._check_payload(attempt.namespace, existing, attempt.payload_hash)
        if existing.status == COMPLETED:
            call.respond(self._replay(call.target, existing))
            return None
        left = attempt.give_up - time.monotonic()
        if left <= 0:
            raise IdempotencyInProgressError(
                f"{attempt.namespace}: key {existing.key_hash[:16]} is in progress in another invocation; retry later",
                key_hash=existing.key_hash,
            )
        delay = min(attempt.step, left)
        attempt.step = min(attempt.step * 2, _MAX_WAIT_STEP)
        return delay

    def _outcome(self, call: Call, record: Record) -> Record | None:
        """The COMPLETED record of the call's result, or None when the lock must be released."""
        invocation = call.invocation
        if invocation is not None and _is_fallback(call.response, invocation.fallback_response):
            # A timeout guard inside this layer answered with its fallback (say a 503): that
            # is not the function's result, so the retry must run rather than replay it.
            # A result the handler returned after the guard's margin passed is its real
            # answer (the caller has it): that one is stored like any other.
            return None
        return _completed(record, result=dump_result(call.response, record.namespace))

    def _error_outcome(self, error: BaseException, record: Record) -> Record | None:
        """The COMPLETED record of a listed exception type, or None: release the lock."""
        if not (self.store_errors and isinstance(error, self.store_errors)):
            return None
        # The type and a summary made of names only: an exception's message often holds
        # the payload (a card number, an email), and the store must never hold that.
        kind = type(error)
        text = json.dumps(
            {
                "type": f"{kind.__module__}.{kind.__qualname__}",
                "summary": f"{kind.__name__} raised by {record.namespace}",
            }
        )
        return _completed(record, error=text)

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

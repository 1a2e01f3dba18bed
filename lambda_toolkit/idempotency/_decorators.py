"""The public decorators, ``idempotent`` (handlers) and ``idempotent_function`` (any function).

Both are middlewares of the core engine: the before hook takes the lock or answers a
duplicate with ``call.respond``; the after hook stores the result; the on-error hook
releases the lock (also on the core's ``InvocationTimeout``, which is an ordinary
exception on this path) so that a retry can run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from lambda_toolkit.core.middleware import Call, Middleware, middleware
from lambda_toolkit.idempotency._keys import KeySpec
from lambda_toolkit.idempotency._policy import Policy, ReplayHook
from lambda_toolkit.idempotency._store import IdempotencyStore

__all__ = ["idempotent", "idempotent_function", "replayed_header"]

DEFAULT_EXPIRES_AFTER = 3600.0
DEFAULT_IN_PROGRESS_TIMEOUT = 900.0


def _event_of(call: Call) -> Any:
    return call.args[-2]


def _first_argument(call: Call) -> Any:
    if call.args:
        return call.args[0]
    return next(iter(call.kwargs.values()), None)


def _layer(name: str, policy: Policy, *, handler_only: bool) -> Middleware:
    return Middleware(
        name, before=policy.before, after=policy.after, on_error=policy.on_error, handler_only=handler_only
    )


@middleware
def idempotent(
    *,
    store: IdempotencyStore,
    key: KeySpec = None,
    payload: KeySpec = None,
    name: str | None = None,
    key_prefix: str | None = None,
    expires_after: float = DEFAULT_EXPIRES_AFTER,
    in_progress_timeout: float = DEFAULT_IN_PROGRESS_TIMEOUT,
    on_missing_key: Literal["raise", "warn"] = "raise",
    output_type: Any = None,
    store_errors: tuple[type[BaseException], ...] = (),
    wait: float = 0.0,
    on_replay: ReplayHook | None = None,
) -> Middleware:
    """Make a Lambda handler run once per key; duplicates get the stored result.

    ``key``: JMESPath over the event (``"json_decode(body).order_id"``), a list of
    paths, a callable ``event -> material``, or None for the whole event. ``payload``:
    an optional second key whose hash must match on a replay
    (``IdempotencyPayloadMismatchError`` otherwise). ``name``: the stable namespace of the
    keys (default: ``key_prefix`` or ``$AWS_LAMBDA_FUNCTION_NAME``, then the function's
    qualified name). ``expires_after``: seconds a result is kept. ``in_progress_timeout``:
    seconds a lock lasts when the invocation has no deadline. ``on_missing_key``: raise
    ``IdempotencyKeyError`` or run without idempotency and log a warning.
    ``output_type``: the type results are rebuilt as (default: the return annotation).
    ``store_errors``: exception types whose outcome is stored and re-raised on replays.
    ``wait``: seconds a duplicate waits for an in-progress result before raising
    ``IdempotencyInProgressError``. ``on_replay``: adjusts a replayed response (see
    ``replayed_header``).
    """
    return _layer(
        "idempotent",
        Policy(
            store=store,
            key=key,
            payload=payload,
            name=name,
            key_prefix=key_prefix,
            expires_after=expires_after,
            in_progress_timeout=in_progress_timeout,
            on_missing_key=on_missing_key,
            output_type=output_type,
            store_errors=store_errors,
            wait=wait,
            on_replay=on_replay,
            source=_event_of,
        ),
        handler_only=True,
    )


@middleware
def idempotent_function(
    *,
    store: IdempotencyStore,
    key: KeySpec = None,
    payload: KeySpec = None,
    name: str | None = None,
    key_prefix: str | None = None,
    expires_after: float = DEFAULT_EXPIRES_AFTER,
    in_progress_timeout: float = DEFAULT_IN_PROGRESS_TIMEOUT,
    on_missing_key: Literal["raise", "warn"] = "raise",
    output_type: Any = None,
    store_errors: tuple[type[BaseException], ...] = (),
    wait: float = 0.0,
    on_replay: ReplayHook | None = None,
) -> Middleware:
    """Make any function run once per key of its first argument (a dict, a pydantic model, a dataclass).

    The options are those of ``idempotent``; the key expression applies to the first
    argument (a model is seen as ``model_dump(mode="json", by_alias=True)``). Inside a
    Lambda invocation the lock ends at its deadline; outside one, after
    ``in_progress_timeout`` seconds.
    """
    return _layer(
        "idempotent_function",
        Policy(
            store=store,
            key=key,
            payload=payload,
            name=name,
            key_prefix=key_prefix,
            expires_after=expires_after,
            in_progress_timeout=in_progress_timeout,
            on_missing_key=on_missing_key,
            output_type=output_type,
            store_errors=store_errors,
            wait=wait,
            on_replay=on_replay,
            source=_first_argument,
        ),
        handler_only=False,
    )


def replayed_header(name: str = "Idempotency-Replayed", *, value: str = "true") -> Callable[[Any], Any]:
    """An ``on_replay`` hook adding the header ``name: value`` to a replayed HTTP response.

    It applies to a dict response (API Gateway, ALB, function URL shape); it copies the
    response and its headers rather than changing the stored data. Other responses are
    returned unchanged.
    """

    def add_header(response: Any) -> Any:
        if not isinstance(response, dict):
            return response
        headers = dict(response.get("headers") or {})
        headers[name] = value
        return {**response, "headers": headers}

    return add_header

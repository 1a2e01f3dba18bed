"""The options of ``idempotent`` and ``idempotent_function``: listed, defaulted and checked once.

Both decorators take exactly these options; their builders are made from this class's
signature (``_decorators.py``), so an option added here is an option of both, checked the
same way, and a misspelt one is refused by both at decoration time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

from lambda_toolkit.core.options import check_seconds, check_sync_callable
from lambda_toolkit.idempotency._errors import IdempotencyConfigurationError
from lambda_toolkit.idempotency._keys import KeySpec, compile_key
from lambda_toolkit.idempotency._store import IdempotencyStore

__all__ = ["DEFAULT_EXPIRES_AFTER", "DEFAULT_IN_PROGRESS_TIMEOUT", "IdempotencyOptions", "ReplayHook"]

DEFAULT_EXPIRES_AFTER = 3600.0
DEFAULT_IN_PROGRESS_TIMEOUT = 900.0

ReplayHook: TypeAlias = Callable[[Any], Any]
"""An ``on_replay`` hook: the replayed value in, what the duplicate caller gets out."""


def _seconds(name: str, value: object, *, allow_zero: bool = False) -> float:
    return check_seconds(f"idempotency {name}", value, allow_zero=allow_zero, error=IdempotencyConfigurationError)


class IdempotencyOptions:
    """The options of ``idempotent`` and ``idempotent_function``, checked.

    ``store``: where records live (``DynamoDBStore``, ``MemoryStore``, ``CachedStore``).
    ``key``: JMESPath over the event (or the function's first argument)
    (``"json_decode(body).order_id"``), a list of paths, a callable ``data -> material``,
    or None for the whole data. ``payload``: an optional second key whose hash must match
    on a replay (``IdempotencyPayloadMismatchError`` otherwise). ``name``: the stable
    namespace of the keys (default: ``key_prefix`` or ``$AWS_LAMBDA_FUNCTION_NAME``, then
    the function's qualified name). ``expires_after``: seconds a result is kept (> 0).
    ``in_progress_timeout``: seconds a lock lasts when the invocation has no deadline
    (> 0). ``on_missing_key``: ``"raise"`` ``IdempotencyKeyError`` or ``"warn"`` and run
    without idempotency. ``output_type``: the type results are rebuilt as (default: the
    return annotation). ``store_errors``: exception types whose outcome is stored and
    re-raised on replays. ``wait``: seconds (>= 0) a duplicate waits for an in-progress
    result before raising ``IdempotencyInProgressError``. ``on_replay``: adjusts a replayed
    response (see ``replayed_header``).

    Every option is keyword-only. A bad value is an ``IdempotencyConfigurationError``
    naming the option, raised when the decorator is set up; durations go through
    ``lambda_toolkit.core.options.check_seconds`` (NaN, infinity and negatives refused).
    """

    __slots__ = (
        "expires_after",
        "extract_key",
        "extract_payload",
        "in_progress_timeout",
        "key_prefix",
        "name",
        "on_missing_key",
        "on_replay",
        "output_type",
        "store",
        "store_errors",
        "wait",
    )

    def __init__(
        self,
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
    ) -> None:
        if not isinstance(store, IdempotencyStore):
            raise IdempotencyConfigurationError(
                f"idempotency: store must have acquire/complete/release methods, got {type(store).__name__}"
            )
        if on_missing_key not in ("raise", "warn"):
            raise IdempotencyConfigurationError("idempotency: on_missing_key must be 'raise' or 'warn'")
        if not isinstance(store_errors, tuple) or not all(
            isinstance(t, type) and issubclass(t, Exception) for t in store_errors
        ):
            raise IdempotencyConfigurationError("idempotency: store_errors must be a tuple of exception classes")
        if name is not None and (not isinstance(name, str) or not name):
            raise IdempotencyConfigurationError("idempotency: name must be a non-empty string")
        if key_prefix is not None and not isinstance(key_prefix, str):
            raise IdempotencyConfigurationError("idempotency: key_prefix must be a string")
        if on_replay is not None and not callable(on_replay):
            raise IdempotencyConfigurationError("idempotency: on_replay must be a callable")
        check_sync_callable("idempotency on_replay", on_replay, error=IdempotencyConfigurationError)
        self.store = store
        self.extract_key = compile_key(key, "key")
        self.extract_payload = None if payload is None else compile_key(payload, "payload")
        self.name = name
        self.key_prefix = key_prefix
        self.expires_after = _seconds("expires_after", expires_after)
        self.in_progress_timeout = _seconds("in_progress_timeout", in_progress_timeout)
        self.on_missing_key = on_missing_key
        self.output_type = output_type
        self.store_errors = store_errors
        self.wait = _seconds("wait", wait, allow_zero=True)
        self.on_replay = on_replay

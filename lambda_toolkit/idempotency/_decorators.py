"""The public decorators, ``idempotent`` (handlers) and ``idempotent_function`` (any function).

Both are middlewares of the core engine: the before hook takes the lock or answers a
duplicate with ``call.respond``; the after hook stores the result; the on-error hook
releases the lock (also on the core's ``InvocationTimeout``, which is an ordinary
exception on this path) so that a retry can run. An ``async def`` function gets the async
twins of the three hooks: the same steps, with the store calls off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec

from lambda_toolkit.core.durable import is_operation_context
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator, middleware
from lambda_toolkit.idempotency._options import IdempotencyOptions
from lambda_toolkit.idempotency._policy import Policy

__all__ = ["idempotent", "idempotent_function", "replayed_header"]

P = ParamSpec("P")


def _event_of(call: Call) -> Any:
    invocation = call.invocation
    if invocation is not None and invocation.durable is not None and not call.is_handler_call:
        # A durable step (a function of the step's context) under @idempotent: its key is
        # read from the execution's input, the durable handler's event.
        return invocation.event
    return call.args[-2]


def _first_argument(call: Call) -> Any:
    args = call.args
    invocation = call.invocation
    if args and invocation is not None and invocation.durable is not None and is_operation_context(args[0]):
        args = args[1:]  # a durable step's context comes first: the key is read from what follows
    if args:
        return args[0]
    return next(iter(call.kwargs.values()), None)


def _decorator(
    options: Callable[P, IdempotencyOptions],
    name: str,
    summary: str,
    *,
    source: Callable[[Call], Any],
    handler_only: bool,
) -> MiddlewareDecorator[P]:
    """A middleware decorator taking exactly ``options``' parameters (``IdempotencyOptions``):
    its signature is the one definition of the options of both decorators."""

    def build(*args: P.args, **kwargs: P.kwargs) -> Middleware:
        policy = Policy(options(*args, **kwargs), source=source)
        return Middleware(
            name,
            before=policy.before,
            after=policy.after,
            on_error=policy.on_error,
            async_before=policy.async_before,
            async_after=policy.async_after,
            async_on_error=policy.async_on_error,
            handler_only=handler_only,
        )

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{summary}\n\n    {options.__doc__}"  # indented as the rest: cleandoc aligns it
    # inspect.signature follows __wrapped__: the decorator shows, and binds a misspelt
    # option against, the options' own signature (a ConfigurationError at decoration).
    setattr(build, "__wrapped__", options)  # noqa: B010 (mypy: a function has no __wrapped__)
    return middleware(build)


idempotent = _decorator(
    IdempotencyOptions,
    "idempotent",
    "Make a Lambda handler run once per key of its event; duplicates get the stored result.",
    source=_event_of,
    handler_only=True,
)
"""Make a Lambda handler run once per key of its event; duplicates get the stored result.

``@idempotent(store=..., key="json_decode(body).order_id")``. The options, all
keyword-only, are those of ``IdempotencyOptions`` (the same as ``idempotent_function``'s).
"""

idempotent_function = _decorator(
    IdempotencyOptions,
    "idempotent_function",
    "Make any function run once per key of its first argument (a dict, a pydantic model, a "
    "dataclass; a model is seen as model_dump(mode='json', by_alias=True)). Inside a Lambda "
    "invocation the lock ends at its deadline; outside one, after in_progress_timeout seconds.",
    source=_first_argument,
    handler_only=False,
)
"""Make any function run once per key of its first argument (a dict, a pydantic model, a
dataclass; a model is seen as ``model_dump(mode="json", by_alias=True)``).

``@idempotent_function(store=..., key="order_id")``. The options, all keyword-only, are
those of ``IdempotencyOptions`` (the same as ``idempotent``'s), the key expression applied
to the first argument. Inside a Lambda invocation the lock ends at its deadline; outside
one, after ``in_progress_timeout`` seconds.
"""


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

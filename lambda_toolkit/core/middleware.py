"""The one middleware engine every decorator of the package is built on.

A utility describes its logic as a ``Middleware``: hooks that run before the wrapped
function, after it, or when it raised. ``middleware(build)`` turns a builder of such a
description into a decorator that works bare (``@trace``) and with options
(``@trace(capture_response=False)``), keeps the wrapped function's name, docstring and
signature, and stacks with the others in any order.

Stacked decorators are flattened into one chain (onion order: befores outermost first,
afters and on-errors innermost first), so a handler under five decorators is one wrapper,
one per-invocation state and one loop, not five nested frames.

A before hook may answer early with ``call.respond(value)``: the wrapped function and the
inner layers are skipped, the outer layers see the answer as the response. An on-error
hook may recover the same way. Hooks that a middleware does not set are resolved to a
no-op once, at decoration time, so the hot path makes no checks. A hook may be an
``async def`` when the wrapped function is one: it is awaited (an async hook on a sync
function is a ConfigurationError at decoration time). A layer whose hooks block (a store or
network call) may also give async twins of them (``async_before``...): the engine uses
those when the wrapped function is async, so that an async handler's event loop keeps
running, and the sync hooks otherwise.

A layer keeps what it needs between its hooks in its own ``Slot``, never in a key of a
shared dict: two layers, even two instances of one utility stacked on one function, never
see each other's state.

A layer may also change how the decorated function is called: ``prepare`` checks the
function when the decorator is applied and gives what the engine calls in its place, and
``signature`` says what the decorated function then presents. ``@batch`` is such a layer:
a function of one record becomes a ``(event, context)`` handler whose before hook runs the
record function once per record and answers with the partial batch response.
"""

from __future__ import annotations

import sys
from functools import update_wrapper

from lambda_toolkit.core._checks import check_context, looks_like_context
from lambda_toolkit.core.errors import ConfigurationError, InvalidContextError, InvalidEventError
from lambda_toolkit.core.state import begin_durable_invocation, begin_invocation, current_invocation, end_invocation

# typing and inspect cost milliseconds at cold start and the Lambda runtime has not
# imported them (it has imported functools), while every utility imports this module.
# Type checkers see the real names; at run time these few stand-ins do.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import inspect
    from collections.abc import Awaitable, Callable
    from contextvars import Token
    from types import ModuleType
    from typing import Any, Generic, ParamSpec, TypeAlias, TypeVar, overload

    from lambda_toolkit.core.state import Invocation

    P = ParamSpec("P")
    F = TypeVar("F", bound=Callable[..., Any])
    T = TypeVar("T")
    Hook: TypeAlias = Callable[["Call"], None]
    AsyncHook: TypeAlias = Callable[["Call"], Awaitable[None]]
    Prepare: TypeAlias = Callable[[Any], Callable[..., Any]]
    Presents: TypeAlias = Callable[[Callable[..., Any]], inspect.Signature]
else:

    class Generic:
        def __class_getitem__(cls, item: object) -> type:
            return cls

    def overload(function: object) -> object:
        return function

    P = F = T = Hook = AsyncHook = Prepare = Presents = None

__all__ = [
    "AsyncHook",
    "Call",
    "Hook",
    "Middleware",
    "MiddlewareDecorator",
    "Prepare",
    "Presents",
    "Slot",
    "apply_middleware",
    "call_with_options",
    "middleware",
]

# The code flags of inspect (CO_GENERATOR, CO_COROUTINE), here as constants: inspect costs
# milliseconds at cold start and the Lambda runtime has not imported it.
_CO_GENERATOR = 0x20
_CO_COROUTINE = 0x80
_WRAPPER_ASSIGNMENTS = ("__module__", "__name__", "__qualname__", "__doc__")

_CHAIN_ATTR = "__lambda_toolkit_chain__"
_TARGET_ATTR = "__lambda_toolkit_target__"
# The wrapper a chain belongs to: functools.wraps copies the chain into a user's own wrapper
# around a decorated function, and a layer stacked on that wrapper must not flatten into the
# chain (it would skip the user's wrapper).
_OWNER_ATTR = "__lambda_toolkit_owner__"
_PRESENTS_ATTR = "__lambda_toolkit_presents__"
_SIGNATURE_ATTR = "__lambda_toolkit_signature__"


class Call:
    """One call of a wrapped function, as the hooks see it.

    ``args``/``kwargs`` are what the target will receive (a hook may replace them),
    ``response`` the value returned so far, ``error`` the exception in flight,
    ``invocation`` the current Lambda invocation (None for a plain function called
    outside one), ``data`` a scratch dict shared by every hook of this call (for a quick
    user middleware; a reusable layer keeps its state in its own ``Slot``), ``active``
    True while the engine is running the call (from its first hook to the end of its
    last one; a layer holding on to a Call, such as a timer, tells a finished one).
    """

    __slots__ = ("_slots", "active", "answered", "args", "data", "error", "invocation", "kwargs", "response", "target")

    def __init__(self, target: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.target = target
        self.args = args
        self.kwargs = kwargs
        self.response: Any = None
        self.error: BaseException | None = None
        self.invocation: Invocation | None = None
        self.answered = False
        self.active = True
        self.data: dict[str, Any] = {}
        self._slots: dict[Slot[Any], Any] | None = None  # made by the first Slot.set

    @property
    def is_handler_call(self) -> bool:
        """True when the call is a Lambda handler call, ``handler(event, context)``."""
        invocation = self.invocation
        if invocation is None or len(self.args) < 2:
            return False
        last = self.args[-1]
        # A durable handler receives the DurableContext; the invocation's context is the
        # Lambda context it carries.
        return last is invocation.context or (invocation.durable is not None and last is invocation.durable)

    @property
    def event(self) -> Any:
        """The event of a handler call (as the target will receive it), else None."""
        return self.args[-2] if self.is_handler_call else None

    @property
    def context(self) -> Any:
        """The Lambda context of a handler call, else None."""
        return self.args[-1] if self.is_handler_call else None

    def respond(self, value: Any) -> None:
        """Answer the call with ``value``: from a before hook it skips the target and the
        inner layers; from an on-error hook it recovers from the error."""
        self.response = value
        self.error = None
        self.answered = True


class Slot(Generic[T]):
    """One layer's own per-call state: made once per layer instance (in its builder), it
    holds one value per Call.

    ::

        record: Slot[Record] = Slot("idempotency.record")
        record.set(call, lock)     # in before
        lock = record.pop(call)    # in after / on_error (None when before set nothing)

    Slots are told apart by identity, not by name: two stacked instances of one layer
    (which share one Call, the engine flattening them) each have their own.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def set(self, call: Call, value: T) -> None:
        """Keep ``value`` for ``call``."""
        slots = call._slots
        if slots is None:
            slots = call._slots = {}
        slots[self] = value

    def get(self, call: Call) -> T | None:
        """The value kept for ``call``, or None."""
        slots = call._slots
        value: T | None = None if slots is None else slots.get(self)
        return value

    def pop(self, call: Call) -> T | None:
        """The value kept for ``call`` (or None), forgetting it."""
        slots = call._slots
        value: T | None = None if slots is None else slots.pop(self, None)
        return value

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


def _no_op(call: Call) -> None:
    return None


class Middleware:
    """What one layer does around the wrapped function.

    ``handler_only``: the layer needs a Lambda handler call ``(event, context)`` with a
    real context. ``mapping_event``: it also needs the event to be a mapping.
    ``replaces_call``: the layer calls ``call.target`` itself or changes what it receives
    (batch, parsing), so decorators below it stay a separate wrapper instead of being
    flattened into its chain.

    ``async_before``, ``async_after``, ``async_on_error``: ``async def`` twins of the hooks,
    used in their place when the wrapped function is async (one decorator object serves
    both kinds of function). A layer gives them when its hooks would block the event loop
    (idempotency's store calls run in a thread and its waits are ``asyncio.sleep``).

    For a layer that changes how the decorated function is called:

    - ``prepare(fn)`` runs once, when the decorator is applied, with the object it
      decorates (even one that is not callable): it checks it (a ConfigurationError naming
      what is wrong) and returns what the engine calls in its place (``fn`` itself, or an
      adapter). A layer whose ``prepare`` returns another object keeps its own wrapper, as
      with ``replaces_call``.
    - ``signature(fn)`` is the ``inspect.Signature`` the decorated function presents
      instead of ``fn``'s (``(event, context)`` for a batch handler around a function of
      one record). It is built when first asked for (inspect costs milliseconds at cold
      start); the decorated function's ``__annotations__`` follow it, its
      ``__wrapped__`` stays ``fn``, and it binds as a method like a function. Such a layer
      keeps its own wrapper, as with ``replaces_call``.
    """

    __slots__ = (
        "after",
        "async_after",
        "async_before",
        "async_on_error",
        "before",
        "handler_only",
        "mapping_event",
        "name",
        "on_error",
        "prepare",
        "replaces_call",
        "signature",
    )

    def __init__(
        self,
        name: str,
        before: Hook | AsyncHook | None = None,
        after: Hook | AsyncHook | None = None,
        on_error: Hook | AsyncHook | None = None,
        *,
        handler_only: bool = False,
        mapping_event: bool = False,
        replaces_call: bool = False,
        prepare: Prepare | None = None,
        signature: Presents | None = None,
        async_before: AsyncHook | None = None,
        async_after: AsyncHook | None = None,
        async_on_error: AsyncHook | None = None,
    ) -> None:
        twins = (("async_before", async_before), ("async_after", async_after), ("async_on_error", async_on_error))
        for option, twin in twins:
            if twin is not None and not _is_async(twin):
                raise ConfigurationError(f"{name}: {option} must be an async function (async def)")
        self.name = name
        self.before = before
        self.after = after
        self.on_error = on_error
        self.handler_only = handler_only
        self.mapping_event = mapping_event
        self.replaces_call = replaces_call
        self.prepare = prepare
        self.signature = signature
        self.async_before = async_before
        self.async_after = async_after
        self.async_on_error = async_on_error

    def __repr__(self) -> str:
        return f"Middleware({self.name!r})"


class _Chain:
    """The layers of one wrapper, with their hooks resolved once (no-ops for unset ones;
    the async twins in place of the hooks when the wrapped function is async)."""

    __slots__ = (
        "afters",
        "async_hooks",
        "befores",
        "handler_only",
        "label",
        "mapping_event",
        "middlewares",
        "on_errors",
    )

    def __init__(self, middlewares: tuple[Middleware, ...], *, for_async: bool = False) -> None:
        self.middlewares = middlewares
        hooks = [
            (m.async_before or m.before, m.async_after or m.after, m.async_on_error or m.on_error)
            if for_async
            else (m.before, m.after, m.on_error)
            for m in middlewares
        ]
        self.befores: tuple[Any, ...] = tuple(before or _no_op for before, _, _ in hooks)
        self.afters: tuple[Any, ...] = tuple(after or _no_op for _, after, _ in hooks)
        self.on_errors: tuple[Any, ...] = tuple(on_error or _no_op for _, _, on_error in hooks)
        self.handler_only = any(m.handler_only for m in middlewares)
        self.mapping_event = any(m.mapping_event for m in middlewares)
        self.label = ", ".join(m.name for m in middlewares)
        # Which hooks are async, as (before, after, on_error) per layer; None when none is
        # (the common case: the sync runners, no await per hook).
        kinds = tuple((_is_async(before), _is_async(after), _is_async(on_error)) for before, after, on_error in hooks)
        self.async_hooks = kinds if any(any(k) for k in kinds) else None

    def async_hook_names(self) -> list[str]:
        """``layer.hook`` for each async hook (for the error that refuses them)."""
        if self.async_hooks is None:
            return []
        hooks = ("before", "after", "on_error")
        return [
            f"{m.name}.{hooks[i]}"
            for m, kinds in zip(self.middlewares, self.async_hooks, strict=True)
            for i in range(3)
            if kinds[i]
        ]


def _is_mapping(value: object) -> bool:
    if isinstance(value, dict):
        return True
    from collections.abc import Mapping  # only for the rare non-dict event

    return isinstance(value, Mapping)


def _code_flags(fn: object) -> int:
    code = getattr(fn, "__code__", None)
    return code.co_flags if code is not None else 0


def _marked_async(fn: object) -> bool:
    """True for a sync function marked as a coroutine function: by
    ``inspect.markcoroutinefunction`` (3.12+), else by asyncio's own marker. Whoever marks
    one has imported that module, so it is only asked when already loaded (neither is
    preloaded by the Lambda runtime: importing them here would cost every cold start)."""
    if sys.version_info >= (3, 12):
        inspect = sys.modules.get("inspect")
        return inspect is not None and bool(inspect.iscoroutinefunction(fn))
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and bool(asyncio.iscoroutinefunction(fn))


def _is_async(hook: object) -> bool:
    return hook is not None and _kind(hook) == "async"  # type: ignore[arg-type]


def _kind(fn: Callable[..., Any]) -> str:
    """ "generator", "async" or "sync", from the code flags of plain functions (and bound
    methods) and, for anything else (partials, callable objects), from inspect."""
    flags = _code_flags(fn)
    if flags & _CO_GENERATOR:
        return "generator"
    if flags & _CO_COROUTINE:
        return "async"
    if hasattr(fn, "__code__"):
        return "async" if _marked_async(fn) else "sync"
    import inspect

    if inspect.isgeneratorfunction(fn):
        return "generator"
    if inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__):
        return "async"
    return "sync"


def _update_wrapper(wrapper: Any, wrapped: Any) -> None:
    # Not __annotations__ (functools' default): reading those of a presented handler builds
    # its signature, importing inspect, at import time of the module it decorates.
    update_wrapper(wrapper, wrapped, assigned=_WRAPPER_ASSIGNMENTS)


_RAW_DURABLE_EVENT = (
    "{label}: the handler received Lambda's raw durable-execution event (DurableExecutionArn, "
    "CheckpointToken): put @durable_execution outermost, above the lambda_toolkit decorators, so that "
    "they see the execution's input and the DurableContext (and are replay-aware)"
)


# Durable functions are recognised without importing their SDK, and the core's durable
# module is loaded only when the SDK is (or an event says it is a durable invocation):
# a classic function's cold start does not pay for it.
_DURABLE_SDK = "aws_durable_execution_sdk_python"


def durable() -> ModuleType:
    """``lambda_toolkit.core.durable``, loaded on first use."""
    from lambda_toolkit.core import durable as module

    return module


def _is_operation_context(args: tuple[Any, ...]) -> bool:
    module = durable()
    found: bool = module.is_operation_context(args[0]) or module.is_operation_context(args[-1])
    return found


def _enter(chain: _Chain, call: Call) -> Token[Invocation | None] | None:
    args = call.args
    if len(args) >= 2 and looks_like_context(args[-1]):
        event = args[-2]
        if chain.mapping_event and not _is_mapping(event):
            raise InvalidEventError(
                f"{chain.label}: the event must be a mapping (a JSON object), got {type(event).__name__}"
            )
        # (inline: this runs on every invocation; the durable module only when it may say yes)
        if (
            (type(event) is dict and "DurableExecutionArn" in event) or _DURABLE_SDK in sys.modules
        ) and durable().is_durable_input(event):
            raise ConfigurationError(_RAW_DURABLE_EVENT.format(label=chain.label))
        context = check_context(args[-1], chain.label) if chain.handler_only else args[-1]
        invocation, token = begin_invocation(event, context)
        call.invocation = invocation
        return token
    if (
        len(args) >= 2
        and _DURABLE_SDK in sys.modules
        and durable().is_durable_context(args[-1])
        and args[-1].lambda_context is not None
    ):
        event = args[-2]
        if chain.mapping_event and not _is_mapping(event):
            raise InvalidEventError(
                f"{chain.label}: the event must be a mapping (a JSON object), got {type(event).__name__}"
            )
        invocation, token = begin_durable_invocation(event, args[-1])
        call.invocation = invocation
        return token
    if chain.handler_only:
        if args and _DURABLE_SDK in sys.modules and _is_operation_context(args):
            # A durable step (or wait-for-condition check, callback submitter) runs inside the
            # durable handler's invocation: the layer works on that one.
            call.invocation = current_invocation()
            if call.invocation is None:
                raise InvalidContextError(
                    f"{chain.label}: a durable step has no Lambda context of its own; decorate the durable "
                    "handler with a lambda_toolkit decorator too (inside @durable_execution)"
                )
            return None
        if len(args) < 2:
            raise InvalidContextError(
                f"{chain.label}: a handler must be called as handler(event, context), "
                f"got {len(args)} positional argument(s)"
            )
        check_context(args[-1], chain.label)  # raises, naming the missing attributes
    call.invocation = current_invocation()
    return None


def _run_befores(chain: _Chain, call: Call) -> int:
    """Run the before hooks; return how many layers must run their exit hooks."""
    for depth, before in enumerate(chain.befores):
        try:
            before(call)
        except Exception as exc:
            call.error = exc
            return depth
        if call.answered:
            return depth
    return len(chain.befores)


def _run_exits(chain: _Chain, call: Call, depth: int) -> Any:
    afters, on_errors = chain.afters, chain.on_errors
    for index in range(depth - 1, -1, -1):
        error = call.error
        try:
            if error is None:
                afters[index](call)
            else:
                on_errors[index](call)
        except Exception as exc:
            call.error = exc
    if call.error is not None:
        raise call.error
    return call.response


def _clean_up(chain: _Chain, call: Call, depth: int, error: BaseException) -> None:
    """Let the layers clean up after a BaseException (KeyboardInterrupt, SystemExit, a
    cancelled task): their on-error hooks run (a lock is released, a span closed, a timer
    cancelled), but nothing can answer or replace it: it always propagates.

    The durable SDK suspends an invocation (a wait) with such an exception: the invocation
    is then marked ``suspended`` first, so that the layers tell it from a failure."""
    invocation = call.invocation
    if invocation is not None and invocation.durable is not None and durable().is_suspension(error):
        invocation.suspended = True
    on_errors = chain.on_errors
    for index in range(depth - 1, -1, -1):
        call.error = error
        try:
            on_errors[index](call)
        except Exception:  # the interruption in flight matters more than a hook failing
            continue


def _sync_wrapper(chain: _Chain, target: Callable[..., Any]) -> Callable[..., Any]:
    layers = len(chain.befores)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = Call(target, args, kwargs)
        token = None
        try:
            token = _enter(chain, call)
            depth = _run_befores(chain, call)
            if depth == layers and call.error is None:
                try:
                    call.response = target(*call.args, **call.kwargs)
                except Exception as exc:
                    call.error = exc
                except BaseException as exc:
                    _clean_up(chain, call, depth, exc)
                    raise
            return _run_exits(chain, call, depth)
        finally:
            call.active = False
            end_invocation(token)

    return wrapper


def _async_wrapper(chain: _Chain, target: Callable[..., Any]) -> Callable[..., Any]:
    layers = len(chain.befores)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = Call(target, args, kwargs)
        token = None
        try:
            token = _enter(chain, call)
            depth = _run_befores(chain, call)
            if depth == layers and call.error is None:
                try:
                    call.response = await target(*call.args, **call.kwargs)
                except Exception as exc:
                    call.error = exc
                except BaseException as exc:  # asyncio.CancelledError among them
                    _clean_up(chain, call, depth, exc)
                    raise
            return _run_exits(chain, call, depth)
        finally:
            call.active = False
            end_invocation(token)

    return wrapper


async def _run_befores_async(chain: _Chain, call: Call, kinds: tuple[tuple[bool, bool, bool], ...]) -> int:
    for depth, before in enumerate(chain.befores):
        try:
            if kinds[depth][0]:
                await before(call)
            else:
                before(call)
        except Exception as exc:
            call.error = exc
            return depth
        if call.answered:
            return depth
    return len(chain.befores)


async def _run_exits_async(chain: _Chain, call: Call, depth: int, kinds: tuple[tuple[bool, bool, bool], ...]) -> Any:
    afters, on_errors = chain.afters, chain.on_errors
    for index in range(depth - 1, -1, -1):
        error = call.error
        try:
            if error is None:
                if kinds[index][1]:
                    await afters[index](call)
                else:
                    afters[index](call)
            elif kinds[index][2]:
                await on_errors[index](call)
            else:
                on_errors[index](call)
        except Exception as exc:
            call.error = exc
    if call.error is not None:
        raise call.error
    return call.response


async def _clean_up_async(
    chain: _Chain, call: Call, depth: int, error: BaseException, kinds: tuple[tuple[bool, bool, bool], ...]
) -> None:
    on_errors = chain.on_errors
    for index in range(depth - 1, -1, -1):
        call.error = error
        try:
            if kinds[index][2]:
                await on_errors[index](call)
            else:
                on_errors[index](call)
        except Exception:  # the interruption in flight matters more than a hook failing
            continue


def _async_hooks_wrapper(chain: _Chain, target: Callable[..., Any]) -> Callable[..., Any]:
    """The async wrapper for a chain with async hooks: those are awaited (kept apart so
    that chains of sync hooks pay no check per hook)."""
    layers = len(chain.befores)
    kinds = chain.async_hooks or ()

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = Call(target, args, kwargs)
        token = None
        try:
            token = _enter(chain, call)
            depth = await _run_befores_async(chain, call, kinds)
            if depth == layers and call.error is None:
                try:
                    call.response = await target(*call.args, **call.kwargs)
                except Exception as exc:
                    call.error = exc
                except BaseException as exc:  # asyncio.CancelledError among them
                    await _clean_up_async(chain, call, depth, exc, kinds)
                    raise
            return await _run_exits_async(chain, call, depth, kinds)
        finally:
            call.active = False
            end_invocation(token)

    return wrapper


def _generator_wrapper(chain: _Chain, target: Callable[..., Any]) -> Callable[..., Any]:
    layers = len(chain.befores)

    # A generator may be resumed in another context, so it never sets the invocation
    # state; it only sees the one current when it was called.
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = Call(target, args, kwargs)
        call.invocation = current_invocation()
        try:
            depth = _run_befores(chain, call)
            if depth == layers and call.error is None:
                try:
                    call.response = yield from target(*call.args, **call.kwargs)
                except GeneratorExit:
                    # Closed before the end (a consumer that stopped early): not an error, but
                    # the layers still finish (a trace span is closed, a timer cancelled).
                    _run_exits(chain, call, depth)
                    raise
                except Exception as exc:
                    call.error = exc
            return _run_exits(chain, call, depth)
        finally:
            call.active = False

    return wrapper


class _Presented:
    """A wrapper presenting another signature than the function it wraps (a layer with
    ``signature``).

    A function's ``__signature__`` must be set when it is made, and building one imports
    inspect; this object answers it only when asked. Each one has a class of its own
    whose ``__call__`` is the engine's wrapper itself, so calling it runs no frame
    between the caller and the engine (a ``BaseException`` landing there, such as the
    timeout guard's, meets the engine's handling at once). It carries the wrapper's
    attributes, so a layer stacked on top flattens into the same chain.
    """

    def __init__(self, wrapper: Callable[..., Any], presents: Presents) -> None:
        self.__dict__.update(wrapper.__dict__)  # the chain, the target, __wrapped__...
        for attribute in _WRAPPER_ASSIGNMENTS:
            value = getattr(wrapper, attribute, None)
            if value is not None:
                self.__dict__[attribute] = value
        self.__dict__[_PRESENTS_ATTR] = presents

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        from types import MethodType  # loaded by the runtime already (functools imports it)

        return MethodType(self, instance)  # type: ignore[arg-type]  # callable through its class

    @property
    def __signature__(self) -> inspect.Signature:
        found: inspect.Signature | None = self.__dict__.get(_SIGNATURE_ATTR)
        if found is None:  # inspect.signature asks twice: built once
            presents: Presents = self.__dict__[_PRESENTS_ATTR]
            found = self.__dict__[_SIGNATURE_ATTR] = presents(self.__dict__["__wrapped__"])
        return found

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        signature = self.__signature__
        empty = signature.empty
        found = {name: p.annotation for name, p in signature.parameters.items() if p.annotation is not empty}
        if signature.return_annotation is not empty:
            found["return"] = signature.return_annotation
        return found

    def __repr__(self) -> str:
        chain: _Chain = self.__dict__[_CHAIN_ATTR]
        return f"<{chain.label} handler {self.__dict__.get('__qualname__', '?')}>"


def _presented(wrapper: Callable[..., Any], presents: Presents) -> Callable[..., Any]:
    cls = type("Presented", (_Presented,), {"__call__": staticmethod(wrapper), "__module__": __name__})
    presented: Callable[..., Any] = cls(wrapper, presents)
    presented.__dict__[_OWNER_ATTR] = presented
    return presented


def apply_middleware(layer: Middleware, fn: F) -> F:
    """Wrap ``fn`` in ``layer``, flattening into ``fn``'s chain when it already has one."""
    if _DURABLE_SDK in sys.modules and durable().is_durable_wrapper(fn):
        raise ConfigurationError(_RAW_DURABLE_EVENT.format(label=layer.name).replace("received", "would receive"))
    target: Callable[..., Any] = fn if layer.prepare is None else layer.prepare(fn)
    if not callable(fn):
        raise ConfigurationError(f"{layer.name} can only decorate a callable, got {type(fn).__name__}")
    middlewares: tuple[Middleware, ...] = (layer,)
    inner: _Chain | None = getattr(fn, _CHAIN_ATTR, None)
    own_wrapper = layer.replaces_call or layer.signature is not None or target is not fn
    if inner is not None and not own_wrapper and getattr(fn, _OWNER_ATTR, None) is fn:
        middlewares += inner.middlewares
        target = getattr(fn, _TARGET_ATTR)
    kind = _kind(target)
    chain = _Chain(middlewares, for_async=kind == "async")
    if chain.async_hooks is not None and kind != "async":
        name = getattr(fn, "__qualname__", type(fn).__name__)
        raise ConfigurationError(
            f"{', '.join(chain.async_hook_names())}: an async hook needs an async function to await it, "
            f"and {name} is a {'generator' if kind == 'generator' else 'sync'} function"
        )
    if kind == "generator":
        if chain.handler_only:
            raise ConfigurationError(f"{chain.label} cannot decorate a generator function")
        wrapper = _generator_wrapper(chain, target)
    elif kind == "async":
        wrapper = _async_wrapper(chain, target) if chain.async_hooks is None else _async_hooks_wrapper(chain, target)
    else:
        wrapper = _sync_wrapper(chain, target)
    _update_wrapper(wrapper, fn)
    setattr(wrapper, _CHAIN_ATTR, chain)
    setattr(wrapper, _TARGET_ATTR, target)
    setattr(wrapper, _OWNER_ATTR, wrapper)
    if layer.signature is not None:
        return _presented(wrapper, layer.signature)  # type: ignore[return-value]
    return wrapper  # type: ignore[return-value]


def _option_error(
    where: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> ConfigurationError | None:
    """The ConfigurationError for options ``fn`` cannot take (a misspelt or missing
    option, one too many), or None when they bind (a TypeError raised inside ``fn`` is then
    its own). For the error path only: it imports inspect."""
    import inspect

    signature = inspect.signature(fn)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as bind_error:
        names = [
            name
            for name, parameter in signature.parameters.items()
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]
        unknown = [name for name in kwargs if name not in names]
        if unknown and not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            import difflib

            close = difflib.get_close_matches(unknown[0], names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return ConfigurationError(
                f"{where}: unknown option {unknown[0]!r}{hint}; the options are {', '.join(names)}"
            )
        return ConfigurationError(f"{where}: {bind_error}")
    return None


def call_with_options(where: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``, where a misspelt, missing or extra option is a
    ConfigurationError naming it (and the closest known option), prefixed by ``where``.

    What the middleware factory does with a builder's options, for a setup function that
    is not a decorator (``process_batch`` checks its options with it).
    """
    try:
        return fn(*args, **kwargs)
    except TypeError:
        error = _option_error(where, fn, args, kwargs)
        if error is not None:
            raise error from None
        raise


class MiddlewareDecorator(Generic[P]):
    """A decorator usable bare (``@name``) or with options (``@name(...)``).

    Options are validated against the builder's signature when the decorator is set up,
    so a misspelt option fails at import time, not at the first request, with a
    ConfigurationError naming the closest option.

    For type checkers, bare use is only allowed when the builder needs no argument
    (``@idempotent`` without its store fails mypy, as it fails at run time), and a class
    given alone is read as an option when the builder takes one positionally (as at run
    time). A class decorated bare by a decorator of keyword-only options still passes:
    a class is a callable, and type checkers ignore what a class decorator returns.
    """

    def __init__(self, build: Callable[P, Middleware], name: str | None = None) -> None:
        self._build = build
        _update_wrapper(self, build)
        self.__name__: str = name or str(getattr(build, "__name__", "middleware"))

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Callable[[F], F]: ...

    @overload
    def __call__(self: MiddlewareDecorator[[]], fn: F, /) -> F: ...  # noqa: F811

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # noqa: F811 (ruff cannot see the run-time overload)
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], type):
            return apply_middleware(self._layer(), args[0])
        layer = self._layer(*args, **kwargs)

        def decorate(fn: F) -> F:
            return apply_middleware(layer, fn)

        return decorate

    def _layer(self, *args: Any, **kwargs: Any) -> Middleware:
        try:
            return self._build(*args, **kwargs)
        except TypeError as exc:
            # Tell a misspelt or missing option apart from a TypeError inside the builder.
            error = _option_error(self.__name__, self._build, args, kwargs)
            if error is not None:
                raise error from None
            raise exc from None

    def __repr__(self) -> str:
        return f"<middleware decorator {self.__name__}>"


def middleware(build: Callable[P, Middleware]) -> MiddlewareDecorator[P]:
    """Turn a builder of a ``Middleware`` into a decorator usable bare or with options.

    ::

        @middleware
        def stopwatch(*, label: str = "handler") -> Middleware:
            def before(call: Call) -> None:
                call.data["t0"] = time.perf_counter()
            def after(call: Call) -> None:
                print(label, time.perf_counter() - call.data["t0"])
            return Middleware("stopwatch", before=before, after=after)

        @stopwatch
        def handler(event, context): ...
    """
    return MiddlewareDecorator(build)

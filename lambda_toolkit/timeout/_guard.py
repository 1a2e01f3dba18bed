"""``@timeout_guard``: stop the handler cleanly a little before Lambda would kill it.

Built on the core middleware engine. Before the handler runs, the guard arms a timer for
``remaining time - margin_ms``; after it, or when it raised, the timer is always
cancelled. When the timer fires first, ``InvocationTimeout`` is raised into the handler's
code (main thread) or the cooperative flag is raised (elsewhere); the guard then runs
``on_timeout``, whose non-None return value becomes the response, and logs one
"timeout imminent" line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator, Slot
from lambda_toolkit.core.options import check_sync_callable
from lambda_toolkit.timeout import _alarm
from lambda_toolkit.timeout._deadline import check_margin, remaining_ms_of
from lambda_toolkit.timeout._watchdog import check_all_threads

if TYPE_CHECKING:
    from lambda_toolkit.core.state import Invocation
    from lambda_toolkit.timeout._postmortem import PostMortem

__all__ = ["DEFAULT_MARGIN_MS", "OnTimeout", "TimeoutInfo", "timeout_guard"]

DEFAULT_MARGIN_MS = 500
logger = logging.getLogger("lambda_toolkit.timeout")

_HANDLED_ATTR = "_lambda_toolkit_timeout_handled"


@dataclass(frozen=True, slots=True)
class TimeoutInfo:
    """What ``on_timeout`` receives when the guard interrupts a handler.

    ``elapsed_ms``: how long the handler ran; ``remaining_ms``: what was left of the
    invocation; ``mode``: ``"signal"`` (the handler was interrupted) or ``"cooperative"``
    (the flag was raised and the handler stopped at a ``Deadline`` checkpoint).
    """

    event: Any
    context: Any
    elapsed_ms: float
    remaining_ms: float | None
    margin_ms: float
    mode: str
    error: InvocationTimeout


OnTimeout = Callable[[TimeoutInfo], Any]
"""What ``timeout_guard(on_timeout=...)`` accepts: called with the ``TimeoutInfo`` when the
guard interrupted the handler; a non-None return value is sent as the response."""


def _describe_failure(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
    return f"{type(exc).__name__}{where}"


class _Guard:
    """The hooks of one ``timeout_guard(...)`` layer."""

    __slots__ = ("alarm", "all_threads", "margin_ms", "name", "on_timeout", "post_mortem", "started", "validated")

    def __init__(
        self, margin_ms: float, on_timeout: OnTimeout | None, post_mortem: bool = False, all_threads: bool = False
    ) -> None:
        self.margin_ms = margin_ms
        self.on_timeout = on_timeout
        self.post_mortem = post_mortem
        self.all_threads = all_threads
        self.name = f"timeout_guard(margin_ms={margin_ms:g})"
        self.validated = False
        # Stacked guards share one Call (the engine flattens them): each has its own slots.
        self.alarm: Slot[_alarm.Alarm] = Slot("timeout.alarm")
        self.started: Slot[float] = Slot("timeout.started")

    def before(self, call: Call) -> None:
        invocation = call.invocation
        now = time.monotonic()
        remaining_or_none = None if invocation is None else invocation.remaining_ms()
        if remaining_or_none is not None:
            # on the context's clock (a test's FakeClock included); the timers below are real
            remaining = remaining_or_none
        else:  # the context could not tell: remaining_ms_of raises the error that says why
            remaining = remaining_ms_of(call.args[-1], "timeout_guard")
        if not self.validated:
            if remaining <= self.margin_ms:
                raise ConfigurationError(
                    f"timeout_guard: margin_ms={self.margin_ms:g} is not below the function's timeout "
                    f"({remaining:.0f} ms remained at the first invocation); use a smaller margin or a longer timeout"
                )
            self.validated = True
        self.started.set(call, now)
        if invocation is None:  # pragma: no cover - handler_only guarantees an invocation
            return
        fire_at = now + (remaining - self.margin_ms) / 1000.0
        if remaining <= self.margin_ms:  # already inside the margin: do not start the handler
            invocation.interrupted = True
            error = InvocationTimeout(
                "timeout_guard: not started, the remaining time was already within the margin",
                remaining_ms=remaining,
            )
            self._interrupted(call, error, "signal" if _alarm.signals_usable() else "cooperative")
            if not call.answered:
                raise error
            return
        report = self._arm_post_mortem(invocation, fire_at) if self.post_mortem else None
        if _alarm.signals_usable():
            alarm = _alarm.arm(fire_at, invocation, call)
            alarm.post_mortem = report
        else:
            alarm = _alarm.arm_cooperative(fire_at, invocation, report)
        self.alarm.set(call, alarm)

    def _arm_post_mortem(self, invocation: Invocation, fire_at: float) -> PostMortem:
        from lambda_toolkit.timeout import _postmortem

        # The guard's timer reports at fire_at. The watchdog thread reports a quarter of the
        # margin later if that timer could not run (a C call that restarts its system call
        # when the signal interrupts it); faulthandler at half the margin if no Python
        # thread could (a C call holding the GIL). Both before the deadline.
        return _postmortem.arm(
            invocation,
            trigger="timeout_guard",
            margin_ms=self.margin_ms,
            all_threads=self.all_threads,
            due=fire_at + self.margin_ms / 4000.0,
            dump_due=fire_at + self.margin_ms / 2000.0,
        )

    def _disarm(self, call: Call) -> _alarm.Alarm | None:
        alarm = self.alarm.pop(call)
        if alarm is None:
            return None
        if alarm.signal_mode:
            _alarm.disarm(alarm)
        else:
            _alarm.disarm_cooperative(alarm)
        if alarm.post_mortem is not None:
            alarm.post_mortem.close()
        return alarm

    def after(self, call: Call) -> None:
        alarm = self._disarm(call)
        if alarm is not None and (alarm.fired or (alarm.flagged and alarm.task is not None)):
            # The handler saw the flag (or caught the interruption) and still returned.
            self._log(call, alarm.invocation.remaining_ms(), "handler returned after the interruption")

    def on_error(self, call: Call) -> None:
        alarm = self._disarm(call)
        error = call.error
        if not isinstance(error, InvocationTimeout) or getattr(error, _HANDLED_ATTR, False):
            return
        owner = getattr(error, _alarm.OWNER_ATTR, None)
        if owner is not None and owner is not alarm:
            return  # another guard's interruption: that guard handles it
        mode = "signal" if alarm is None or alarm.signal_mode else "cooperative"
        self._interrupted(call, error, mode)

    def _interrupted(self, call: Call, error: InvocationTimeout, mode: str) -> None:
        setattr(error, _HANDLED_ATTR, True)
        invocation = call.invocation
        remaining = error.remaining_ms
        if remaining is None and invocation is not None:
            remaining = invocation.remaining_ms()
        elapsed = self._elapsed_ms(call)
        response = None
        outcome = "the timeout propagates"
        if self.on_timeout is not None:
            info = TimeoutInfo(call.event, call.context, elapsed, remaining, self.margin_ms, mode, error)
            try:
                response = self.on_timeout(info)
            except Exception as exc:
                logger.error(
                    "timeout_guard: on_timeout callback raised %s; the timeout propagates",
                    _describe_failure(exc),
                    extra={"timeout_callback_error": type(exc).__name__},
                )
            else:
                if response is not None:
                    outcome = "on_timeout answered"
        self._log(call, remaining, outcome, elapsed)
        if response is not None:
            if invocation is not None:
                # Layers that keep results (idempotency) must tell this answer from one the
                # handler returned after the margin: only this one is not the handler's.
                invocation.fallback_response = response
            call.respond(response)

    def _elapsed_ms(self, call: Call) -> float:
        now = time.monotonic()
        started = self.started.get(call)
        return (now - (now if started is None else started)) * 1000.0

    def _log(self, call: Call, remaining: float | None, outcome: str, elapsed: float | None = None) -> None:
        if elapsed is None:
            elapsed = self._elapsed_ms(call)
        remaining_text = "unknown" if remaining is None else f"{remaining:.0f} ms"
        logger.warning(
            "timeout imminent: handler ran %.0f ms, %s left (margin %g ms); %s",
            elapsed,
            remaining_text,
            self.margin_ms,
            outcome,
            extra={
                "timeout_elapsed_ms": round(elapsed, 1),
                "timeout_remaining_ms": None if remaining is None else round(remaining, 1),
                "timeout_margin_ms": self.margin_ms,
                "timeout_outcome": outcome,
            },
        )


def _timeout_guard_layer(
    *,
    margin_ms: float = DEFAULT_MARGIN_MS,
    on_timeout: OnTimeout | None = None,
    post_mortem: bool = False,
    all_threads: bool = False,
) -> Middleware:
    """Interrupt the handler ``margin_ms`` before the invocation's deadline.

    ``on_timeout(info: TimeoutInfo)`` runs when the handler was interrupted; a non-None
    return value is sent as the response (e.g. an HTTP 503), None lets the
    ``InvocationTimeout`` propagate. ``post_mortem=True``: when the guard fires, log where
    the handler's thread was (every thread's stack with ``all_threads=True``). A negative
    margin, a non-callable ``on_timeout`` or a non-bool flag is a ``ConfigurationError``
    here; a margin not below the function's timeout is one at the first invocation.
    """
    margin = check_margin(margin_ms, "timeout_guard")
    if on_timeout is not None and not callable(on_timeout):
        raise ConfigurationError(f"timeout_guard: on_timeout must be callable, got {type(on_timeout).__name__}")
    check_sync_callable("timeout_guard: on_timeout", on_timeout)
    if not isinstance(post_mortem, bool):
        raise ConfigurationError(
            f"timeout_guard: post_mortem must be True or False, got a {type(post_mortem).__name__}"
        )
    if check_all_threads(all_threads, "timeout_guard") and not post_mortem:
        raise ConfigurationError(
            "timeout_guard: all_threads=True is an option of the post-mortem; add post_mortem=True"
        )
    guard = _Guard(margin, on_timeout, post_mortem, all_threads)
    return Middleware(guard.name, before=guard.before, after=guard.after, on_error=guard.on_error, handler_only=True)


if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import ParamSpec, Protocol, TypeVar, overload

    F = TypeVar("F", bound=Callable[..., Any])
    P = ParamSpec("P")
    R = TypeVar("R")
    T = TypeVar("T")
    T_co = TypeVar("T_co", covariant=True)

    class _Answering(Protocol[T_co]):
        """A guard whose ``on_timeout`` answers with a ``T``: the handler's result may be one."""

        @overload
        def __call__(
            self, handler: Callable[P, Coroutine[Any, Any, R]], /
        ) -> Callable[P, Coroutine[Any, Any, R | T_co]]: ...

        @overload
        def __call__(self, handler: Callable[P, R], /) -> Callable[P, R | T_co]: ...

    class _TimeoutGuard(Protocol):
        """The type of ``timeout_guard``: the handler keeps its signature, and with an
        ``on_timeout`` its result type widens to what ``on_timeout`` may answer with."""

        # options first, the handler alone last: the order of the core's overloads
        @overload
        def __call__(
            self, *, margin_ms: float = ..., on_timeout: None = None, post_mortem: bool = ..., all_threads: bool = ...
        ) -> Callable[[F], F]: ...

        @overload
        def __call__(
            self,
            *,
            margin_ms: float = ...,
            on_timeout: Callable[[TimeoutInfo], T | None],
            post_mortem: bool = ...,
            all_threads: bool = ...,
        ) -> _Answering[T]: ...

        @overload
        def __call__(self, handler: F, /) -> F: ...


# The core types a decorator as keeping the signature it wraps; on_timeout's answer
# replaces the handler's result, so timeout_guard is typed by _TimeoutGuard instead.
_decorator = MiddlewareDecorator(_timeout_guard_layer, "timeout_guard")
timeout_guard: _TimeoutGuard = _decorator
"""Interrupt the handler ``margin_ms`` before the invocation's deadline.

``@timeout_guard`` (500 ms) or ``@timeout_guard(margin_ms=..., on_timeout=...)``; the
options are keyword-only. ``margin_ms``: milliseconds, the unit Lambda reports the remaining
time in (finite, >= 0). ``on_timeout`` (an ``OnTimeout``) runs when the handler was
interrupted; a non-None return value is sent as the response (e.g. an HTTP 503), None lets
the ``InvocationTimeout`` propagate. ``post_mortem=True`` logs one post-mortem line when the
guard fires: the stack of the thread running the handler (of every thread with
``all_threads=True``), the time left, the request id and the batch records in progress.
"""

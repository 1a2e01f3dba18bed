"""Deadline: how much time the current invocation has left, and work loops that stop in time.

The deadline comes from the invocation state (core), which derives it from the context's
``get_remaining_time_in_millis()`` and reads it on the context's own clock (so a test's
``FakeClock`` moves it). A ``timeout_guard`` that cannot interrupt the handler (a handler
on another thread) sets the invocation's ``interrupted`` field; ``Deadline.expired``
reports it too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from lambda_toolkit.core.context import LambdaContext
from lambda_toolkit.core.errors import ConfigurationError, InvalidContextError, InvocationTimeout
from lambda_toolkit.core.options import check_milliseconds
from lambda_toolkit.core.state import Invocation, clock_of, current_invocation

__all__ = ["Deadline", "WorkLoop", "check_margin", "remaining_ms_of"]

T = TypeVar("T")


def check_margin(value: Any, where: str) -> float:
    """``value`` as milliseconds if it is a finite number >= 0, else ConfigurationError naming ``where``."""
    return check_milliseconds(f"{where}: margin_ms", value)


def remaining_ms_of(context: Any, where: str) -> float:
    """The context's remaining time in milliseconds, or InvalidContextError naming ``where``."""
    method = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(method):
        raise InvalidContextError(
            f"{where}: context of type {type(context).__name__} has no get_remaining_time_in_millis(); "
            "pass the Lambda context (in tests lambda_toolkit.testing.FakeContext())"
        )
    try:
        remaining = method()
    except Exception as exc:
        raise InvalidContextError(
            f"{where}: context.get_remaining_time_in_millis() raised {type(exc).__name__}"
        ) from exc
    if isinstance(remaining, bool) or not isinstance(remaining, (int, float)) or not math.isfinite(remaining):
        raise InvalidContextError(
            f"{where}: context.get_remaining_time_in_millis() returned {type(remaining).__name__}, "
            "expected a number of milliseconds"
        )
    return max(0.0, float(remaining))


class Deadline:
    """The instant the current invocation must be finished by.

    ``Deadline.current()`` reads it from the invocation in progress (any lambda_toolkit
    decorator on the handler starts one); ``Deadline.from_context(context)`` reads it from
    a context directly. An unknown deadline (a test double that cannot tell) never expires
    by itself, but still reports a guard's cooperative flag.
    """

    __slots__ = ("_at", "_clock", "_invocation")

    def __init__(
        self, at: float | None, *, invocation: Invocation | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        """``at`` is an instant on ``clock`` (default: the invocation's clock, else
        ``time.monotonic``), or None when unknown."""
        self._at = at
        self._invocation = invocation
        self._clock: Callable[[], float] = clock or (time.monotonic if invocation is None else invocation.clock)

    @classmethod
    def current(cls) -> Deadline:
        """The deadline of the invocation in progress; ConfigurationError outside one."""
        invocation = current_invocation()
        if invocation is None:
            raise ConfigurationError(
                "Deadline.current() was called outside an invocation: decorate the handler with a "
                "lambda_toolkit decorator (e.g. @timeout_guard) or use Deadline.from_context(context)"
            )
        return cls(invocation.deadline, invocation=invocation)

    @classmethod
    def from_context(cls, context: LambdaContext) -> Deadline:
        """The deadline given by ``context.get_remaining_time_in_millis()`` now."""
        remaining = remaining_ms_of(context, "Deadline.from_context")
        invocation = current_invocation()
        if invocation is not None and invocation.context is not context:
            invocation = None
        clock = clock_of(context)
        return cls(clock() + remaining / 1000.0, invocation=invocation, clock=clock)

    @property
    def known(self) -> bool:
        """False when the context could not tell its remaining time."""
        return self._at is not None

    @property
    def interrupted(self) -> bool:
        """True once a timeout guard of this invocation has reached its margin."""
        return self._invocation is not None and self._invocation.interrupted

    def remaining_ms(self) -> float:
        """Milliseconds left (never negative); ``math.inf`` when the deadline is unknown."""
        if self._at is None:
            return math.inf
        return max(0.0, (self._at - self._clock()) * 1000.0)

    def seconds_left(self, margin_ms: float = 0.0) -> float:
        """Seconds left before ``margin_ms`` of the deadline (never negative; ``math.inf`` if
        unknown): a timeout for an SDK call or ``asyncio.timeout`` that ends in time."""
        margin = check_margin(margin_ms, "Deadline.seconds_left")
        return max(0.0, (self.remaining_ms() - margin) / 1000.0)

    def expired(self, margin_ms: float = 0.0) -> bool:
        """True when at most ``margin_ms`` remain, or a guard raised the cooperative flag."""
        margin = check_margin(margin_ms, "Deadline.expired")
        return self.interrupted or self.remaining_ms() <= margin

    def check(self, margin_ms: float = 0.0) -> None:
        """Raise ``InvocationTimeout`` when ``expired(margin_ms)``; a cooperative checkpoint."""
        if self.expired(margin_ms):
            left = self.remaining_ms()
            raise InvocationTimeout(
                "invocation stopped at a deadline checkpoint", remaining_ms=None if math.isinf(left) else left
            )

    def iterate(self, items: Iterable[T], *, margin_ms: float = 0.0) -> WorkLoop[T]:
        """Hand out ``items`` one by one while more than ``margin_ms`` remain.

        ::

            work = Deadline.current().iterate(records, margin_ms=1000)
            for record in work:
                process(record)
            retry_later(work.left)  # not started, or interrupted mid-way
        """
        return WorkLoop(self, items, margin_ms=check_margin(margin_ms, "Deadline.iterate"))

    def _stop_point(self, margin_ms: float) -> tuple[float | None, Invocation | None, Callable[[], float]]:
        """The instant ``margin_ms`` before the deadline, the invocation whose flag to
        watch, and the clock the instant is on."""
        limit = None if self._at is None else self._at - margin_ms / 1000.0
        return limit, self._invocation, self._clock

    def __repr__(self) -> str:
        if self._at is None:
            return "Deadline(unknown)"
        return f"Deadline(remaining_ms={self.remaining_ms():.0f}, interrupted={self.interrupted})"


class WorkLoop(Iterator[T], Generic[T]):
    """Iterates over work items while time remains, and says what was left.

    The items are taken into a list up front. ``left`` lists every item that was not
    completed: those never handed out, plus the last one handed out when the loop did not
    come back for the next (its body raised, for example an ``InvocationTimeout``, or broke
    out). ``stopped`` is True when the loop ended because time ran out.
    """

    __slots__ = ("_clock", "_in_hand", "_invocation", "_items", "_limit", "_next", "stopped")

    def __init__(self, deadline: Deadline, items: Iterable[T], *, margin_ms: float) -> None:
        # Resolved once: each step is then one field read and one clock read.
        self._limit, self._invocation, self._clock = deadline._stop_point(margin_ms)
        self._items: list[T] = list(items)
        self._next = 0
        self._in_hand = False
        self.stopped = False

    def __iter__(self) -> WorkLoop[T]:
        return self

    def __next__(self) -> T:
        self._in_hand = False
        if self.stopped or self._next >= len(self._items):
            raise StopIteration
        if (self._invocation is not None and self._invocation.interrupted) or (
            self._limit is not None and self._clock() >= self._limit
        ):
            self.stopped = True
            raise StopIteration
        item = self._items[self._next]
        self._next += 1
        self._in_hand = True
        return item

    @property
    def done(self) -> int:
        """How many items were completed (handed out and followed by a request for the next)."""
        return self._next - (1 if self._in_hand else 0)

    @property
    def left(self) -> list[T]:
        """The items not completed, in their original order."""
        return self._items[self.done :]

"""Single flight: one fetch per cache key at a time.

When a value expires, every thread that reads it before it is fetched again would fetch
it too: a burst of identical requests (and of throttling) at each refresh. Here the
first caller of a key fetches and the others wait for it and share its outcome, value
or ``ParameterError``. A fetch that ends otherwise (a timeout guard's interruption in
the fetching thread, a bug) is not shared: each waiting caller then tries for itself.

Coroutines take part too (``arun``): a coroutine that leads runs the fetch on the
package's I/O threads, and one that follows waits on an asyncio future, holding neither
a thread nor the loop; threads and coroutines share one flight per key, whoever leads.
A coroutine that leads and is cancelled stops waiting, but its fetch goes on and still
answers the others.
"""

from __future__ import annotations

import os
import weakref
from functools import partial
from threading import Event, Lock

from lambda_toolkit.parameters._errors import ParameterError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Hashable
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["SingleFlight"]


class _Call:
    __slots__ = ("done", "error", "shared", "value", "wakers")

    def __init__(self) -> None:
        self.done = Event()
        self.value: Any = None
        self.error: ParameterError | None = None
        self.shared = False
        # How to wake the coroutines waiting on this call (each on its own loop).
        self.wakers: list[Callable[[], None]] = []


class SingleFlight:
    """Runs ``fetch`` once for concurrent callers of one key."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._calls: dict[Hashable, _Call] = {}
        _flights.add(self)

    def _forget_calls(self) -> None:
        self._lock = Lock()
        self._calls = {}

    def run(self, key: Hashable, fetch: Callable[[], T]) -> T:
        """``fetch()``, or the outcome of the same key's fetch running on another thread."""
        while True:
            with self._lock:
                call = self._calls.get(key)
                if call is None:
                    call = self._calls[key] = _Call()
                    leader = True
                else:
                    leader = False
            if leader:
                return self._lead(key, call, fetch)
            call.done.wait()
            if call.shared:
                if call.error is not None:
                    raise _own(call.error)
                return call.value  # type: ignore[no-any-return]

    async def arun(self, key: Hashable, fetch: Callable[[], T]) -> T:
        """``run`` for a coroutine: ``fetch()`` on the I/O threads, or the outcome of the
        same key's fetch led by another coroutine or thread, awaited without blocking."""
        import asyncio

        from lambda_toolkit.core.threads import io_pool

        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                call = self._calls.get(key)
                if call is None:
                    call = self._calls[key] = _Call()
                    woken = None
                else:
                    woken = loop.create_future()
                    call.wakers.append(_waker(loop, woken))
            if woken is None:
                # The thread leads, as a thread caller would: it shares the outcome and ends
                # the flight itself, even if this coroutine is cancelled or its loop closed
                # meanwhile (later callers of the key would otherwise wait for it forever).
                running = loop.run_in_executor(io_pool(), partial(self._lead, key, call, fetch))
                running.add_done_callback(_retrieved)
                # shield: a cancelled leader stops waiting, its fetch still answers the others.
                return await asyncio.shield(running)
            await woken
            if call.shared:
                if call.error is not None:
                    raise _own(call.error)
                return call.value  # type: ignore[no-any-return]

    def _lead(self, key: Hashable, call: _Call, fetch: Callable[[], T]) -> T:
        try:
            value = fetch()
        except ParameterError as exc:
            call.error = exc
            call.shared = True
            raise
        else:
            call.value = value
            call.shared = True
            return value
        finally:
            self._finish(key, call)

    def _finish(self, key: Hashable, call: _Call) -> None:
        with self._lock:
            if self._calls.get(key) is call:
                del self._calls[key]
            # Taken under the lock: a coroutine that found the call in the map has added
            # its waker already, and none can add one after it left the map.
            wakers, call.wakers = call.wakers, []
        call.done.set()
        for wake in wakers:
            wake()

    def __len__(self) -> int:
        return len(self._calls)


def _own(error: ParameterError) -> ParameterError:
    """A copy of the fetching thread's error for a waiting one: raising one exception object
    in several threads at once would mix their tracebacks."""
    try:
        return type(error)(str(error), name=error.name)
    except TypeError:  # an error class with another constructor: the original will do
        return error


def _retrieved(done: asyncio.Future[Any]) -> None:
    """Mark the outcome of a cancelled leader's fetch as seen (asyncio would log it)."""
    if not done.cancelled():
        done.exception()


def _waker(loop: asyncio.AbstractEventLoop, woken: asyncio.Future[None]) -> Callable[[], None]:
    """Wake ``woken`` on ``loop`` from any thread (nothing when it is gone or cancelled)."""

    def wake_on_loop() -> None:
        if not woken.done():
            woken.set_result(None)

    def wake() -> None:
        try:
            loop.call_soon_threadsafe(wake_on_loop)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    return wake


_flights: weakref.WeakSet[SingleFlight] = weakref.WeakSet()


def _forget_flights_after_fork() -> None:
    # The threads fetching at a fork do not exist in the forked child (Lambda Managed
    # Instances fork their workers; so may a handler): a caller there waiting for one of
    # them would wait forever. The child's callers fetch for themselves.
    for flight in list(_flights):
        flight._forget_calls()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_flights_after_fork)

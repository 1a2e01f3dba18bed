"""Single flight: one fetch per cache key at a time.

When a value expires, every thread that reads it before it is fetched again would fetch
it too: a burst of identical requests (and of throttling) at each refresh. Here the
first caller of a key fetches and the others wait for it and share its outcome, value
or ``ParameterError``. A fetch that ends otherwise (a timeout guard's interruption in
the fetching thread, a bug) is not shared: each waiting caller then tries for itself.
"""

from __future__ import annotations

from threading import Event, Lock

from lambda_toolkit.parameters._errors import ParameterError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["SingleFlight"]


class _Call:
    __slots__ = ("done", "error", "shared", "value")

    def __init__(self) -> None:
        self.done = Event()
        self.value: Any = None
        self.error: ParameterError | None = None
        self.shared = False


class SingleFlight:
    """Runs ``fetch`` once for concurrent callers of one key."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._calls: dict[Hashable, _Call] = {}

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
            with self._lock:
                if self._calls.get(key) is call:
                    del self._calls[key]
            call.done.set()

    def __len__(self) -> int:
        return len(self._calls)


def _own(error: ParameterError) -> ParameterError:
    """A copy of the fetching thread's error for a waiting one: raising one exception object
    in several threads at once would mix their tracebacks."""
    try:
        return type(error)(str(error), name=error.name)
    except TypeError:  # an error class with another constructor: the original will do
        return error

"""Threads that keep the invocation: a thread pool and a wrapper that carry the context along.

A new thread starts from an empty ``contextvars`` context, and a pool's worker runs every
task in the context of whoever started the worker. The invocation state, the logger's
appended keys and the correlation id all live in ``ContextVar``s, so work handed to a
plain ``ThreadPoolExecutor`` inside a handler logs without the request id or the keys.
``ContextExecutor`` runs each call in a copy of the context taken when it is submitted;
``bind_context`` does the same for any callable handed to a thread or a callback API.

Importing this module imports ``concurrent.futures``: ``lambda_toolkit.core`` loads it on
first use only.
"""

from __future__ import annotations

import contextvars
import functools
from concurrent.futures import Future, ThreadPoolExecutor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ParamSpec, TypeVar

    P = ParamSpec("P")
    T = TypeVar("T")

__all__ = ["ContextExecutor", "bind_context"]


class ContextExecutor(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose calls run in the context they were submitted from.

    ``submit`` (and ``map``, which submits each call) copies the caller's context at submit
    time, so a call made inside an invocation sees that invocation (request id, correlation
    id, deadline) and the logger's keys, exactly as the handler's own code does. Each call
    gets its own copy: what it changes (``append_keys`` in a worker, say) stays in it.
    Create the pool once, at import, and reuse it across invocations.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)`` in a copy of the current context."""
        run: Callable[..., T] = contextvars.copy_context().run
        return super().submit(run, fn, *args, **kwargs)


def bind_context(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` bound to the current context: it runs in a copy of it wherever it is called.

    For threads and callbacks an executor does not start::

        threading.Thread(target=bind_context(upload), args=(key,)).start()

    The context is captured now; each call runs in a fresh copy of it, so the wrapper can
    run in several threads at once.
    """
    if not callable(fn):
        raise TypeError(f"bind_context needs a callable, got {type(fn).__name__}")
    captured = contextvars.copy_context()

    @functools.wraps(fn)
    def bound(*args: P.args, **kwargs: P.kwargs) -> T:
        return captured.copy().run(fn, *args, **kwargs)

    return bound

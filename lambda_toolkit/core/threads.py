"""Threads that keep the invocation: a thread pool and a wrapper that carry the context along.

A new thread starts from an empty ``contextvars`` context, and a pool's worker runs every
task in the context of whoever started the worker. The invocation state, the logger's
appended keys and the correlation id all live in ``ContextVar``s, so work handed to a
plain ``ThreadPoolExecutor`` inside a handler logs without the request id or the keys.
``ContextExecutor`` runs each call in a copy of the context taken when it is submitted;
``bind_context`` does the same for any callable handed to a thread or a callback API.
``to_thread`` is the way async code of the package runs a blocking call (boto3, a store)
without stopping its event loop.

Importing this module imports ``concurrent.futures``: ``lambda_toolkit.core`` loads it on
first use only.
"""

from __future__ import annotations

import contextvars
import functools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

from lambda_toolkit.core.env import IO_THREADS_VARIABLE, io_threads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ParamSpec, TypeVar

    P = ParamSpec("P")
    T = TypeVar("T")

__all__ = ["IO_THREADS_VARIABLE", "ContextExecutor", "bind_context", "io_pool", "to_thread"]


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


_io_pool: ContextExecutor | None = None
_io_pool_lock = Lock()


def _io_pool_after_fork() -> None:
    # The parent's pool threads do not exist in a forked child (Lambda Managed Instances
    # fork their workers; so may a handler): a task handed to that pool would wait for
    # them forever. The child makes a pool of its own on first use.
    global _io_pool, _io_pool_lock
    _io_pool = None
    _io_pool_lock = Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_io_pool_after_fork)


def io_pool() -> ContextExecutor:
    """The package's pool for blocking I/O of async code, made on first use.

    Its threads wait on the network, not the CPU, so it holds up to
    ``LAMBDA_TOOLKIT_IO_THREADS`` (64) of them, started only as concurrency needs them:
    asyncio's default executor (``min(32, CPUs + 4)``, 6 threads on 2 vCPUs) would queue the
    store calls of a hundred concurrent invocations behind each other.
    """
    global _io_pool
    pool = _io_pool
    if pool is None:
        with _io_pool_lock:
            pool = _io_pool
            if pool is None:
                pool = _io_pool = ContextExecutor(max_workers=io_threads(), thread_name_prefix="lambda-toolkit-io")
    return pool


async def to_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` run on the package's I/O pool, awaited without blocking the loop.

    As ``asyncio.to_thread``, the call runs in a copy of the caller's context (the
    invocation, the logger's keys), but on ``io_pool()`` rather than the loop's default
    executor. A cancelled caller stops waiting; the call itself runs to its end.
    """
    import asyncio  # an async caller has imported it already

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(io_pool(), functools.partial(fn, *args, **kwargs))

"""Running CPU-bound records in worker processes (``@batch(..., processes=N)``).

The thread runner does the scheduling: ``N`` worker threads share the batch's one
schedule (order, deadline, stop rules, failure path), and each hands its record to a
worker process and waits for the answer, so processes keep exactly the ordering rules,
failure reporting and deadline awareness of threads.

The workers are ``multiprocessing.Process`` children joined by a ``Pipe``: Lambda has no
``/dev/shm``, so ``multiprocessing.Pool``, ``Queue`` and ``ProcessPoolExecutor`` (which
need POSIX semaphores) fail there, while processes and pipes work. On Linux the children
are forked: they start with the record function already in memory, so it needs not be
picklable (a closure works); where processes are spawned (macOS, Windows) it must be.
Items and results cross the pipe pickled: one that cannot be pickled fails its record
with a ``WorkerProcessError`` that names the type, never the value. The record's index,
id and correlation id go along: the record is current in the worker process while it
runs (``current_record()``, ``get_correlation_id()``). So does the invocation, once per
batch and worker: what a worker needs of it (request id, cold start, deadline, trace
header, a logger's keys: ``core.state.carry_invocation``) goes with the worker's first
record of each batch, and the worker runs the batch's records in its likeness rather than
in the invocation it was forked in. The pool of a
``@batch`` handler is made at its first batch and kept for the next invocations; a
record still running when the batch answers (the deadline) has its process stopped, so
nothing runs on while the sandbox is frozen; a fresh one is started when needed.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

from lambda_toolkit.batch._errors import WorkerProcessError
from lambda_toolkit.batch._processor import Plan
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.state import (
    CarriedInvocation,
    RecordInFlight,
    begin_record,
    carry_invocation,
    current_invocation,
    current_record,
    end_record,
    enter_carried_invocation,
)

__all__ = ["ProcessPool", "check_record_function", "close_pool", "pool_for", "start_batch", "start_method"]

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_CARRIED_KEY = "batch.carried"  # in invocation.data: (batch number, what workers need of it)
_NO_BATCH: tuple[int, CarriedInvocation | None] = (0, None)  # no invocation: none in the worker
_numbers = itertools.count(1)


def start_method() -> str:
    """``fork`` where the platform has it (Linux, so Lambda), else ``spawn``."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else "spawn"


def check_record_function(fn: Callable[..., Any], where: str) -> None:
    """Refuse, at set-up, a record function worker processes could not get."""
    if start_method() == "fork":
        return  # a forked child has it in memory
    try:
        pickle.dumps(fn, _PROTOCOL)
    except Exception:
        name = getattr(fn, "__qualname__", type(fn).__name__)
        raise ConfigurationError(
            f"{where}: with processes=, the record function {name} must be picklable on this platform "
            "(processes are spawned): define it at module level and pass it to process_batch"
        ) from None


def _serve(connection: Any, fn: Callable[[Any], Any]) -> None:
    """A worker process: run each record received and send back what happened."""
    while True:
        try:
            payload = connection.recv_bytes()
        except (EOFError, OSError):  # the parent closed the pipe: the pool is gone
            return
        connection.send_bytes(_run(fn, payload))


def _run(fn: Callable[[Any], Any], payload: bytes) -> bytes:
    try:
        batch, record, item = pickle.loads(payload)
    except Exception as exc:
        error = WorkerProcessError(f"a worker process could not unpickle the record ({type(exc).__name__})")
        return pickle.dumps((None, error), _PROTOCOL)  # None: not run
    if batch is not None:  # the first record of a batch for this worker: its invocation
        enter_carried_invocation(batch[0])
    # the record is current here too (its id, its correlation id), as in the parent
    token = None if record is None else begin_record(RecordInFlight(*record))
    try:
        result = fn(item)
    except Exception as exc:
        try:
            return pickle.dumps((False, exc), _PROTOCOL)
        except Exception:  # an exception that does not pickle: its type, never its message
            return _failed(
                WorkerProcessError(f"the record function raised {type(exc).__name__}, which is not picklable")
            )
    finally:
        if token is not None:
            end_record(token)
    try:
        return pickle.dumps((True, result), _PROTOCOL)
    except Exception:
        return _failed(WorkerProcessError(f"the record function's result ({type(result).__name__}) is not picklable"))


def _failed(error: WorkerProcessError) -> bytes:
    return pickle.dumps((False, error), _PROTOCOL)


class _Worker:
    __slots__ = ("batch", "connection", "process")

    def __init__(self, context: Any, fn: Callable[[Any], Any]) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, fn), daemon=True, name="lambda-toolkit-batch")
        self.process.start()
        child.close()
        self.connection = parent
        self.batch = -1  # the batch whose invocation the process was last given (none yet)

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=1)


class ProcessPool:
    """``size`` worker processes running ``fn``, each used by one thread at a time."""

    def __init__(self, fn: Callable[[Any], Any], size: int) -> None:
        self.fn = fn
        self.size = size
        self._context = multiprocessing.get_context(start_method())
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._busy: set[_Worker] = set()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self.disowned = False
        # a handler dropped (a test's) takes its processes with it
        weakref.finalize(self, _stop_all, self._workers)
        _pools.add(self)
        for _ in range(size):  # started before the worker threads: a fork from one thread
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.fn)
        self._workers.add(worker)
        return worker

    def _take(self) -> _Worker:
        with self._lock:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:  # one was stopped with a record in flight: replace it
                worker = self._start()
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            self._workers.discard(worker)
        worker.stop()

    def __call__(self, item: Any) -> Any:
        """Run the record function on ``item`` in a worker process (called from a worker
        thread of the thread runner, which classifies what it raises)."""
        current = current_record()  # made current by the thread runner's worker
        record = None if current is None else (current.index, current.record_id, current.correlation_id)
        invocation = current_invocation()
        number, carried = _NO_BATCH if invocation is None else invocation.data.get(_CARRIED_KEY, _NO_BATCH)
        worker = self._take()
        # the invocation goes with a worker's first record of the batch (or of another
        # batch running at the same time: Managed Instances run invocations side by side)
        batch = None if worker.batch == number else (carried,)
        try:
            payload = pickle.dumps((batch, record, item), _PROTOCOL)
        except Exception:
            self._give_back(worker)
            raise WorkerProcessError(
                f"the record ({type(item).__name__}) cannot be sent to a worker process: it is not picklable"
            ) from None
        worker.batch = number
        try:
            worker.connection.send_bytes(payload)
            reply = worker.connection.recv_bytes()
        except (EOFError, OSError):
            self._discard(worker)
            raise WorkerProcessError("the worker process running the record exited") from None
        try:
            succeeded, value = pickle.loads(reply)
            if succeeded is None:  # unread: nor was the invocation sent with it, send it again
                worker.batch = -1
        finally:
            self._give_back(worker)
        if succeeded:
            return value
        raise value

    def stop_busy(self) -> None:
        """Stop the processes still running a record (the batch has answered without it)."""
        with self._lock:
            busy = list(self._busy)
        for worker in busy:
            self._discard(worker)

    def disown(self) -> None:
        """Forget the worker processes without stopping them: in a forked child they are
        the parent's (stopping them would stop the parent's batches)."""
        self.disowned = True
        self._lock = threading.Lock()
        self._busy.clear()
        self._workers.clear()
        self._idle = queue.SimpleQueue()

    def close(self) -> None:
        """Stop every worker process."""
        self.stop_busy()
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                break
        _stop_all(self._workers)


def _stop_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        workers.discard(worker)
        worker.stop()


_pools: weakref.WeakSet[ProcessPool] = weakref.WeakSet()


def _disown_after_fork() -> None:
    # A pool's workers are children of the process that started it, joined to it by pipes:
    # a forked child (Lambda Managed Instances fork their workers; so may a handler) that
    # used them would mix its records with the parent's answers. It starts its own.
    for pool in list(_pools):
        pool.disown()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_disown_after_fork)


def pool_for(plan: Plan, fn: Callable[[Any], Any]) -> ProcessPool:
    """The plan's worker processes for ``fn`` (started at its first batch), ready to run
    the records of the batch starting now in its invocation."""
    pool: ProcessPool | None = plan.pool
    if pool is None or pool.fn is not fn or pool.disowned:
        if pool is not None and not pool.disowned:
            pool.close()
        assert plan.processes is not None
        pool = plan.pool = ProcessPool(fn, plan.processes)
    start_batch()
    return pool


def start_batch() -> None:
    """Take what worker processes need of the current invocation for the batch starting
    now (each is given it with its first record of the batch)."""
    invocation = current_invocation()
    if invocation is not None:
        invocation.data[_CARRIED_KEY] = (next(_numbers), carry_invocation(invocation))


def close_pool(plan: Plan) -> None:
    """Stop the plan's worker processes (``process_batch``: a plan per call)."""
    pool: ProcessPool | None = plan.pool
    if pool is not None:
        plan.pool = None
        pool.close()

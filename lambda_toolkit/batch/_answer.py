"""One batch, from its records to its answer, whatever moment ``InvocationTimeout`` lands.

The timeout guard raises ``InvocationTimeout`` from a signal handler: at any bytecode of
the batch, not only inside a record function. The record loops handle it where they
can; this module makes sure that an interruption landing anywhere else (after the loop,
while the outcome or the response is built, while the thread pool shuts down or the event
loop closes) still gives the partial response: what was done is kept, every other record
is reported failed, and Lambda does not retry the whole batch.

Each step keeps its result on the ``Answer`` object, and the callers (the ``@batch``
hook, ``process_batch``, ``process_batch_async``) call ``step`` in a loop that turns an
interruption into the interrupted path: no record is started again, the outcome is built
from what the records left, and the answer is delivered. Only the few instructions
before that loop, before any record has started, can let it through: Lambda then retries
a batch of which nothing was done.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping

from lambda_toolkit.batch._outcome import OUTCOME_KEY, BatchOutcome
from lambda_toolkit.batch._processor import Plan, Run, notify, raise_if_all_failed, run_sequential
from lambda_toolkit.core.state import current_invocation

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from lambda_toolkit.batch._concurrent import Shared

    T = TypeVar("T")

__all__ = ["Answer", "run_coroutine"]


def run_coroutine(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` to completion from sync code, even under a running event loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(awaitable)  # type: ignore[arg-type]
    # A loop already runs on this thread (an async test calling a sync handler): use a
    # helper thread with its own loop, carrying the invocation state along.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda-toolkit-batch-loop") as pool:
        return pool.submit(context.run, asyncio.run, awaitable).result()  # type: ignore[arg-type]


class Answer:
    """The steps of one batch and what each has produced so far."""

    # Class-level defaults: the constructor, which runs before the driver's loop can
    # catch anything, stays two assignments long.
    run: Run | None = None
    shared: Shared | None = None
    outcome: BatchOutcome | None = None
    interrupted = False
    notified = False
    backed_off = False

    def __init__(self, plan: Plan, event: Mapping[str, Any]) -> None:
        self.plan = plan
        self.event = event

    def step(self, record_function: Callable[[], tuple[Callable[[Any], Any], bool]]) -> BatchOutcome:
        """Take the batch as far as it can go: run the records (or, once interrupted,
        build the interrupted outcome), then conclude. ``record_function()`` gives the
        record function and whether it is async. Call it again after an
        ``InvocationTimeout``, having set ``interrupted``: it resumes where it was."""
        if self.outcome is None:
            if self.interrupted:
                self.outcome = self._interrupted_outcome()
            else:
                self.outcome = self._execute(*record_function())
        return self._conclude()

    async def step_async(self, fn: Callable[[Any], Awaitable[Any]]) -> BatchOutcome:
        """``step`` for an ``async def`` record function awaited on the running loop; the
        backoff's SQS calls (boto3, blocking) run on the package's I/O threads."""
        if self.outcome is None:
            if self.interrupted:
                self.outcome = self._interrupted_outcome()
            else:
                self.outcome = await self._execute_async(fn)
        outcome = self._notify()
        if self._backoff_due(outcome):
            from lambda_toolkit.core.threads import to_thread

            await to_thread(self._back_off, outcome)
        raise_if_all_failed(self.plan, outcome)
        return outcome

    def _prepare(self) -> Run:
        run = self.run
        if run is None:
            run = self.run = Run(self.plan, self.event)
        return run

    def _execute(self, fn: Callable[[Any], Any], is_async: bool) -> BatchOutcome:
        plan, run = self.plan, self._prepare()
        if not is_async and plan.concurrency == 1 and plan.processes is None:
            return run_sequential(run, fn)
        # threads and asyncio are only imported by functions that use them (cold start)
        from lambda_toolkit.batch._concurrent import new_shared, run_async, run_threads

        shared = self.shared = new_shared(run)
        if is_async:
            return run_coroutine(run_async(run, fn, plan.concurrency, shared))
        if plan.processes is not None:
            from lambda_toolkit.batch._processes import pool_for

            # one thread per worker process, each waiting on its process: the thread
            # runner's schedule, deadline and failure path, for CPU-bound records
            pool = pool_for(plan, fn)
            try:
                return run_threads(run, pool, plan.processes, shared)
            finally:
                pool.stop_busy()  # a record still running when the batch answers is stopped
        return run_threads(run, fn, plan.concurrency, shared)

    async def _execute_async(self, fn: Callable[[Any], Awaitable[Any]]) -> BatchOutcome:
        from lambda_toolkit.batch._concurrent import new_shared, run_async

        run = self._prepare()
        shared = self.shared = new_shared(run)
        return await run_async(run, fn, self.plan.concurrency, shared)

    def _interrupted_outcome(self) -> BatchOutcome:
        """The outcome of a batch interrupted before its outcome was built: what the
        records left is kept, every other record is reported failed."""
        run = self._prepare()
        shared = self.shared
        if shared is not None:
            shared.stop("timeout")
            return shared.close()
        run.stop("timeout")
        return run.finish()

    def _conclude(self) -> BatchOutcome:
        outcome = self._notify()
        if self._backoff_due(outcome):
            self._back_off(outcome)
        raise_if_all_failed(self.plan, outcome)
        return outcome

    def _notify(self) -> BatchOutcome:
        """Keep the outcome on the invocation and run the ``on_outcome`` hook (once)."""
        outcome = self.outcome
        assert outcome is not None
        invocation = current_invocation()
        if invocation is not None:
            invocation.data[OUTCOME_KEY] = outcome
        if not self.notified:
            self.notified = True  # the hook runs at most once, even when interrupted
            notify(self.plan, outcome)
        return outcome

    def _backoff_due(self, outcome: BatchOutcome) -> bool:
        return self.plan.backoff is not None and not self.backed_off and outcome.failed_count > 0

    def _back_off(self, outcome: BatchOutcome) -> None:
        backoff = self.plan.backoff
        assert backoff is not None
        self.backed_off = True  # once, even when interrupted; before a raise for all failed
        from lambda_toolkit.batch._backoff import backoff_outcome

        backoff_outcome(backoff, outcome)

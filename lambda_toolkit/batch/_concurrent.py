"""Running a batch concurrently: a bounded thread pool, or asyncio with bounded in-flight.

Both runners share one schedule (``_schedule``): which record a worker runs next, the
deadline and stop rules, and the failure path; a worker only calls or awaits the record
function. The sequential loop (``_processor.run_sequential``) shares the classification
and the failure path, but keeps its own flat loop: handing each record through a
schedule costs a generator switch per record, a measurable share of the hot path.

Records that must keep their order (a FIFO message group, a Kinesis partition key, a
DynamoDB item, a Kafka partition) form one unit that a single worker processes in
order; concurrency only happens across units. Workers pull units from a shared queue,
check the deadline before every record and stop starting records once a failure forbids
going on. When ``InvocationTimeout`` lands in the waiting thread, or the deadline budget
for waiting runs out, the records not finished are reported failed and the batch answers
at once (a record still running in a thread may complete later; it is redelivered, not
lost).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Hashable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from lambda_toolkit.batch._inflight import InFlight
from lambda_toolkit.batch._outcome import BatchOutcome
from lambda_toolkit.batch._processor import Run, classify, in_flight_of, record_function_code
from lambda_toolkit.batch._types import FailureReason
from lambda_toolkit.core.errors import InvocationTimeout
from lambda_toolkit.core.state import begin_record, end_record

__all__ = ["new_shared", "run_async", "run_threads"]


def _units(run: Run) -> deque[list[int]]:
    """Indexes grouped by ordering key (in batch order), or one unit per record."""
    if not run.ordered:
        return deque([index] for index in range(len(run.records)))
    key_of = run.plan.spec.order_key
    groups: dict[Hashable, list[int]] = {}
    for index, record in enumerate(run.records):
        groups.setdefault(key_of(record), []).append(index)
    return deque(groups.values())


class Shared:
    """State shared by the workers; writes are dropped once the batch has answered.

    ``aborted`` holds the first BaseException that is not an ``Exception`` (SystemExit,
    KeyboardInterrupt, GeneratorExit, a CancelledError raised by a record function): no
    record starts after it, and it is raised again once the workers have stopped.
    """

    __slots__ = ("aborted", "cancelling", "closed", "executor", "halt", "lock", "run")

    def __init__(self, run: Run) -> None:
        self.run = run
        self.lock = threading.Lock()
        self.halt = False
        self.closed = False
        self.cancelling = False
        self.aborted: BaseException | None = None
        self.executor: ThreadPoolExecutor | None = None

    def success(self, index: int, value: Any) -> None:
        with self.lock:
            if not self.closed:
                self.run.results[index] = value

    def failure(self, index: int, reason: FailureReason, error: BaseException | None) -> None:
        with self.lock:
            if not self.closed:
                self.run.failure(index, reason, error)

    def stop(self, why: Any) -> None:
        with self.lock:
            self.halt = True
            self.run.stop(why)

    def abort(self, error: BaseException) -> None:
        """Stop starting records because of ``error``, to be raised once they stopped."""
        with self.lock:
            self.halt = True
            if self.aborted is None:
                self.aborted = error

    def raise_aborted(self) -> None:
        """Raise the BaseException a record function raised, if any."""
        error = self.aborted
        if error is not None:
            self.shut_down()
            raise error

    def after_failure(self, unit: list[int], position: int) -> bool:
        """Apply the stop rule after ``unit[position]`` failed; True to leave the unit."""
        scope = self.run.scope
        if scope == "batch":
            self.stop("failure")
            return True
        if scope == "key":
            for later in unit[position + 1 :]:
                self.failure(later, "skipped", None)
            return True
        return False

    def shut_down(self) -> None:
        """Let the thread pool go: what is done is done, what still runs is not waited for."""
        executor = self.executor
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> BatchOutcome:
        """Build the outcome; later writes of records still running are dropped."""
        self.shut_down()
        with self.lock:
            self.closed = True
            self.halt = True
            failed = dict(self.run.failed)
        return self.run.finish(failed)


def _next_unit(shared: Shared, units: deque[list[int]]) -> list[int] | None:
    if shared.halt:
        return None
    try:
        return units.popleft()
    except IndexError:
        return None


def _schedule(shared: Shared, run: Run, units: deque[list[int]], code: Any) -> Generator[int, Exception | None, None]:
    """One worker's records, for threads and asyncio alike: yields the index of each
    record to run, and is sent back what the record raised (None for a success).

    The deadline is checked before every record, no record starts once the batch halted,
    and a failure is classified as the sequential loop does, then stops its unit (an
    ordered key), the whole batch or nothing, as the stop rules say. The worker only
    calls (or awaits) the record function: the one difference between the two runners.
    """
    while (unit := _next_unit(shared, units)) is not None:
        for position, index in enumerate(unit):
            if shared.halt:
                return
            if run.reached():
                shared.stop("timeout" if run.interrupted else "deadline")
                return
            error = yield index
            if error is None:
                continue
            reason, reported, stop = classify(run, index, error, code)
            shared.failure(index, reason, reported)
            if stop:  # the timeout guard interrupted the record: the whole run stops
                shared.stop("timeout")
                return
            if shared.after_failure(unit, position):
                break


def _move(current: InFlight, index: int, listed: dict[int, Any]) -> None:
    """Make record ``index`` the worker's current record, listed in flight."""
    current.index = index
    current.record_id = current.record_ids[index]
    listed[index] = current


def run_threads(run: Run, fn: Callable[[Any], Any], workers: int, shared: Shared) -> BatchOutcome:
    """Process the batch on at most ``workers`` threads."""
    units = _units(run)
    records, convert = run.records, run.plan.convert
    listed = in_flight_of(run)  # the invocation's records_in_flight
    code = record_function_code(fn)

    def work() -> None:
        schedule = _schedule(shared, run, units, code)
        current = InFlight(run)  # this worker's current record, in its own context (see _inflight)
        token = None
        try:
            index = next(schedule)
            _move(current, index, listed)
            token = begin_record(current)
            while True:  # run the record, hand its outcome back, get the next one
                _move(current, index, listed)
                try:
                    shared.success(index, fn(convert(records[index])))
                except Exception as exc:
                    index = schedule.send(exc)  # (the record is current while its failure is logged)
                    continue
                finally:
                    listed.pop(current.index, None)
                index = schedule.send(None)
        except StopIteration:
            pass
        except BaseException as exc:  # SystemExit, KeyboardInterrupt...: raised in the handler's thread
            shared.abort(exc)
        finally:
            if token is not None:
                end_record(token)

    count = max(1, min(workers, len(units)))
    executor = shared.executor = ThreadPoolExecutor(max_workers=count, thread_name_prefix="lambda-toolkit-batch")
    futures = [executor.submit(contextvars.copy_context().run, work) for _ in range(count)]
    # InvocationTimeout landing here reaches Answer.drive, which stops and closes the run
    _, running = wait(futures, timeout=run.wait_budget())
    if running:
        shared.stop("deadline")
    shared.raise_aborted()
    return shared.close()


def new_shared(run: Run) -> Shared:
    """The shared state of a concurrent run (made by the caller of ``run_threads`` and
    ``run_async`` so that it can still answer when ``InvocationTimeout`` escapes them)."""
    return Shared(run)


def _being_cancelled(shared: Shared) -> bool:
    """True when the current worker task is being cancelled (by the processor answering,
    or from outside), not stopped by a CancelledError its record function raised."""
    if shared.cancelling:
        return True
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return cancelling is not None and cancelling() > 0


async def run_async(run: Run, fn: Callable[[Any], Awaitable[Any]], in_flight: int, shared: Shared) -> BatchOutcome:
    """Await the record coroutines with at most ``in_flight`` running at once."""
    units = _units(run)
    records, convert = run.records, run.plan.convert
    listed = in_flight_of(run)  # the invocation's records_in_flight
    code = record_function_code(fn)

    async def work() -> None:
        schedule = _schedule(shared, run, units, code)
        current = InFlight(run)  # this task's current record, in its own context
        token = None
        try:
            index = next(schedule)
            _move(current, index, listed)
            token = begin_record(current)
            while True:  # as run_threads' worker, awaiting the record
                _move(current, index, listed)
                try:
                    shared.success(index, await fn(convert(records[index])))
                except Exception as exc:
                    index = schedule.send(exc)
                    continue
                finally:
                    listed.pop(current.index, None)
                index = schedule.send(None)
        except StopIteration:
            pass
        except InvocationTimeout:  # the timeout guard's signal landed between two records
            shared.stop("timeout")
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and _being_cancelled(shared):
                raise
            shared.abort(exc)
        finally:
            if token is not None:
                end_record(token)

    count = max(1, min(in_flight, len(units)))
    tasks = [asyncio.ensure_future(work()) for _ in range(count)]
    try:
        _, running = await asyncio.wait(tasks, timeout=run.wait_budget())
        if running:
            shared.stop("deadline")
    finally:
        shared.cancelling = True
        for task in tasks:
            task.cancel()
    shared.raise_aborted()
    return shared.close()

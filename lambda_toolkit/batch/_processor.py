"""Running a record function over a batch, one record at a time, with the stop rules.

A ``Plan`` is built once (options checked, model adapter made); ``Run`` is one batch:
the records, their ids, a result slot per record and the failures by index. The
sequential loop is the hot path of the package and is kept flat. Whatever stops the
loop (a failure that order forbids passing, the deadline margin, ``InvocationTimeout``
raised into the record function or between two records), every record not processed is
reported failed: nothing is silently dropped.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from types import CodeType

from lambda_toolkit.batch._convert import InvalidPayloadError
from lambda_toolkit.batch._errors import BatchProcessingError, DeadlineMarginError, RecordValidationError
from lambda_toolkit.batch._inflight import InFlight
from lambda_toolkit.batch._outcome import BatchOutcome
from lambda_toolkit.batch._records import RecordConverter
from lambda_toolkit.core.correlation import DEFAULT_NAMES
from lambda_toolkit.core.errors import InvocationTimeout
from lambda_toolkit.core.state import begin_record, current_invocation, end_record

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from lambda_toolkit.batch._backoff import Backoff
    from lambda_toolkit.batch._convert import Converter
    from lambda_toolkit.batch._sources import SourceSpec
    from lambda_toolkit.batch._types import FailureEntry, FailureReason, ItemId, StoppedBy, StopScope

__all__ = [
    "PENDING",
    "Plan",
    "Run",
    "from_record_function",
    "in_flight_of",
    "log_failure",
    "notify",
    "raise_if_all_failed",
    "record_function_code",
    "classify",
    "run_sequential",
]

log = logging.getLogger("lambda_toolkit.batch")
_monotonic = time.monotonic
_NEVER = float("inf")


class _Outside:
    """The invocation state outside an invocation: never interrupted."""

    __slots__ = ()
    interrupted = False


_OUTSIDE = _Outside()


class _Pending:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<pending>"


PENDING: Any = _Pending()


class Plan:
    """The checked options of one ``batch()`` / ``process_batch()`` set-up."""

    __slots__ = (
        "all_failed",
        "backoff",
        "concurrency",
        "convert",
        "correlation_names",
        "deadline_margin_ms",
        "fifo_stop",
        "on_outcome",
        "pool",
        "processes",
        "spec",
        "stop_on_first_failure",
        "where",
    )

    def __init__(
        self,
        *,
        where: str,
        spec: SourceSpec,
        convert: Converter,
        concurrency: int,
        stop_on_first_failure: bool,
        fifo_stop: Literal["batch", "group"],
        all_failed: Literal["raise", "report"],
        deadline_margin_ms: float,
        on_outcome: Callable[[BatchOutcome], object] | None,
        backoff: Backoff | None = None,
        processes: int | None = None,
        correlation_names: frozenset[str] = DEFAULT_NAMES,
    ) -> None:
        self.where = where
        self.spec = spec
        self.convert = convert
        self.concurrency = concurrency
        self.stop_on_first_failure = stop_on_first_failure
        self.fifo_stop = fifo_stop
        self.all_failed = all_failed
        self.deadline_margin_ms = deadline_margin_ms
        self.on_outcome = on_outcome
        self.backoff = backoff
        self.processes = processes
        self.correlation_names = correlation_names  # the attribute names read on each record
        self.pool: Any = None  # the worker processes of a @batch handler (processes=), kept across batches


class Run:
    """One batch in progress: the records, their ids and what happened to each."""

    __slots__ = (
        "clock",
        "failed",
        "fifo",
        "ids",
        "invocation",
        "key_of",
        "plan",
        "record_ids",
        "records",
        "results",
        "scope",
        "stop_at",
        "stopped_by",
    )

    def __init__(self, plan: Plan, event: Mapping[str, Any]) -> None:
        spec = plan.spec
        self.plan = plan
        # The deadline and the timeout guard's flag are fields of the core invocation
        # state; the deadline is an instant on the invocation's own clock, fixed once known.
        invocation = current_invocation()
        self.invocation: Any = _OUTSIDE if invocation is None else invocation
        self.clock: Callable[[], float] = _monotonic if invocation is None else invocation.clock
        self.stop_at = _NEVER
        deadline = None if invocation is None else invocation.deadline
        if invocation is not None and deadline is not None:
            margin = plan.deadline_margin_ms / 1000.0
            self.stop_at = deadline - margin
            # before anything runs (the batch is retried): a margin not below the whole
            # time the invocation had (whole milliseconds, as the context reports them)
            whole_ms = float(int((deadline - invocation.started) * 1000.0))
            if margin > 0 and plan.deadline_margin_ms >= whole_ms:
                raise DeadlineMarginError(plan.where, plan.deadline_margin_ms, whole_ms)
        self.records: list[Mapping[str, Any]] = spec.records(event)
        self.ids: Sequence[ItemId] = spec.ids(self.records)
        self.record_ids: Sequence[str] = spec.record_ids(self.ids)  # the ids as text (the same for all but Kafka)
        self.fifo = spec.is_fifo(self.records)
        self.results: list[Any] = [PENDING] * len(self.records)
        self.failed: dict[int, FailureEntry] = {}
        self.stopped_by: StoppedBy | None = None
        self.scope: StopScope
        self.key_of: Callable[[Mapping[str, Any]], Hashable]
        if self.fifo:
            self.scope = "key" if plan.fifo_stop == "group" else "batch"
            self.key_of = spec.order_key
        elif plan.stop_on_first_failure:
            self.scope = "key" if spec.name == "kafka" else "batch"
            self.key_of = spec.checkpoint_key
        else:
            self.scope = "none"
            self.key_of = spec.checkpoint_key

    @property
    def interrupted(self) -> bool:
        """True once a timeout guard has flagged the invocation as interrupted."""
        return bool(self.invocation.interrupted)

    def reached(self) -> bool:
        """True when no more records may start: the margin is reached or a guard interrupted."""
        return bool(self.invocation.interrupted) or self.clock() >= self.stop_at

    def wait_budget(self) -> float | None:
        """Seconds the processor may still wait for records in flight before it must
        answer: until half the margin is left. None without a deadline."""
        if self.stop_at == _NEVER:
            return None
        half = self.plan.deadline_margin_ms / 2000.0
        return max(0.0, self.stop_at + half - self.clock())

    @property
    def ordered(self) -> bool:
        """True when some records must keep their relative order."""
        return self.fifo or self.plan.spec.ordered

    def stop(self, why: StoppedBy) -> None:
        """Remember the first reason processing stopped early."""
        if self.stopped_by is None:
            self.stopped_by = why

    def invalid(self, index: int, error: InvalidPayloadError) -> RecordValidationError:
        """The RecordValidationError of a payload a converter rejected."""
        return RecordValidationError(self.plan.spec.name, self.ids[index], error.model, error.errors)

    def failure(self, index: int, reason: FailureReason, error: BaseException | None) -> None:
        """Record a failed record; one that raised is logged (id, index, exception type)."""
        self.failed[index] = (reason, error)
        if error is not None:
            log_failure(self.plan.spec.name, self.ids[index], index, reason, error)

    def finish(
        self,
        failed: dict[int, FailureEntry] | None = None,
        *,
        complete: bool = False,
        in_order: bool = False,
    ) -> BatchOutcome:
        """Report every record without a result as failed, then build the outcome.

        ``complete``: every record is known to have a result or a failure (skip the scan).
        ``in_order``: the failures were recorded in index order (the sequential loop), and
        the records not started all come after them: no sort is needed.
        """
        failed = self.failed if failed is None else failed
        results = self.results
        if not complete:
            reason: FailureReason = "skipped" if self.stopped_by in (None, "failure") else "deadline"
            for index, value in enumerate(results):
                if value is PENDING and index not in failed:
                    failed[index] = (reason, None)
        spec = self.plan.spec
        outcome = BatchOutcome(
            spec.name,
            self.ids,
            self.records,
            results,
            failed,
            fifo=self.fifo,
            stopped_by=self.stopped_by,
            in_order=in_order,
        )
        if outcome.failed_count:
            _log_summary(outcome)
        return outcome


def _describe_id(item_id: ItemId) -> str:
    if isinstance(item_id, dict):  # Kafka
        return f"partition {item_id.get('partition')} offset {item_id.get('offset')}"
    return str(item_id)


_FAILED_LINE = "%s record %s (index %d) failed (%s): %s"


def log_failure(source: str, item_id: ItemId, index: int, reason: FailureReason, error: BaseException) -> None:
    """Log a record that raised: its id, index, reason and exception type. Never the
    exception's message (it may quote the payload) nor, for an invalid record, its field
    paths (a path may hold a key of the payload).

    A batch can log thousands of these lines, so the record is made (by the current log
    record factory) and handed to the logger's handlers directly: ``Logger.warning``
    would also walk the stack to find its caller (a third of the line's cost), which is
    always this function, and copy an ``extra`` dict.
    """
    if log.isEnabledFor(logging.WARNING):
        name = type(error).__name__
        record = logging.getLogRecordFactory()(
            log.name,
            logging.WARNING,
            __file__,
            _LOG_LINE,
            _FAILED_LINE,
            (source, _describe_id(item_id), index, reason, name),
            None,
            "log_failure",
        )
        record.batch_item_index = index
        record.batch_failure = reason
        record.batch_error = name
        log.handle(record)


_LOG_LINE = log_failure.__code__.co_firstlineno


def _log_summary(outcome: BatchOutcome) -> None:
    """One line per batch with failures: a WARNING when the batch was cut short by time."""
    early = outcome.stopped_by in ("deadline", "timeout")
    level = logging.WARNING if early else logging.INFO
    if not log.isEnabledFor(level):
        return
    reasons = ", ".join(f"{reason}: {count}" for reason, count in outcome.failure_counts().items())
    log.log(
        level,
        "%s batch%s: %d of %d records failed (%s)",
        outcome.source,
        " stopped before its deadline" if early else "",
        outcome.failed_count,
        outcome.total,
        reasons,
    )


def record_function_code(fn: Callable[..., Any]) -> CodeType | None:
    """The code of the record function's own frame (seen through ``functools.partial``;
    for a callable object, its ``__call__``), None when it is not written in Python (its
    frame cannot be told apart then)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is None:  # a callable object: its class's __call__ (a slot wrapper for built-ins: no code)
        code = getattr(type(fn).__call__, "__code__", None)
    return code if isinstance(code, CodeType) else None


def from_record_function(error: Exception, code: CodeType | None = None) -> Exception:
    """Start ``error``'s traceback at the record function, dropping the processor's frame:
    the traceback shows the user's code first, and holds no reference cycle through the
    loop's frame, so a batch with 1,000 failures leaves no garbage for the collector.

    When that first frame is the record function's own (it runs ``code``; it has returned,
    by raising), its local variables are released: the traceback keeps the file, line and
    function name, but a failed record no longer keeps its record, decoded payload and
    whatever else the function held alive until the outcome is dropped.
    """
    traceback = error.__traceback__
    if traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
        error.__traceback__ = traceback
        if traceback.tb_frame.f_code is code:
            traceback.tb_frame.clear()
    return error


def notify(plan: Plan, outcome: BatchOutcome) -> None:
    """Hand the outcome to the ``on_outcome`` hook; a failing hook is logged, never raised."""
    if plan.on_outcome is not None:
        try:
            plan.on_outcome(outcome)
        except Exception as exc:  # the records are done: a failing hook must not redo them
            log.error(
                "%s batch: on_outcome hook raised %s; the batch response is kept", plan.spec.name, type(exc).__name__
            )


def raise_if_all_failed(plan: Plan, outcome: BatchOutcome) -> None:
    """Raise BatchProcessingError when every record failed (with ``all_failed="raise"``),
    unless the batch was cut short by time: its report is the point of stopping early."""
    if plan.all_failed == "raise" and outcome.all_failed and outcome.stopped_by not in ("deadline", "timeout"):
        error = BatchProcessingError(outcome)
        raise error from outcome.first_error()


def classify(run: Run, index: int, error: Exception, code: CodeType | None) -> tuple[FailureReason, Exception, bool]:
    """What an exception out of record ``index`` means, for every runner: the reason, the
    error to report, and whether the whole batch must stop (the timeout guard interrupted
    the record)."""
    if isinstance(error, InvocationTimeout):
        return "interrupted", error, True
    if isinstance(error, InvalidPayloadError):
        return "invalid", run.invalid(index, error), False
    if isinstance(error, RecordValidationError):
        return "invalid", error, False
    return "error", from_record_function(error, code), False


def in_flight_of(run: Run) -> dict[int, Any]:
    """The invocation's ``records_in_flight`` (a dict nobody reads outside an invocation)."""
    invocation = run.invocation
    return {} if invocation is _OUTSIDE else invocation.records_in_flight


def run_sequential(run: Run, fn: Callable[[Any], Any]) -> BatchOutcome:
    """Process the records in batch order on the calling thread: the hot path of the
    package, kept flat.

    Per record: one clock read against a precomputed cut-off and one read of the timeout
    guard's flag, the record made current (the loop's ``InFlight`` moved to it and listed
    in flight; its correlation id is read only if asked), the record (a light record's two
    C calls inlined, or the model converter), the call. The record stays current until
    its failure is logged. A failure of an ordinary exception class is stored as the bare
    exception (one set look-up tells it from the library's own); nothing is built for a
    success (the outcome does it lazily). The stop rules (FIFO, ``stop_on_first_failure``)
    cost one truth test per record when they are off.
    """
    records, ids, results, failed = run.records, run.ids, run.results, run.failed
    convert = run.plan.convert
    typed = isinstance(convert, RecordConverter)
    lazy: Any = convert.lazy if isinstance(convert, RecordConverter) else None
    write: Any = convert.write if isinstance(convert, RecordConverter) else None
    stop_at, clock, invocation = run.stop_at, run.clock, run.invocation
    scope, key_of = run.scope, run.key_of
    stopping = scope != "none"
    stopped_keys: set[Hashable] = set()
    code = record_function_code(fn)
    warn = log.isEnabledFor(logging.WARNING)
    source = run.plan.spec.name
    plain: set[type[BaseException]] = set()  # exception classes seen that are not the library's own
    current = InFlight(run)
    record_ids = current.record_ids
    in_flight = in_flight_of(run)
    token = None  # the loop's InFlight is made current at the first record, once
    try:
        for index, record in enumerate(records):
            if clock() >= stop_at or invocation.interrupted:
                run.stop("timeout" if invocation.interrupted else "deadline")
                break
            if stopped_keys and key_of(record) in stopped_keys:
                failed[index] = ("skipped", None)
                continue
            current.index = index
            current.record_id = record_ids[index]
            if token is None:
                token = begin_record(current)
            in_flight[index] = current
            try:
                if typed:
                    item = lazy()
                    write(item, record)
                else:
                    item = convert(record)
                results[index] = fn(item)
                continue
            except Exception as exc:
                if exc.__class__ in plain:
                    # from_record_function, inlined
                    traceback = exc.__traceback__.tb_next  # type: ignore[union-attr]
                    if traceback is not None:
                        exc.__traceback__ = traceback
                        if traceback.tb_frame.f_code is code:
                            traceback.tb_frame.clear()
                    failed[index] = exc  # a bare exception: reason "error"
                    if warn:
                        log_failure(source, ids[index], index, "error", exc)
                else:
                    reason, error, stop = classify(run, index, exc, code)
                    if reason == "error":
                        plain.add(exc.__class__)
                    run.failure(index, reason, error)
                    if stop:
                        run.stop("timeout")
                        break
            finally:
                in_flight.pop(index, None)
            if stopping:
                if scope == "batch":
                    run.stop("failure")
                    break
                stopped_keys.add(key_of(record))
    except InvocationTimeout:  # the timeout guard's signal landed between two records
        run.stop("timeout")
    finally:
        if token is not None:
            end_record(token)
    return run.finish(complete=run.stopped_by is None, in_order=True)

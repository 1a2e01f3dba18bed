"""The per-invocation state: one Invocation per handler call, held in a ContextVar.

It is the only channel between the utilities: the logger reads the correlation id from
it, batch and idempotency read the deadline, the timeout guard sets the interruption
flag. A ContextVar keeps concurrent invocations (threads, asyncio tasks, Lambda Managed
Instances running several invocations in one environment) apart.
"""

from __future__ import annotations

import os
import sys
import time
from contextvars import ContextVar
from threading import Lock

# typing costs milliseconds at cold start and every utility pays for what the core
# imports; threading is free on Lambda (its runtime client has already imported it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextvars import Token
    from typing import Any, TypeVar

    from lambda_toolkit.core.context import LambdaContext

    RestoreCallback = TypeVar("RestoreCallback", bound=Callable[[], object])

__all__ = [
    "CarriedInvocation",
    "CarriedState",
    "Invocation",
    "RecordInFlight",
    "begin_durable_invocation",
    "begin_invocation",
    "begin_record",
    "carry_invocation",
    "carry_state",
    "clock_of",
    "current_invocation",
    "current_record",
    "end_invocation",
    "end_record",
    "enter_carried_invocation",
    "get_correlation_id",
    "on_restore",
    "mark_restored",
    "reset_cold_start",
    "set_correlation_id",
]


_UNSET: Any = object()


class Invocation:
    """What the core knows about the invocation in progress.

    Time is read on ``clock``: the context's own monotonic clock when its class defines
    ``monotonic()`` (``FakeContext(clock=...)`` does, so a test's fake clock drives every
    deadline of the library), else ``time.monotonic``. ``started`` and ``deadline`` are
    instants on that clock; ``deadline`` is derived from the context's remaining time
    (computed on first use: the instant does not depend on when it is computed) and
    ``remaining_ms()`` is what is left of it now.

    Fields the utilities share (each set by one layer, read by any):

    - ``interrupted``: True once a timeout guard reached its margin (it stops the handler,
      batch starts no more records, tracing marks the span, logging says so);
    - ``route``: the HTTP route template being served (e.g. ``"GET /orders/{order_id}"``),
      set by ``lambda_toolkit.http``'s App, None otherwise;
    - ``durable``: the ``DurableContext`` of a durable function's handler (AWS's durable
      execution SDK; see ``core.durable``), None otherwise; ``execution_arn`` the ARN of
      its durable execution (the same in every invocation of one execution), ``replaying``
      True while the handler re-runs code whose operations are already checkpointed (a
      replay after a wait or a failure), and ``suspended`` True once the SDK suspended the
      invocation (a wait: the execution goes on in a later invocation, nothing failed);
    - ``fallback_response``: the answer a timeout guard gave in place of the handler's own
      result (None until one does): a layer that keeps results (idempotency) must not keep
      that one;
    - ``calls_interrupt_at``: the ``time.monotonic()`` instant (real time: it plans real
      timers) a timeout guard that cannot interrupt the handler (no signal in its thread)
      wants AWS SDK calls stopped at (None when none does; see ``core.aws``);
    - ``records_in_flight``: the batch records being processed now, by index (set through
      ``begin_record``/``end_record``): what another thread (a timeout post-mortem) can see
      of them, where ``current_record()`` only sees its own thread's or task's;
    - ``restored``: True for the first invocation after a SnapStart restore (set by
      ``begin_invocation`` once ``mark_restored`` was called: ``core.snapstart`` does it
      after the restore), False otherwise; that invocation is the cold start too.

    ``data`` is a scratch space for per-invocation caches of one utility (keys prefixed
    with the utility name); anything two utilities share is a field above.
    """

    __slots__ = (
        "_deadline",
        "calls_interrupt_at",
        "clock",
        "cold_start",
        "context",
        "correlation_id",
        "data",
        "durable",
        "event",
        "execution_arn",
        "fallback_response",
        "interrupted",
        "records_in_flight",
        "request_id",
        "restored",
        "route",
        "started",
        "suspended",
    )

    def __init__(
        self,
        event: Any,
        context: LambdaContext,
        *,
        cold_start: bool,
        started: float | None = None,
        clock: Callable[[], float] | None = None,
        restored: bool = False,
    ) -> None:
        self.event = event
        self.context = context
        self.request_id: str = getattr(context, "aws_request_id", "")
        self.cold_start = cold_start
        self.restored = restored
        if clock is None:
            clock = clock_of(context)
        self.clock: Callable[[], float] = clock
        self.started: float = clock() if started is None else started
        self.correlation_id: str | None = None
        self.data: dict[str, Any] = {}
        self.interrupted = False
        self.route: str | None = None
        self.fallback_response: Any = None
        self.calls_interrupt_at: float | None = None
        self.durable: Any = None
        self.execution_arn: str | None = None
        self.suspended = False
        self.records_in_flight: dict[int, RecordInFlight] = {}
        self._deadline: float | None = _UNSET

    @property
    def deadline(self) -> float | None:
        """The instant (on ``clock``) the invocation ends, or None when the context cannot tell."""
        if self._deadline is _UNSET:
            self._deadline = _deadline_of(self.context, self.clock())
        return self._deadline

    @property
    def replaying(self) -> bool:
        """True while a durable handler re-runs code whose operations are already
        checkpointed (asked of the ``DurableContext`` the running code belongs to, the
        handler's or a child context's, each time: it turns False where the replay reaches
        new code); always False outside durable functions."""
        durable = self.durable
        if durable is None or not durable.is_replaying():
            return False
        from lambda_toolkit.core.durable import innermost_replaying  # durable functions only

        # A child context of the handler's may be past its own replay already.
        found = innermost_replaying()
        return True if found is None else found

    def remaining_ms(self) -> float | None:
        """Milliseconds left before the deadline (never negative), or None if unknown."""
        deadline = self.deadline
        if deadline is None:
            return None
        return max(0.0, (deadline - self.clock()) * 1000.0)

    def elapsed_ms(self) -> float:
        """Milliseconds since the invocation began (on ``clock``)."""
        return (self.clock() - self.started) * 1000.0

    def __repr__(self) -> str:
        return f"Invocation(request_id={self.request_id!r}, cold_start={self.cold_start})"


def clock_of(context: object) -> Callable[[], float]:
    """The monotonic clock ``context`` measures its remaining time on: its bound
    ``monotonic`` method when its class defines one (``FakeContext``), else ``time.monotonic``.

    The class is asked, not the instance, so a ``MagicMock`` context (which invents any
    attribute) keeps the real clock.
    """
    kind = type(context)
    own = _own_clock.get(kind)
    if own is None:
        # A failed getattr costs an exception: asked once per context class. (Bounded:
        # MagicMock makes a class per instance.)
        if len(_own_clock) >= 64:
            _own_clock.clear()
        own = _own_clock[kind] = getattr(kind, "monotonic", None) is not None
    if not own:
        return time.monotonic
    clock: Callable[[], float] = context.monotonic  # type: ignore[attr-defined]
    return clock


_own_clock: dict[type, bool] = {}


_current: ContextVar[Invocation | None] = ContextVar("lambda_toolkit_invocation", default=None)
_cold_start_lock = Lock()
_cold_start_pending = True


def _take_cold_start() -> bool:
    global _cold_start_pending
    if not _cold_start_pending:
        return False
    with _cold_start_lock:
        first, _cold_start_pending = _cold_start_pending, False
    # Provisioned concurrency initialises the sandbox ahead of any request, so no
    # invocation of it pays the cold start.
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency":
        return False
    return first


def reset_cold_start() -> None:
    """Make the next invocation count as the cold start again, and not as restored (for tests)."""
    global _cold_start_pending, _restore_pending
    with _cold_start_lock:
        _cold_start_pending = True
        _restore_pending = False


_restore_pending = False


def mark_restored() -> None:
    """Make the next invocation the first after a SnapStart restore: ``restored`` and the
    cold start (called by ``core.snapstart`` after the restore). The cold start is armed
    again because the snapshot may have been taken after invocations made during init
    (priming): the restored sandbox has served none."""
    global _cold_start_pending, _restore_pending
    with _cold_start_lock:
        _cold_start_pending = True
        _restore_pending = True


def _take_restored() -> bool:
    global _restore_pending
    with _cold_start_lock:
        restored, _restore_pending = _restore_pending, False
    return restored


def _cold_start_after_fork() -> None:
    # A forked child is a process of its own (Lambda Managed Instances fork their workers,
    # a handler may fork with multiprocessing): its first invocation is its cold start. The
    # lock is new: another thread of the parent may have held it at the fork.
    global _cold_start_lock, _cold_start_pending
    _cold_start_lock = Lock()
    _cold_start_pending = True


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_cold_start_after_fork)


def _deadline_of(context: LambdaContext, now: float) -> float | None:
    try:
        remaining = context.get_remaining_time_in_millis()
    except Exception:  # a test double that cannot tell: the deadline is unknown
        return None
    if not isinstance(remaining, (int, float)) or isinstance(remaining, bool):
        return None
    return now + max(0.0, float(remaining)) / 1000.0


def begin_invocation(event: Any, context: LambdaContext) -> tuple[Invocation, Token[Invocation | None] | None]:
    """Make (event, context) the current invocation.

    When the same event and context are already current (a decorated handler calling
    another decorated layer of itself), the existing invocation is reused and the token
    is None, so that ``end_invocation`` leaves it in place.
    """
    existing = _current.get()
    if existing is not None and existing.event is event and existing.context is context:
        return existing, None
    clock = clock_of(context)
    invocation = Invocation(
        event,
        context,
        cold_start=_take_cold_start(),
        started=clock(),
        clock=clock,
        restored=_restore_pending and _take_restored(),
    )
    return invocation, _current.set(invocation)


_durable_seen = False  # set by the first durable invocation of the process


def begin_durable_invocation(event: Any, durable: Any) -> tuple[Invocation, Token[Invocation | None] | None]:
    """Make a durable handler's call, ``(input, DurableContext)``, the current invocation:
    its context is the Lambda context the ``DurableContext`` carries (request id, function,
    remaining time), its ``durable``, ``execution_arn`` and ``replaying`` fields say which
    execution it serves and whether it is replaying."""
    from lambda_toolkit.core.durable import execution_arn_of, track  # durable functions only

    global _durable_seen
    _durable_seen = True
    invocation, token = begin_invocation(event, durable.lambda_context)
    if invocation.durable is None:
        invocation.durable = durable
        invocation.execution_arn = execution_arn_of(durable)
        track(invocation)
    return invocation, token


def end_invocation(token: Token[Invocation | None] | None) -> None:
    """Restore the state that was current before ``begin_invocation``."""
    if token is not None:
        if _durable_seen:  # a classic function never pays for the check
            ending = _current.get()
            if ending is not None and ending.durable is not None:
                from lambda_toolkit.core.durable import untrack

                untrack(ending)
        _current.reset(token)


def current_invocation() -> Invocation | None:
    """The invocation in progress in this thread or task, or None outside one.

    In a durable function, code on the SDK's own threads (``map`` and ``parallel``
    branches: they do not carry the caller's context variables) belongs to the handler's
    invocation too: it is found through the ``DurableContext`` the code was handed.
    """
    invocation = _current.get()
    if invocation is None and _DURABLE_SDK in sys.modules:
        from lambda_toolkit.core.durable import invocation_of_code

        found: Invocation | None = invocation_of_code()
        return found
    return invocation


_DURABLE_SDK = "aws_durable_execution_sdk_python.context"


def get_correlation_id() -> str | None:
    """The correlation id in effect: the current batch record's own when it has one,
    else the current invocation's; None outside an invocation."""
    record = _record.get()
    if record is not None and record.correlation_id is not None:
        return record.correlation_id
    invocation = _current.get()
    return None if invocation is None else invocation.correlation_id


def set_correlation_id(value: str | None) -> None:
    """Set the correlation id in effect: the current batch record's while one runs (the
    record's own id would hide the invocation's), else the current invocation's (no
    effect outside one)."""
    record = _record.get()
    if record is not None:
        record.correlation_id = value
        return
    invocation = _current.get()
    if invocation is not None:
        invocation.correlation_id = value


class RecordInFlight:
    """One batch record being processed: its position in the batch, its id (message id,
    sequence number, offset...) and its own correlation id (None when it carries none: the
    invocation's applies)."""

    __slots__ = ("correlation_id", "index", "record_id")

    def __init__(self, index: int, record_id: str, correlation_id: str | None = None) -> None:
        self.index = index
        self.record_id = record_id
        self.correlation_id = correlation_id

    def __repr__(self) -> str:
        return f"RecordInFlight(index={self.index}, record_id={self.record_id!r})"


_record: ContextVar[RecordInFlight | None] = ContextVar("lambda_toolkit_record", default=None)


def begin_record(record: RecordInFlight) -> Token[RecordInFlight | None]:
    """Make ``record`` the current record of this thread or task (and list it in the
    current invocation's ``records_in_flight``) until ``end_record``."""
    invocation = _current.get()
    if invocation is not None:
        invocation.records_in_flight[record.index] = record
    return _record.set(record)


def end_record(token: Token[RecordInFlight | None]) -> None:
    """Undo ``begin_record``: the record is no longer current nor in flight."""
    record = _record.get()
    _record.reset(token)
    invocation = _current.get()
    if record is not None and invocation is not None:
        invocation.records_in_flight.pop(record.index, None)


def current_record() -> RecordInFlight | None:
    """The batch record this thread or task is processing, or None."""
    return _record.get()


# --- carrying an invocation into a worker process (batch's processes=) ---------------------


class CarriedInvocation:
    """What a worker process needs of an invocation to run code in its likeness: plain,
    picklable values taken in the parent (``carry_invocation``) and made an invocation in
    the worker (``enter_carried_invocation``), of which it is also the Lambda context.

    The deadline and start travel as instants on ``time.monotonic``: on Linux (so Lambda)
    it reads ``CLOCK_MONOTONIC``, one clock for every process of the machine (macOS and
    Windows clocks are system-wide too). ``identity`` and ``client_context`` stay behind
    (None): objects of the runtime. So does the event (the whole batch would cross the
    pipe) and a durable function's ``DurableContext`` (its ``execution_arn`` goes along).
    """

    __slots__ = (
        "aws_request_id",
        "client_context",
        "cold_start",
        "correlation_id",
        "deadline_at",
        "execution_arn",
        "function_name",
        "function_version",
        "identity",
        "interrupted",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "restored",
        "route",
        "started_at",
        "states",
        "tenant_id",
        "trace_header",
    )

    def __init__(self, invocation: Invocation) -> None:
        context = invocation.context
        self.function_name = _plain(getattr(context, "function_name", ""))
        self.function_version = _plain(getattr(context, "function_version", ""))
        self.invoked_function_arn = _plain(getattr(context, "invoked_function_arn", ""))
        self.memory_limit_in_mb = _plain(getattr(context, "memory_limit_in_mb", None))
        self.aws_request_id = invocation.request_id
        self.log_group_name = _plain(getattr(context, "log_group_name", ""))
        self.log_stream_name = _plain(getattr(context, "log_stream_name", ""))
        self.tenant_id = _plain(getattr(context, "tenant_id", None))
        self.identity: Any = None
        self.client_context: Any = None
        self.cold_start = invocation.cold_start
        self.restored = invocation.restored
        self.correlation_id = _plain(invocation.correlation_id)
        self.interrupted = invocation.interrupted
        self.route = invocation.route
        self.execution_arn = invocation.execution_arn
        now = time.monotonic()
        remaining = invocation.remaining_ms()
        # re-based on the real clock: a test's fake clock is the parent's alone
        self.deadline_at: float | None = None if remaining is None else now + remaining / 1000.0
        self.started_at = now - invocation.elapsed_ms() / 1000.0
        from lambda_toolkit.core.env import trace_header

        self.trace_header = trace_header()
        self.states = _carried_states()

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the carried invocation's deadline."""
        if self.deadline_at is None:
            from lambda_toolkit.core.errors import LambdaToolkitError

            raise LambdaToolkitError("the remaining time of the invocation this worker process runs in is unknown")
        return max(0, int((self.deadline_at - time.monotonic()) * 1000.0))

    def __repr__(self) -> str:
        return f"CarriedInvocation(request_id={self.aws_request_id!r}, cold_start={self.cold_start})"


def _plain(value: Any) -> Any:
    # only what pickles as itself crosses: anything else (a test double's attribute) is its text
    return value if value is None or type(value) in (str, int, float, bool) else str(value)


def carry_invocation(invocation: Invocation | None) -> CarriedInvocation | None:
    """What a worker process needs of ``invocation`` (None: no invocation), taken now."""
    return None if invocation is None else CarriedInvocation(invocation)


def enter_carried_invocation(carried: CarriedInvocation | None) -> None:
    """In a worker process, make the invocation ``carried`` was taken from current (none when
    None) for the code the process runs next, in place of the one it was forked in: same
    request id, cold start, restored, correlation id, interruption, route, deadline, X-Ray
    trace header, and the states registered with ``carry_state`` (a logger's keys). Its
    ``data`` starts empty: per-invocation caches are each process's own."""
    if carried is None:
        _current.set(None)
        os.environ.pop("_X_AMZN_TRACE_ID", None)
        _apply_states({})
        return
    invocation = Invocation(
        None,
        carried,  # it has the attributes of a Lambda context
        cold_start=carried.cold_start,
        started=carried.started_at,
        clock=time.monotonic,
        restored=carried.restored,
    )
    invocation.correlation_id = carried.correlation_id
    invocation.interrupted = carried.interrupted
    invocation.route = carried.route
    invocation.execution_arn = carried.execution_arn
    _current.set(invocation)
    # the runtime sets it for each invocation; the process keeps the one it was forked with
    if carried.trace_header is None:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    else:
        os.environ["_X_AMZN_TRACE_ID"] = carried.trace_header
    _apply_states(carried.states)


class CarriedState:
    """Something of a utility's that a worker process should see as it is in the parent
    when a batch starts (a logger's keys): ``export()`` gives it as picklable plain values
    (None: the default), ``restore(value)`` sets it from them in the worker process."""

    def export(self) -> Any:
        raise NotImplementedError

    def restore(self, value: Any) -> None:
        raise NotImplementedError


# id -> state, weakly (made on first use: weakref is not otherwise imported at cold start)
_carried: Any = None


def carry_state(state: CarriedState) -> None:
    """Have worker processes (batch's ``processes=``) see ``state`` as it is in the parent
    at the start of each batch. Forked workers find it under the same key; spawned ones
    (macOS, Windows) made their own objects and keep them as they are."""
    global _carried
    if _carried is None:
        import weakref

        _carried = weakref.WeakValueDictionary()
    _carried[id(state)] = state


def _carried_states() -> dict[int, bytes | None]:
    if not _carried:
        return {}
    import pickle

    states: dict[int, bytes | None] = {}
    for key, state in list(_carried.items()):
        value = state.export()
        try:
            states[key] = None if value is None else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception:  # a value that does not pickle: the worker gets the default
            states[key] = None
    return states


def _apply_states(states: dict[int, bytes | None]) -> None:
    if not _carried:
        return
    import pickle

    for key, state in list(_carried.items()):
        packed = states.get(key)
        try:
            state.restore(None if packed is None else pickle.loads(packed))
        except Exception:  # a class the worker cannot import: the default then
            state.restore(None)


# What each utility redoes after a SnapStart restore. The registry lives here, in a module
# every utility loads anyway: core.snapstart (the runtime hook that runs it) loads only
# under SnapStart.
_restore_callbacks: list[Callable[[], object]] = []


def on_restore(callback: RestoreCallback) -> RestoreCallback:
    """Run ``callback()`` after each SnapStart restore (once per callback, however often it
    is registered); returns it, so it can decorate a function. For what a utility (or your
    code) must redo in a restored sandbox: forget a cache, reopen a connection."""
    if callback not in _restore_callbacks:
        _restore_callbacks.append(callback)
    return callback

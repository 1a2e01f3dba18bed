"""The timers behind timeout_guard: a SIGALRM timer in the main thread, a flag elsewhere.

In the main thread (where the Lambda runtime runs handlers) one real-time interval timer
(``signal.setitimer(ITIMER_REAL)``) is shared by every armed guard: it is always set to
the earliest instant among them, so an inner guard never clobbers an outer one. The
handler and timer that were in place before the first guard armed are kept and restored
(with their remaining time) when the last one disarms; if that earlier timer comes due
meanwhile, its handler is called.

When the signal comes, ``InvocationTimeout`` is raised into the code that is running, with
three exceptions that keep the interruption where it belongs:

- the code running is the middleware engine or this package (between hooks, or a guard
  disarming): the raise is retried a millisecond later, so hooks never lose it;
- the guard belongs to an asyncio task that is not the one running (its loop is waiting
  for I/O, or another task runs): the cooperative flag is raised and the signal retried
  every few milliseconds until the task's own code runs;
- the guard's invocation is not the current one (it leaked, e.g. past a BaseException):
  it is dropped, so a guard never fires into another invocation.

Elsewhere (another thread, or no SIGALRM) a ``threading.Timer`` raises the cooperative
flag ``invocation.interrupted`` that ``Deadline`` reports, and protected
AWS SDK clients (``lambda_toolkit.core.aws``) stop their calls at the same instant.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import lambda_toolkit.core.middleware
import lambda_toolkit.core.state  # noqa: F401 (its file is protected from interruption)
from lambda_toolkit.core.aws import interrupt_calls_at
from lambda_toolkit.core.errors import InvocationTimeout
from lambda_toolkit.core.state import Invocation

# typing and dataclasses cost milliseconds at cold start (the Lambda runtime has not
# imported them): type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

__all__ = ["Alarm", "arm", "armed_count", "disarm", "signals_usable"]

_HAS_SIGNALS = hasattr(signal, "SIGALRM") and hasattr(signal, "setitimer")
# A timer that fires early by less than this is treated as on time (clock granularity).
_SLACK_S = 0.001
_RETRY_PROTECTED_S = 0.001
_RETRY_OTHER_TASK_S = 0.005
_PROTECTED_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
_PROTECTED_FILES = frozenset(
    os.path.abspath(sys.modules[name].__file__ or "")
    for name in ("lambda_toolkit.core.middleware", "lambda_toolkit.core.state")
)
_SIGALRM = int(getattr(signal, "SIGALRM", 14))
_ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))
OWNER_ATTR = "_lambda_toolkit_timeout_owner"


class Alarm:
    """One armed guard: when it fires, in which invocation and (async) which task."""

    __slots__ = (
        "call",
        "calls_interrupt_at",
        "fire_at",
        "fired",
        "flagged",
        "invocation",
        "post_mortem",
        "signal_mode",
        "task",
        "timer",
    )

    def __init__(
        self, fire_at: float, invocation: Invocation, call: Any = None, task: Any = None, signal_mode: bool = True
    ) -> None:
        self.fire_at = fire_at
        self.invocation = invocation
        self.call = call
        self.task = task
        self.signal_mode = signal_mode
        self.fired = False
        self.flagged = False
        self.timer: threading.Timer | None = None
        self.calls_interrupt_at: float | None = None
        # the guard's PostMortem (timeout._postmortem), reported when the alarm fires
        self.post_mortem: Any = None


class _Previous:
    """The SIGALRM handler and timer in place before the first guard armed."""

    __slots__ = ("fire_at", "handler", "interval")

    def __init__(self, handler: Any, fire_at: float | None, interval: float) -> None:
        self.handler = handler
        self.fire_at = fire_at
        self.interval = interval


_stack: list[Alarm] = []
_previous: _Previous | None = None


_main_thread = threading.main_thread


def signals_usable() -> bool:
    """True when a SIGALRM timer can be used: a platform with it, in the main thread."""
    return _HAS_SIGNALS and threading.current_thread() is _main_thread()


def armed_count() -> int:
    """How many signal alarms are armed (for tests and diagnostics)."""
    return len(_stack)


def _running_task() -> Any:
    # asyncio is imported only by code that runs a loop (the runtime has not imported it).
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:  # never imported: no event loop can be running
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop running in this thread
        return None
    return asyncio.current_task(loop)


def _set_timer(delay: float) -> None:
    signal.setitimer(_ITIMER_REAL, max(delay, 1e-6))


def _earliest(now: float) -> float | None:
    times = [alarm.fire_at for alarm in _stack if not alarm.fired]
    if _previous is not None and _previous.fire_at is not None:
        times.append(_previous.fire_at)
    return min(times) - now if times else None


def _rearm(now: float, floor: float = 0.0) -> None:
    delay = _earliest(now)
    if delay is not None:
        _set_timer(max(delay, floor))


def arm(fire_at: float, invocation: Invocation, call: Any) -> Alarm:
    """Arm a guard firing at ``fire_at`` (monotonic) for ``call`` of ``invocation``."""
    global _previous
    alarm = Alarm(fire_at, invocation, call=call, task=_running_task())
    now = time.monotonic()
    delay = max(fire_at - now, 1e-6)
    if not _stack:
        handler = signal.signal(_SIGALRM, _on_alarm)
        old_delay, old_interval = signal.setitimer(_ITIMER_REAL, delay)
        _previous = _Previous(handler, now + old_delay if old_delay > 0 else None, old_interval)
        _stack.append(alarm)
        if old_delay > 0 and old_delay < delay:
            _set_timer(old_delay)
        return alarm
    _stack.append(alarm)
    _rearm(now)
    return alarm


def disarm(alarm: Alarm) -> None:
    """Disarm ``alarm``; the last one out restores the previous handler and timer."""
    global _previous
    try:
        _stack.remove(alarm)
    except ValueError:  # already dropped as stale
        return
    if _stack:
        _rearm(time.monotonic(), floor=_RETRY_PROTECTED_S)
        return
    signal.setitimer(_ITIMER_REAL, 0)
    previous, _previous = _previous, None
    if previous is None:  # pragma: no cover - always set while alarms are armed
        return
    if previous.handler is not None:  # None: installed from C, which Python cannot put back
        signal.signal(_SIGALRM, previous.handler)
    if previous.fire_at is not None:
        signal.setitimer(_ITIMER_REAL, max(previous.fire_at - time.monotonic(), 1e-6), previous.interval)


def arm_cooperative(fire_at: float, invocation: Invocation, post_mortem: Any = None) -> Alarm:
    """Arm a guard that can only raise the cooperative flag (no signal usable here), and
    report ``post_mortem`` (if any) first, while the handler is where time ran out."""
    alarm = Alarm(fire_at, invocation, signal_mode=False)
    alarm.post_mortem = post_mortem

    def raise_flag() -> None:
        if post_mortem is not None:
            post_mortem.report_from_thread()
        alarm.fired = alarm.flagged = True
        invocation.interrupted = True

    timer = threading.Timer(max(fire_at - time.monotonic(), 0.0), raise_flag)
    timer.daemon = True
    alarm.timer = timer
    # The flag cannot stop an AWS SDK call in progress; the protected clients stop at it.
    alarm.calls_interrupt_at = interrupt_calls_at(invocation, fire_at)
    timer.start()
    return alarm


def disarm_cooperative(alarm: Alarm) -> None:
    """Cancel the flag timer of a cooperative alarm."""
    if alarm.timer is not None:
        alarm.timer.cancel()
        alarm.timer = None
        interrupt_calls_at(alarm.invocation, alarm.calls_interrupt_at)


def _protected(frame: FrameType | None) -> bool:
    if frame is None:
        return False
    filename = frame.f_code.co_filename
    return filename in _PROTECTED_FILES or filename.startswith(_PROTECTED_DIRS)


def _deliver_previous(signum: int, frame: FrameType | None, now: float) -> None:
    previous = _previous
    if previous is None or previous.fire_at is None or previous.fire_at > now + _SLACK_S:
        return
    previous.fire_at = previous.fire_at + previous.interval if previous.interval > 0 else None
    if callable(previous.handler):
        previous.handler(signum, frame)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    for alarm in [a for a in _stack if a.fire_at <= now + _SLACK_S and not a.fired]:
        if alarm.task is not None:
            if alarm.task.done():  # its task ended without the guard's exit hooks (cancelled)
                disarm(alarm)
                continue
            if _running_task() is not alarm.task:
                if alarm.post_mortem is not None:  # the task waits: its stack says where
                    alarm.post_mortem.report_here(frame)
                alarm.invocation.interrupted = alarm.flagged = True
                _rearm(now, floor=_RETRY_OTHER_TASK_S)
                return
        if not alarm.call.active:
            disarm(alarm)  # leaked past a BaseException: never fire into another call
            continue
        alarm.invocation.interrupted = alarm.flagged = True
        if _protected(frame):
            _rearm(now, floor=_RETRY_PROTECTED_S)
            return
        alarm.fired = True
        if alarm.post_mortem is not None:
            # Here, before the timer is set again: no other alarm interrupts the report.
            alarm.post_mortem.report_here(frame)
        error = InvocationTimeout(
            "timeout_guard: handler interrupted before its deadline",
            remaining_ms=_state_remaining_ms(alarm.invocation),
        )
        setattr(error, OWNER_ATTR, alarm)
        _rearm(now, floor=_RETRY_PROTECTED_S)
        raise error
    _deliver_previous(signum, frame, now)
    _rearm(now, floor=_RETRY_PROTECTED_S)


def _state_remaining_ms(invocation: Invocation) -> float | None:
    try:
        remaining = invocation.context.get_remaining_time_in_millis()
    except Exception:
        return invocation.remaining_ms()
    return float(remaining) if isinstance(remaining, (int, float)) else invocation.remaining_ms()

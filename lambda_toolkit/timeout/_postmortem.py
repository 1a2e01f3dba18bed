"""Timeout post-mortems: one log line saying where the handler was when time ran out.

A ``PostMortem`` is armed for one handler call, in the thread that runs the handler. It
is reported at most once (the first of its reporters to claim it wins, the others do
nothing), by:

- the timeout guard's own timer when the guard fires: the ``SIGALRM`` handler in the main
  thread (it has the interrupted frame in hand), or the cooperative flag's timer thread;
- the watchdog thread of this module, at the instant the post-mortem is due (for
  ``@watchdog``) or a little after the guard's (when the guard's signal handler could not
  run: a C call that retries its interrupted system call);
- ``faulthandler``, as a last resort a little later still, when no Python thread could run
  because the handler's thread holds the GIL in C code. It writes the stacks of every
  thread as plain text to the process's stderr, from a C thread that does not need the
  GIL. If the GIL comes back before Lambda stops the function, the watchdog thread then
  writes the JSON line too, saying that the dump was written.

The line goes through the stdlib logger ``lambda_toolkit.timeout`` (a toolkit ``Logger``
routes it as JSON). A line written from the watchdog thread is written in a copy of the
handler's context, taken when the post-mortem was armed, so that it carries the
invocation's fields like a line of the handler.

``faulthandler`` has one timer per process: this module keeps it set to the earliest
pending dump and cancels it when none is pending, so a ``dump_traceback_later`` of your own
does not survive an invocation with a post-mortem.
"""

from __future__ import annotations

import contextvars
import faulthandler
import heapq
import itertools
import logging
import os
import sys
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

    from lambda_toolkit.core.state import Invocation

__all__ = ["PostMortem", "arm", "pending_count", "thread_label"]

logger = logging.getLogger("lambda_toolkit.timeout")

# The innermost frames kept per stack (faulthandler keeps as many).
MAX_FRAMES = 100
# Where faulthandler writes: the process's stderr (Lambda sends it to the function's log
# stream), never sys.stderr, which a test runner or the runtime may have replaced.
_STDERR_FD = 2
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def thread_label(name: str, ident: int) -> str:
    """``name (0x...)``: the id as faulthandler prints it, to match a raw dump to a line."""
    return f"{name} (0x{ident:016x})"


def _where(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {getattr(code, 'co_qualname', code.co_name)}"


def stack_of(frame: FrameType | None) -> list[str]:
    """``file:line in function`` for each frame from the outermost to ``frame`` (the
    innermost ``MAX_FRAMES``), without this package's own frames on top."""
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_DIR):
        frame = frame.f_back  # the guard's signal handler, or this module reporting
    frames: list[str] = []
    while frame is not None:
        frames.append(_where(frame))
        frame = frame.f_back
    del frames[MAX_FRAMES:]
    frames.reverse()
    return frames


def _task_stack(task: Any) -> list[str]:
    # asyncio's Task.get_stack gives a suspended task's outermost coroutine only: follow
    # what each coroutine awaits, down to the innermost.
    frames: list[str] = []
    awaited = task.get_coro()
    while awaited is not None and len(frames) < MAX_FRAMES:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        frames.append(_where(frame))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def _running_task() -> Any:
    asyncio = sys.modules.get("asyncio")  # never imported: no event loop can be running
    if asyncio is None:
        return None
    try:
        return asyncio.current_task()
    except RuntimeError:  # no loop running in this thread
        return None


class PostMortem:
    """The post-mortem of one handler call: what to report, and who reported it."""

    __slots__ = (
        "_claims",
        "all_threads",
        "context",
        "due",
        "dump_due",
        "finished",
        "invocation",
        "margin_ms",
        "task",
        "thread_id",
        "thread_name",
        "trigger",
    )

    def __init__(
        self, invocation: Invocation, *, trigger: str, margin_ms: float, all_threads: bool, due: float, dump_due: float
    ) -> None:
        self.invocation = invocation
        self.trigger = trigger
        self.margin_ms = margin_ms
        self.all_threads = all_threads
        self.due = due
        self.dump_due = dump_due
        current = threading.current_thread()
        self.thread_id = threading.get_ident()
        self.thread_name = current.name
        self.task = _running_task()
        self.context = contextvars.copy_context()
        self.finished = threading.Event()
        # next() on a count is one step under the GIL, even from a signal handler: 0 goes
        # to the first claimant only.
        self._claims = itertools.count()

    def _claim(self) -> bool:
        return next(self._claims) == 0

    def report_here(self, frame: FrameType | None) -> None:
        """Report from the handler's own thread (the guard's signal handler), with the
        interrupted ``frame``. Takes no lock: the code it interrupted may hold any."""
        if not self._claim():
            return
        try:
            self._write(stack_of(frame), self._dumped())
        except Exception:  # raised here, it would replace the guard's interruption
            pass
        finally:
            self.finished.set()

    def report_from_thread(self) -> None:
        """Report from another thread (the watchdog, the cooperative flag's timer): the
        handler's thread is looked at from outside."""
        if not self._claim():
            return
        try:
            dumped = self._dumped()
            _watchdog.drop_dump(self)
            frame = sys._current_frames().get(self.thread_id)
            self.context.run(self._write, stack_of(frame), dumped)
        except Exception:  # a report never stops the watchdog nor the cooperative flag
            logger.exception("timeout post-mortem: the report failed")
        finally:
            self.finished.set()

    def _dumped(self) -> bool:
        # faulthandler wrote when its instant passed before anyone could report: the
        # handler's thread held the GIL until now. (Read without the watchdog's lock.)
        return _watchdog.dumps_usable and time.monotonic() >= self.dump_due

    def close(self) -> None:
        """The handler call ended: nothing is reported from now on. When a report is being
        written by another thread, wait (briefly) for it, so the line comes before the
        invocation's end."""
        _watchdog.remove(self)
        if self._claim():
            return
        self.finished.wait(1.0)

    def _write(self, stack: list[str], dumped: bool) -> None:
        invocation = self.invocation
        remaining = _remaining_ms(invocation)
        # dict() copies in one step under the GIL while the batch's threads change it
        records = [
            {"index": index, "record_id": record.record_id}
            for index, record in sorted(dict(invocation.records_in_flight).items())
        ]
        thread = thread_label(self.thread_name, self.thread_id)
        fields: dict[str, Any] = {
            "timeout_post_mortem": self.trigger,
            "timeout_request_id": invocation.request_id,
            "timeout_remaining_ms": None if remaining is None else round(remaining, 1),
            "timeout_margin_ms": self.margin_ms,
            "timeout_thread": thread,
            "timeout_stack": stack,
            "timeout_records": records,
        }
        if self.task is not None and not self.task.done():
            fields["timeout_task_stack"] = _task_stack(self.task)
        if self.all_threads:
            fields["timeout_threads"] = _all_stacks(self.thread_id)
        if dumped:
            fields["timeout_faulthandler"] = True
        where = stack[-1] if stack else "an unknown place"
        logger.warning(
            "timeout post-mortem (%s): %s left, thread %s at %s%s",
            self.trigger,
            "unknown" if remaining is None else f"{remaining:.0f} ms",
            thread,
            where,
            "; it held the GIL: faulthandler wrote every thread's stack to stderr when due" if dumped else "",
            extra=fields,
        )


def _remaining_ms(invocation: Invocation) -> float | None:
    try:
        remaining = invocation.context.get_remaining_time_in_millis()
    except Exception:
        return invocation.remaining_ms()
    if isinstance(remaining, bool) or not isinstance(remaining, (int, float)):
        return invocation.remaining_ms()
    return max(0.0, float(remaining))


def _all_stacks(handler_thread: int) -> dict[str, list[str]]:
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    me = threading.get_ident()
    stacks = {}
    for ident, frame in sys._current_frames().items():
        if ident == me and ident != handler_thread:
            continue  # the watchdog itself
        stacks[thread_label(names.get(ident, "unknown"), ident)] = stack_of(frame)
    return stacks


class _Watchdog:
    """The thread that reports post-mortems when due, and the faulthandler timer.

    One daemon thread for the process, started at the first post-mortem; its state is
    changed under one lock, never taken by a reporter running in a signal handler.
    """

    def __init__(self, *, dumps: bool = True) -> None:
        self.dumps_usable = dumps
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._due: list[tuple[float, int, PostMortem]] = []
        self._dumps: dict[PostMortem, float] = {}
        self._dump_at: float | None = None
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, post_mortem: PostMortem) -> None:
        with self._lock:
            heapq.heappush(self._due, (post_mortem.due, next(self._order), post_mortem))
            self._dumps[post_mortem] = post_mortem.dump_due
            self._plan_dump()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda_toolkit-watchdog", daemon=True)
                self._thread.start()
            elif self._due[0][2] is post_mortem:
                self._wake.notify()

    def remove(self, post_mortem: PostMortem) -> None:
        with self._lock:
            for index, entry in enumerate(self._due):
                if entry[2] is post_mortem:
                    self._due[index] = self._due[-1]
                    self._due.pop()
                    heapq.heapify(self._due)
                    break
            if self._dumps.pop(post_mortem, None) is not None:
                self._plan_dump()

    def drop_dump(self, post_mortem: PostMortem) -> None:
        """Cancel the dump of a post-mortem being reported."""
        with self._lock:
            if self._dumps.pop(post_mortem, None) is not None:
                self._plan_dump()

    def pending(self) -> int:
        with self._lock:
            return len(self._due) + len(self._dumps) + (self._dump_at is not None)

    def _plan_dump(self) -> None:
        # Lock held. A dump whose instant has passed was written (or is being written).
        if not self.dumps_usable:
            self._dumps.clear()
            return
        now = time.monotonic()
        for post_mortem, at in list(self._dumps.items()):
            if at <= now:
                del self._dumps[post_mortem]
        earliest = min(self._dumps.values(), default=None)
        if earliest == self._dump_at:
            return
        if earliest is None:
            faulthandler.cancel_dump_traceback_later()
        else:
            faulthandler.dump_traceback_later(max(earliest - now, 0.001), repeat=False, file=_STDERR_FD, exit=False)
        self._dump_at = earliest

    def _run(self) -> None:
        while True:
            with self._lock:
                while True:
                    now = time.monotonic()
                    if self._due and self._due[0][0] <= now:
                        post_mortem = heapq.heappop(self._due)[2]
                        break
                    self._wake.wait(self._due[0][0] - now if self._due else None)
            post_mortem.report_from_thread()


_watchdog = _Watchdog()


def _forked() -> None:
    # In a child process the watchdog thread is gone: the child starts its own. A
    # faulthandler timer armed at the fork left the child's faulthandler waiting for a
    # thread that does not exist there: setting or cancelling it would hang the child.
    global _watchdog
    _watchdog = _Watchdog(dumps=_watchdog._dump_at is None and _watchdog.dumps_usable)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def arm(
    invocation: Invocation, *, trigger: str, margin_ms: float, all_threads: bool, due: float, dump_due: float
) -> PostMortem:
    """Arm a post-mortem of the calling thread, reported by the watchdog at ``due`` and by
    faulthandler at ``dump_due`` (``time.monotonic()`` instants) unless reported or closed
    before."""
    post_mortem = PostMortem(
        invocation, trigger=trigger, margin_ms=margin_ms, all_threads=all_threads, due=due, dump_due=dump_due
    )
    _watchdog.add(post_mortem)
    return post_mortem


def pending_count() -> int:
    """How many reports and dumps are planned (for tests: 0 once every handler ended)."""
    return _watchdog.pending()

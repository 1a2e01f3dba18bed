"""Timeout post-mortems: one line saying where the handler was when time ran out.

``timeout_guard(post_mortem=True)`` reports when the guard fires; ``@watchdog`` reports a
margin before the deadline without interrupting the handler. The cases: a handler in
``time.sleep``, in a C call that released the GIL (a socket read), and in a C call that
holds the GIL (in a subprocess: the test would hang with it), where only faulthandler can
report.
"""

from __future__ import annotations

import asyncio
import ctypes
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, InvalidContextError, InvocationTimeout
from lambda_toolkit.core.state import RecordInFlight, begin_record, end_record
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import _postmortem, timeout_guard, watchdog

LONG = 0.6  # longer than the 400 ms invocations below: the handler is still running at the margin


@pytest.fixture(autouse=True)
def _nothing_left_planned() -> Iterator[None]:
    yield
    assert _postmortem.pending_count() == 0, "a post-mortem or a faulthandler dump was left planned"


def post_mortems(caplog: pytest.LogCaptureFixture) -> list[Any]:
    """The post-mortem records (typed Any: their fields are the ``extra`` attributes)."""
    return [record for record in caplog.records if hasattr(record, "timeout_post_mortem")]


def here() -> str:
    """``file:line in function`` of the next line of the caller, as the stack shows it."""
    frame = sys._getframe(1)
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno + 1} in {getattr(code, 'co_qualname', code.co_name)}"


# -- the guard ---------------------------------------------------------------------------


def test_the_guard_reports_where_a_handler_stuck_in_sleep_was(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []

    @timeout_guard(margin_ms=200, post_mortem=True, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        where.append(here())
        time.sleep(LONG)
        return "done"

    context = FakeContext(timeout_ms=400)
    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert handler({"card": "4111-1111"}, context) == "fallback"
    (line,) = post_mortems(caplog)
    assert line.levelno == logging.WARNING
    assert line.timeout_post_mortem == "timeout_guard"
    assert line.threadName == "MainThread"  # the guard's signal handler, in the handler's thread
    assert line.timeout_stack[-1] == where[0]  # the handler's own line, innermost
    assert any(
        entry.endswith(" in test_the_guard_reports_where_a_handler_stuck_in_sleep_was") for entry in line.timeout_stack
    )
    assert line.timeout_request_id == context.aws_request_id
    assert line.timeout_thread.startswith("MainThread (0x")
    assert 0 <= line.timeout_remaining_ms <= 400
    assert line.timeout_margin_ms == 200 and line.timeout_records == []
    assert not hasattr(line, "timeout_threads") and not hasattr(line, "timeout_faulthandler")
    message = line.getMessage()
    assert message.startswith("timeout post-mortem (timeout_guard): ") and where[0] in message
    assert "4111" not in caplog.text  # never the payload
    # the guard's own line still follows, once
    assert [r.getMessage().split(":")[0] for r in caplog.records].count("timeout imminent") == 1


def test_without_post_mortem_the_guard_writes_none(caplog: pytest.LogCaptureFixture) -> None:
    @timeout_guard(margin_ms=200, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert handler({}, FakeContext(timeout_ms=400)) == "fallback"
    assert post_mortems(caplog) == []


def test_a_handler_that_ends_in_time_gets_no_post_mortem(caplog: pytest.LogCaptureFixture) -> None:
    @watchdog(margin_ms=200)
    @timeout_guard(margin_ms=200, post_mortem=True)
    def handler(event: Any, context: Any) -> str:
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        for _ in range(3):
            assert handler({}, FakeContext(timeout_ms=400)) == "done"
    assert post_mortems(caplog) == []


def test_the_guard_reports_a_handler_stuck_in_a_socket_read(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []
    ours, theirs = socket.socketpair()
    ours.settimeout(30)  # never reached: the guard interrupts the read at 200 ms

    @timeout_guard(margin_ms=200, post_mortem=True)
    def handler(event: Any, context: Any) -> bytes:
        where.append(here())
        return ours.recv(1)  # a C call, GIL released, nobody ever writes

    with ours, theirs, caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"), pytest.raises(InvocationTimeout):
        handler({}, FakeContext(timeout_ms=400))
    (line,) = post_mortems(caplog)
    assert line.timeout_stack[-1] == where[0]


class PthreadCondition:
    """A C wait that a signal cannot end: glibc's pthread_cond_timedwait resumes waiting
    after the signal's C handler, so Python's handler (the guard's) cannot run meanwhile."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None)  # a CDLL call releases the GIL
        self.mutex = ctypes.create_string_buffer(64)  # zeroed: the default initializers
        self.cond = ctypes.create_string_buffer(64)

    def wait(self, seconds: int) -> int:
        until = Timespec(int(time.time()) + seconds, 0)
        self.libc.pthread_mutex_lock(self.mutex)
        try:
            return int(self.libc.pthread_cond_timedwait(self.cond, self.mutex, ctypes.byref(until)))
        finally:
            self.libc.pthread_mutex_unlock(self.mutex)

    def notify(self) -> None:
        # Without the mutex: a notify from the waiting thread itself (a signal handler run
        # when the wait ended) must not deadlock on it. The waiter has long been waiting.
        self.libc.pthread_cond_signal(self.cond)


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def test_when_the_signal_cannot_land_the_watchdog_thread_reports(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []
    condition = PthreadCondition()

    class Unblock(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if hasattr(record, "timeout_post_mortem"):
                condition.notify()

    @timeout_guard(margin_ms=200, post_mortem=True, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> int:
        where.append(here())
        return condition.wait(30)  # a bound for a broken fallback; the report ends the wait

    unblock = Unblock()
    target = logging.getLogger("lambda_toolkit.timeout")
    target.addHandler(unblock)
    try:
        with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
            handler({}, FakeContext(timeout_ms=400))
    finally:
        target.removeHandler(unblock)
    (line,) = post_mortems(caplog)
    # written by the watchdog thread while the handler was still in the C call
    assert line.threadName == "lambda_toolkit-watchdog"
    assert line.timeout_post_mortem == "timeout_guard"
    assert line.timeout_stack[-2:] == [where[0], line.timeout_stack[-1]]
    assert line.timeout_stack[-1].endswith("wait")


def test_the_records_in_progress_are_listed_by_index_and_id_only(caplog: pytest.LogCaptureFixture) -> None:
    @timeout_guard(margin_ms=200, post_mortem=True, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        first = begin_record(RecordInFlight(7, "msg-8", correlation_id="corr-7"))
        second = begin_record(RecordInFlight(3, "msg-4", correlation_id="corr-3"))
        try:
            time.sleep(LONG)
        finally:
            end_record(second)
            end_record(first)
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        handler({}, FakeContext(timeout_ms=400))
    (line,) = post_mortems(caplog)
    assert line.timeout_records == [{"index": 3, "record_id": "msg-4"}, {"index": 7, "record_id": "msg-8"}]


def test_a_batch_stuck_in_one_record_names_that_record(caplog: pytest.LogCaptureFixture) -> None:
    from lambda_toolkit.batch import batch
    from lambda_toolkit.testing.events import sqs_event

    event = sqs_event(['{"n": 0, "card": "4111-1111"}', '{"n": 1, "card": "4111-1111"}', '{"n": 2}'])
    stuck_id = event["Records"][1]["messageId"]

    @timeout_guard(margin_ms=200, post_mortem=True, on_timeout=lambda info: {"batchItemFailures": []})
    @batch("sqs", deadline_margin_ms=0)
    def worker(record: Any) -> None:
        if '"n": 1' in record.body:
            time.sleep(LONG)

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        worker(event, FakeContext(timeout_ms=400))
    (line,) = post_mortems(caplog)
    assert line.timeout_records == [{"index": 1, "record_id": stuck_id}]
    assert line.timeout_stack[-1].endswith("worker")
    assert "4111" not in caplog.text


def test_a_concurrent_batch_names_its_records_and_all_threads_shows_the_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from lambda_toolkit.batch import batch
    from lambda_toolkit.testing.events import sqs_event

    event = sqs_event(['{"n": 0}', '{"n": 1}', '{"n": 2}'])
    stuck = threading.Barrier(2)  # records 0 and 1 both start, then both sleep
    where: list[str] = []

    @timeout_guard(margin_ms=200, post_mortem=True, all_threads=True, on_timeout=lambda info: "fallback")
    @batch("sqs", deadline_margin_ms=0, concurrency=2)
    def worker(record: Any) -> None:
        if '"n": 2' not in record.body:
            stuck.wait(30)
            where.append(here())
            time.sleep(LONG)

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        worker(event, FakeContext(timeout_ms=400))
    (line,) = post_mortems(caplog)
    ids = [record["messageId"] for record in event["Records"]]
    assert line.timeout_records == [{"index": 0, "record_id": ids[0]}, {"index": 1, "record_id": ids[1]}]
    # the handler's thread waits for the workers; their own stacks show the records' code
    workers = [stack for label, stack in line.timeout_threads.items() if label != line.timeout_thread]
    assert sorted(stack[-1] for stack in workers if stack[-1] in where) == sorted(where)


def test_in_a_thread_the_guard_reports_before_raising_the_flag(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []
    names: list[str] = []

    @timeout_guard(margin_ms=200, post_mortem=True)
    def handler(event: Any, context: Any) -> str:
        names.append(threading.current_thread().name)
        where.append(here())
        time.sleep(LONG)  # no signal in a thread: not interrupted
        return "late"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"), ThreadPoolExecutor(1) as pool:
        assert pool.submit(handler, {}, FakeContext(timeout_ms=400)).result() == "late"
    (line,) = post_mortems(caplog)
    assert line.timeout_stack[-1] == where[0]
    assert line.timeout_thread.startswith(f"{names[0]} (0x")


def test_all_threads_adds_every_thread_stack(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    helper = threading.Thread(target=release.wait, name="pm-helper", daemon=True)
    helper.start()

    @timeout_guard(margin_ms=200, post_mortem=True, all_threads=True, on_timeout=lambda info: "fallback")
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    try:
        with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
            handler({}, FakeContext(timeout_ms=400))
    finally:
        release.set()
        helper.join()
    (line,) = post_mortems(caplog)
    threads = line.timeout_threads
    (helper_label,) = [label for label in threads if label.startswith("pm-helper (0x")]
    assert threads[helper_label][-1].endswith("wait")
    assert threads[line.timeout_thread][-1] == line.timeout_stack[-1]


def test_an_async_handler_waiting_in_an_await_is_reported_with_its_task_stack(
    caplog: pytest.LogCaptureFixture,
) -> None:
    where: list[str] = []

    @timeout_guard(margin_ms=200, post_mortem=True, on_timeout=lambda info: "fallback")
    async def handler(event: Any, context: Any) -> str:
        where.append(here())
        await asyncio.sleep(LONG)
        return "done"

    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        # the task is resumed when its sleep ends: the guard's answer or its own, late
        assert asyncio.run(handler({}, FakeContext(timeout_ms=400))) in ("fallback", "done")
    (line,) = post_mortems(caplog)
    assert where[0] in line.timeout_task_stack
    assert line.timeout_task_stack[-1].endswith(" in sleep")  # asyncio.sleep, awaited by the handler


# -- the watchdog ------------------------------------------------------------------------


def test_the_watchdog_reports_without_interrupting(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []

    @watchdog(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        where.append(here())
        time.sleep(LONG)
        return "done"

    context = FakeContext(timeout_ms=400)
    with caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
        assert handler({}, context) == "done"  # not interrupted
    (line,) = post_mortems(caplog)
    assert line.timeout_post_mortem == "watchdog"
    assert line.timeout_stack[-1] == where[0]
    assert line.timeout_request_id == context.aws_request_id
    assert line.timeout_thread.startswith("MainThread (0x")


def test_the_watchdog_reports_a_handler_stuck_in_a_socket_read(caplog: pytest.LogCaptureFixture) -> None:
    where: list[str] = []
    ours, theirs = socket.socketpair()
    ours.settimeout(30)  # a bound for a broken watchdog; the report is what unblocks the read

    class Unblock(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if hasattr(record, "timeout_post_mortem"):
                theirs.send(b"x")

    @watchdog(margin_ms=200)
    def handler(event: Any, context: Any) -> bytes:
        where.append(here())
        return ours.recv(1)  # a C call, GIL released

    unblock = Unblock()
    target = logging.getLogger("lambda_toolkit.timeout")
    target.addHandler(unblock)
    try:
        with ours, theirs, caplog.at_level(logging.INFO, logger="lambda_toolkit.timeout"):
            assert handler({}, FakeContext(timeout_ms=400)) == b"x"
    finally:
        target.removeHandler(unblock)
    (line,) = post_mortems(caplog)
    assert line.timeout_stack[-1] == where[0]


def test_the_watchdog_line_goes_through_the_logger_with_the_invocation_fields() -> None:
    out = io.StringIO()
    Logger(service="orders", stream=out)

    @watchdog(margin_ms=200)
    def handler(event: Any, context: Any) -> str:
        time.sleep(LONG)
        return "done"

    context = FakeContext(timeout_ms=400)
    assert handler({}, context) == "done"
    (line,) = [json.loads(text) for text in out.getvalue().splitlines() if "timeout_post_mortem" in text]
    # written by the watchdog thread, in the handler's context: the invocation's own fields
    assert line["function_request_id"] == context.aws_request_id == line["timeout_request_id"]
    assert line["level"] == "WARNING" and line["logger"] == "lambda_toolkit.timeout"
    assert isinstance(line["timeout_stack"], list) and line["timeout_stack"][-1].endswith("handler")


def test_a_child_forked_while_a_post_mortem_is_armed_does_not_hang() -> None:
    @watchdog(margin_ms=200)
    def in_the_child(event: Any, context: Any) -> str:
        return "child"

    @watchdog(margin_ms=200)
    def handler(event: Any, context: Any) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:  # the child: its faulthandler timer must not be touched
            status = 1
            try:
                status = 0 if in_the_child({}, FakeContext(timeout_ms=400)) == "child" else 2
            finally:
                os._exit(status)
        for _ in range(3000):  # a bound for a child that hangs: 30 s
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return -1

    assert handler({}, FakeContext(timeout_ms=60_000)) == 0


# -- bad input ---------------------------------------------------------------------------


def test_bad_options_fail_when_the_decorator_is_applied() -> None:
    with pytest.raises(ConfigurationError, match="watchdog: margin_ms must be a finite number"):
        watchdog(margin_ms=-1)
    with pytest.raises(ConfigurationError, match="watchdog: all_threads must be True or False, got a str"):
        watchdog(all_threads="yes")  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="timeout_guard: post_mortem must be True or False, got a str"):
        timeout_guard(post_mortem="yes")  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="all_threads=True is an option of the post-mortem"):
        timeout_guard(all_threads=True)


def test_a_watchdog_margin_not_below_the_timeout_and_a_bad_context_fail_at_the_call() -> None:
    @watchdog(margin_ms=5000)
    def too_tight(event: Any, context: Any) -> str:
        return "never runs"

    with pytest.raises(ConfigurationError, match="watchdog: margin_ms=5000 is not below the function's timeout"):
        too_tight({}, FakeContext(timeout_ms=3000))

    @watchdog
    def handler(event: Any, context: Any) -> str:
        return "done"

    with pytest.raises(InvalidContextError, match="get_remaining_time_in_millis"):
        handler({}, object())


# -- a C call holding the GIL: only faulthandler can report ------------------------------

REPORTS_TO_STDOUT = """
import ctypes, json, logging, sys, threading

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import timeout_guard, watchdog

reported = threading.Event()


class Report(logging.Handler):
    def emit(self, record):
        if hasattr(record, "timeout_post_mortem"):
            print(json.dumps({k: v for k, v in vars(record).items() if k.startswith("timeout_")}), flush=True)
            reported.set()


logging.getLogger("lambda_toolkit.timeout").addHandler(Report())
logging.getLogger("lambda_toolkit.timeout").setLevel(logging.WARNING)
"""

RELEASED_BY_THE_TEST = """
libc = ctypes.PyDLL(None)  # a PyDLL call keeps the GIL


@watchdog(margin_ms=400)
def stuck_in_c(event, context):
    libc.read(int(sys.argv[1]), ctypes.create_string_buffer(1), 1)  # holds the GIL until the test writes
    reported.wait(30)
    return "done"


print(json.dumps(stuck_in_c({}, FakeContext(timeout_ms=1000))), flush=True)
"""

GUARDED_RELEASED_BY_THE_TEST = """
import signal

libc = ctypes.PyDLL(None)


@timeout_guard(margin_ms=400, post_mortem=True, on_timeout=lambda info: "fallback")
def stuck_in_c(event, context):
    # SIGALRM held back: the read is not interrupted (it would return EINTR), so the GIL
    # stays held until the test writes; the guard's signal comes right after.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    libc.read(int(sys.argv[1]), ctypes.create_string_buffer(1), 1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    reported.wait(30)
    return "done"


print(json.dumps(stuck_in_c({}, FakeContext(timeout_ms=1000))), flush=True)
"""

# The same, the watchdog thread's report put off: the guard's signal handler reports.
SIGNAL_PATH_ONLY = (
    """
from lambda_toolkit.timeout import _postmortem

original_arm = _postmortem.arm
_postmortem.arm = lambda invocation, **options: original_arm(invocation, **{**options, "due": options["due"] + 3600})
"""
    + GUARDED_RELEASED_BY_THE_TEST
)

NEVER_RELEASED = """
@timeout_guard(margin_ms=400, post_mortem=True)
def stuck_in_c(event, context):
    return sum(range(10**15))  # a loop in C that holds the GIL and never looks at signals


stuck_in_c({}, FakeContext(timeout_ms=1000))
"""


def start(tmp_path: Path, code: str, *args: str, pass_fds: tuple[int, ...] = ()) -> tuple[Path, subprocess.Popen[str]]:
    script = tmp_path / "app.py"
    script.write_text(REPORTS_TO_STDOUT + code)
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        pass_fds=pass_fds,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    return script, process


def read_dump(process: subprocess.Popen[str]) -> list[str]:
    """faulthandler's text on stderr, up to the handler's frame."""
    assert process.stderr is not None
    dump: list[str] = []
    # a bound for a broken implementation (no dump ever comes): the process is killed and
    # the assertions on the dump fail
    bound = threading.Timer(60, process.kill)
    bound.start()
    try:
        for text in process.stderr:
            dump.append(text)
            if "in stuck_in_c" in text:
                break
    finally:
        bound.cancel()
    return dump or ["(nothing)"]


@pytest.mark.parametrize(
    ("code", "trigger", "answer"),
    [
        (RELEASED_BY_THE_TEST, "watchdog", "done"),
        (GUARDED_RELEASED_BY_THE_TEST, "timeout_guard", "fallback"),
        (SIGNAL_PATH_ONLY, "timeout_guard", "fallback"),
    ],
    ids=["watchdog", "timeout_guard", "timeout_guard-signal-handler"],
)
def test_a_handler_holding_the_gil_is_dumped_then_reported_when_it_lets_go(
    tmp_path: Path, code: str, trigger: str, answer: str
) -> None:
    read_end, write_end = os.pipe()
    script, process = start(tmp_path, code, str(read_end), pass_fds=(read_end,))
    os.close(read_end)
    try:
        dump = read_dump(process)  # while the handler still holds the GIL
        os.write(write_end, b"x")  # now let the C call return
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(write_end)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert dump[0].startswith("Timeout (")
    assert dump[-1].strip().startswith(f'File "{script}", line') and dump[-1].rstrip().endswith("in stuck_in_c")
    report, result = (json.loads(text) for text in out.splitlines())
    # once the GIL came back: the JSON line, saying faulthandler wrote the stacks when due
    assert report["timeout_post_mortem"] == trigger and report["timeout_faulthandler"] is True
    assert any(entry.endswith(" in stuck_in_c") for entry in report["timeout_stack"])
    assert result == answer


def test_a_guarded_handler_that_never_lets_go_of_the_gil_is_dumped(tmp_path: Path) -> None:
    script, process = start(tmp_path, NEVER_RELEASED)
    try:
        dump = read_dump(process)
    finally:
        process.kill()  # as Lambda would at the deadline
        out, _ = process.communicate(timeout=60)
    assert dump[0].startswith("Timeout (")
    assert dump[-1].strip().startswith(f'File "{script}", line') and dump[-1].rstrip().endswith("in stuck_in_c")
    assert out == ""  # no Python thread could run: the dump is all there is

"""Injecting ``InvocationTimeout`` at every point of the batch package where a signal
handler could run, one run per point (used by ``test_interruption.py``).

It raises from a trace function at opcode granularity, which leaves CPython's "exception
being handled" state behind on the thread (``sys.exc_info()`` stays set after the test),
so it runs in a fresh interpreter of its own: ``python -m tests.batch._interruption_points
SCENARIO`` exits 0 when every point answers with the partial response.
"""

from __future__ import annotations

import asyncio
import dis
import os
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from lambda_toolkit.batch import BatchOutcome, batch, process_batch, process_batch_async
from lambda_toolkit.core import InvocationTimeout
from lambda_toolkit.core.middleware import Middleware, apply_middleware
from lambda_toolkit.testing import FakeContext
from tests.batch import _events

# The module, not the batch() function that lambda_toolkit also exports under that name.
BATCH_DIR = os.path.dirname(os.path.abspath(str(sys.modules["lambda_toolkit.batch"].__file__))) + os.sep
RECORDS = 4


def _opcodes(*names: str) -> frozenset[int]:
    return frozenset(code for name, code in dis.opmap.items() if name in names)


# Where CPython runs a pending signal handler, so where the timeout guard's
# InvocationTimeout can appear: entering a function, a backward jump (a loop), and right
# after a call returns (the names cover Python 3.10 to 3.13).
_CALLS = _opcodes("CALL", "CALL_FUNCTION", "CALL_METHOD", "CALL_FUNCTION_KW", "CALL_FUNCTION_EX", "CALL_KW")
_BACKWARD_JUMPS = _opcodes("JUMP_BACKWARD", "JUMP_ABSOLUTE")


class Injector:
    """A trace function raising InvocationTimeout at the ``at``-th point of the batch
    package's code, on this thread, where a signal could deliver it. With ``at=None`` it
    only counts the points."""

    def __init__(self, at: int | None) -> None:
        self.at = at
        self.steps = 0
        self.fired = ""  # where it raised: file, function, line
        self._after_call: set[FrameType] = set()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(BATCH_DIR):
            return None
        frame.f_trace_opcodes = True
        return self._step(frame, event, arg)

    def _point(self, frame: FrameType) -> None:
        if self.steps == self.at:
            self.fired = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_code.co_name}:{frame.f_lineno}"
            raise InvocationTimeout("injected")  # a raising trace function unsets itself
        self.steps += 1

    def _step(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":
            self._point(frame)
        elif event == "opcode":
            opcode = frame.f_code.co_code[frame.f_lasti]
            if frame in self._after_call:
                self._after_call.discard(frame)
                self._point(frame)
            elif opcode in _BACKWARD_JUMPS:
                self._point(frame)
            if opcode in _CALLS:
                self._after_call.add(frame)
        elif event == "return":
            self._after_call.discard(frame)
        return self._step


class Scenario:
    """One way to run a batch, with what the record function completed."""

    def __init__(self, name: str, options: dict[str, Any], kind: str = "decorator") -> None:
        self.name = name
        self.options = options
        self.kind = kind
        self.concurrency = int(options.get("concurrency", 1))

    def run(self, injector: Injector) -> tuple[dict[str, Any] | None, list[str], list[str], list[BatchOutcome]]:
        """The response (None when InvocationTimeout escaped), the records entered and
        completed, and the outcomes the hook received."""
        entered: list[str] = []
        completed: list[str] = []
        lock = threading.Lock()
        outcomes: list[BatchOutcome] = []

        def done(record: Any) -> None:
            # with model=dict the record function receives the body {"n": i}
            message_id = f"m{record['n']}" if isinstance(record, dict) else record.message_id
            entered.append(message_id)
            if message_id == "m1":
                raise ValueError("m1 always fails")
            with lock:
                completed.append(message_id)

        async def done_async(record: Any) -> None:
            await asyncio.sleep(0)
            done(record)

        options = {"all_failed": "report", "on_outcome": outcomes.append, **self.options}
        asynchronous = self.kind in ("async", "process_batch_async")
        record_function: Callable[..., Any] = done_async if asynchronous else done
        handler: Callable[..., Any]
        if self.kind in ("decorator", "async"):
            handler = batch("sqs", **options)(record_function)
        elif self.kind == "process_batch":

            def plain(event: Any, context: Any) -> Any:
                # what the handler does with the outcome is the user's code
                return process_batch(event, record_function, source="sqs", **options)

            handler = apply_middleware(Middleware("invocation", handler_only=True), plain)
        else:

            async def coroutine_handler(event: Any, context: Any) -> Any:
                return await process_batch_async(event, record_function, source="sqs", **options)

            wrapped = apply_middleware(Middleware("invocation", handler_only=True), coroutine_handler)

            def handler(event: Any, context: Any) -> Any:
                return asyncio.run(wrapped(event, context))

        event = _events.sqs(RECORDS)
        previous = sys.gettrace()
        sys.settrace(injector)
        answer: Any = None
        try:
            answer = handler(event, FakeContext(timeout_ms=60_000))
        except InvocationTimeout:
            pass
        finally:
            sys.settrace(previous)
        response = answer.response if isinstance(answer, BatchOutcome) else answer
        return response, entered, completed, outcomes


SCENARIOS = [
    Scenario("typed records", {}),
    Scenario("model", {"model": dict}),
    Scenario("stop rule", {"stop_on_first_failure": True}),
    Scenario("threads", {"concurrency": 2}),
    Scenario("asyncio", {"concurrency": 2}, kind="async"),
    Scenario("process_batch", {}, kind="process_batch"),
    Scenario("process_batch threads", {"concurrency": 2}, kind="process_batch"),
    Scenario("process_batch_async", {"concurrency": 2}, kind="process_batch_async"),
]


def check(scenario: Scenario) -> None:
    """Every injection point of ``scenario`` answers with the partial response."""
    counter = Injector(None)
    response, _, completed, _ = scenario.run(counter)
    assert not counter.fired and counter.steps > 20
    assert response is not None and _events.failures(response)[0] == "m1"

    escaped: list[int] = []
    for at in range(counter.steps + 1):
        injector = Injector(at)
        response, entered, completed, outcomes = scenario.run(injector)
        where = (scenario.name, at, injector.fired)
        if response is None:
            # only the first steps, before any record started, may let it through:
            # Lambda then retries a batch of which nothing was done
            assert not entered, f"InvocationTimeout escaped after records ran: {where}"
            escaped.append(at)
            continue
        reported = set(_events.failures(response))
        everything = {f"m{i}" for i in range(RECORDS)}
        assert reported <= everything
        # nothing is lost: a record not reported was processed
        assert everything - reported <= set(completed), where
        # and what was done is not redone, but for the records in flight when interrupted
        assert len(reported & set(completed)) <= scenario.concurrency, where
        assert len(outcomes) <= 1, where
        if outcomes:
            assert outcomes[0].response == response, where
    assert escaped == list(range(len(escaped))), "the interruption escaped after the batch's first steps"


SCENARIO_NAMES = [scenario.name for scenario in SCENARIOS]

if __name__ == "__main__":
    import warnings

    # a coroutine interrupted at its very first step is closed without having run
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
    [chosen] = [scenario for scenario in SCENARIOS if scenario.name == sys.argv[1]]
    check(chosen)
    print(f"{chosen.name}: every injection point answered")

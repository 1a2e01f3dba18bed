"""Timeout guard: what arming and cancelling the SIGALRM timer costs every invocation.

Powertools for AWS Lambda (Python) has no timeout guard, so there is no side-by-side
figure: the absolute cost is reported, with the bare handler and a no-op layer of the
same middleware engine for reference.
"""

from __future__ import annotations

import time
from typing import Any

from _harness import Scenario, per_call

from lambda_toolkit.core import Middleware, middleware
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import Deadline, timeout_guard, watchdog

EVENT: dict[str, Any] = {"order_id": "o-1"}
CONTEXT = FakeContext(timeout_ms=900_000)


def _bare(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return event


_guarded = timeout_guard(margin_ms=500)(_bare)
_post_mortem = timeout_guard(margin_ms=500, post_mortem=True)(_bare)
_watched = watchdog(margin_ms=500)(_bare)
_noop = middleware(lambda: Middleware("noop", before=lambda call: None, after=lambda call: None))(_bare)


def _work_loop(event: dict[str, Any], context: Any) -> int:
    work = Deadline.current().iterate(range(100), margin_ms=500)
    for _ in work:
        pass
    return work.done


_looping = middleware(lambda: Middleware("noop"))(_work_loop)


def _us(fn: Any) -> float:
    return per_call(lambda: fn(EVENT, CONTEXT)) * 1e6


def _cpu_us(fn: Any, number: int = 20_000, repeat: int = 7) -> float:
    """Best CPU time of this thread per call: on a loaded machine wall time also counts
    the waits for a core, which the guard's cost does not depend on."""
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        for _ in range(number):
            fn(EVENT, CONTEXT)
        best = min(best, (time.thread_time() - start) / number)
    return best * 1e6


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "timeout guard: added per invocation (timer armed + cancelled)",
            "µs",
            lambda: _us(_guarded) - _us(_noop),
            None,
            goal="<= 10 µs",
            extra={
                "added per invocation, CPU time of the thread": lambda: _cpu_us(_guarded) - _cpu_us(_noop),
                "guarded handler, whole call": lambda: _us(_guarded),
                "no-op layer, whole call": lambda: _us(_noop),
                "bare handler call": lambda: _us(_bare),
            },
        ),
        Scenario(
            "timeout post-mortem: added per invocation (post_mortem=True on the guard)",
            "µs",
            lambda: _us(_post_mortem) - _us(_guarded),
            None,
            extra={
                "added per invocation, CPU time of the thread": lambda: _cpu_us(_post_mortem) - _cpu_us(_guarded),
                "@watchdog: added per invocation": lambda: _us(_watched) - _us(_noop),
                "@watchdog: added per invocation, CPU time of the thread": lambda: _cpu_us(_watched) - _cpu_us(_noop),
            },
        ),
        Scenario(
            "Deadline.iterate: per item (100 items, margin checked each)",
            "µs/item",
            lambda: _us(_looping) / 100,
            None,
        ),
    ]

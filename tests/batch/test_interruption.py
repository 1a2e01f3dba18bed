"""Whatever moment ``InvocationTimeout`` lands (the timeout guard raises it from a signal
handler, at any bytecode), the batch handler answers with its partial response: what was
done is kept, everything else is reported failed, and the whole batch is never retried
because the interruption came after the record loop.

The deterministic tests inject the interruption at every point of the batch package's
code where a signal handler can run (entering a function, a loop's backward jump, the
return of a call), one run per point, in a fresh interpreter per scenario
(``_interruption_points.py``); the last one uses the real timeout guard with a
margin equal to the batch's, where the two race.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.batch import batch
from lambda_toolkit.core import InvocationTimeout
from lambda_toolkit.testing import FakeContext

from . import _events
from ._interruption_points import SCENARIO_NAMES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_an_interruption_at_any_step_still_answers_with_the_partial_response(scenario: str) -> None:
    # in a fresh interpreter: raising from a trace function leaves sys.exc_info() set
    result = subprocess.run(
        [sys.executable, "-m", "tests.batch._interruption_points", scenario],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip() == f"{scenario}: every injection point answered"


@pytest.mark.parametrize("guard_margin_ms", [30, 29.5, 29])
def test_the_real_timeout_guard_racing_the_batch_margin_never_loses_the_partial_response(
    guard_margin_ms: float,
) -> None:
    from lambda_toolkit.timeout import timeout_guard

    records = 3000
    event = _events.sqs(records)
    entered: list[int] = []
    completed: list[int] = []

    def busy(record: Any) -> None:
        entered.append(1)
        time.sleep(0.00005)  # at least 50 µs a record, however fast the machine
        total = 0
        for i in range(100):
            total += i
        completed.append(total)

    # the guard fires when the batch's own margin is reached, or just after the loop
    # stopped (while the outcome and the response are built): the two race
    handler = timeout_guard(margin_ms=guard_margin_ms)(batch("sqs", deadline_margin_ms=30)(busy))
    for _ in range(15):
        entered.clear()
        completed.clear()
        try:
            response = handler(event, FakeContext(timeout_ms=60))
        except InvocationTimeout:
            # a machine stalled long enough for the guard to fire before the first record
            assert not entered, "InvocationTimeout escaped after records ran"
            continue
        reported = len(response["batchItemFailures"])
        assert reported <= records
        assert reported + len(completed) in (records, records + 1)  # at most the record in flight twice

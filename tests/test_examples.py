"""`make demo`: the example application end to end, as the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_shows_an_order_its_replay_a_partial_failure_and_one_correlation_id() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"statusCode": 201' in out
    assert "same order id: True; replay header: true" in out
    assert "1 order message(s) on the queue (one order, not two)" in out
    assert out.count('"itemIdentifier"') == 1  # only the poison message failed
    assert "correlation ids in the log lines of both functions: ['demo-7f3a9c']" in out
    assert "[EMF metrics] OrdersCreated=1 (correlation_id demo-7f3a9c)" in out  # metadata, not a dimension
    assert "sk_demo_never_printed" not in out + result.stderr

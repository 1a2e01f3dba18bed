"""The examples run as the docs and `make demo` show them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_demo_script_prints_the_example_response() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert '"message": "hello, lambda-toolkit"' in result.stdout
    assert '"cold_start": true' in result.stdout

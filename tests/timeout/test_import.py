"""Importing the timeout utility stays cheap: no heavy dependency, not even asyncio."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("boto3", "botocore", "pydantic", "aws_xray_sdk", "opentelemetry", "asyncio")


def test_import_pulls_in_no_heavy_module() -> None:
    code = (
        "import sys, lambda_toolkit, lambda_toolkit.timeout; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_names() -> None:
    import lambda_toolkit.timeout as timeout
    from lambda_toolkit.core import InvocationTimeout

    assert timeout.InvocationTimeout is InvocationTimeout
    assert sorted(timeout.__all__) == [
        "DEFAULT_MARGIN_MS",
        "Deadline",
        "InvocationTimeout",
        "OnTimeout",
        "TimeoutInfo",
        "WorkLoop",
        "protect",
        "timeout_guard",
        "watchdog",
    ]
    assert not hasattr(timeout, "INTERRUPTED_KEY")  # the Invocation.interrupted field replaced it

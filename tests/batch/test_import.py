"""Importing the batch utility stays cheap: no pydantic, no AWS SDK until a batch is set up."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "pydantic",
    "boto3",
    "botocore",
    "aws_xray_sdk",
    "opentelemetry",
    "jmespath",
    "cachetools",
    "asyncio",
    "concurrent.futures",
)


def test_import_lambda_toolkit_batch_loads_nothing_heavy() -> None:
    code = f"import sys, lambda_toolkit, lambda_toolkit.batch\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

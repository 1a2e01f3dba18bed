"""Importing the batch utility stays cheap: no pydantic, no AWS SDK until a batch is set up."""

from __future__ import annotations

import subprocess
import sys

from tests._runtime import added_on_lambda

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


def test_a_module_with_a_batch_handler_loads_no_pydantic_typing_or_inspect() -> None:
    # what a queue worker pays at cold start: the decorator is applied at import (measured
    # after what Lambda's runtime has loaded; under coverage the interpreter's start-up
    # already holds some of these, and what it holds is not "added")
    code = "from lambda_toolkit.batch import batch\n@batch('sqs')\ndef handler(record):\n    return record.body\n"
    assert added_on_lambda(code) & {"pydantic", "typing", "inspect", "dataclasses", "asyncio"} == set()


def test_the_type_names_are_still_importable() -> None:
    from lambda_toolkit.batch import BatchHandler, BatchOptions, FailureReason, ItemId, Source

    assert BatchOptions.__optional_keys__ >= {"concurrency", "on_outcome"}
    assert all(name is not None for name in (BatchHandler, FailureReason, ItemId, Source))

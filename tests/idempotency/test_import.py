"""Importing the idempotency package stays cheap: no boto3, botocore, pydantic, jmespath, cachetools."""

from __future__ import annotations

import json
import subprocess
import sys

import lambda_toolkit.idempotency as idempotency

HEAVY = ("boto3", "botocore", "pydantic", "jmespath", "cachetools", "aws_xray_sdk", "opentelemetry")


def test_importing_the_package_imports_no_heavy_dependency() -> None:
    code = (
        "import sys, json\n"
        "import lambda_toolkit.idempotency as i\n"
        "s = i.DynamoDBStore('t')\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout)
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}


def test_every_public_name_resolves() -> None:
    for name in idempotency.__all__:
        assert getattr(idempotency, name) is not None

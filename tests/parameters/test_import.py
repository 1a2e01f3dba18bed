"""Cold start: importing the package loads no heavy dependency; the extension path never loads boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import FakeExtension

HEAVY = ("boto3", "botocore", "pydantic", "cachetools", "aws_xray_sdk", "opentelemetry")


def _run(code: str, env: dict[str, str] | None = None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_package_imports_no_heavy_dependency() -> None:
    loaded = _run("import sys, json, lambda_toolkit.parameters; print(json.dumps(sorted(sys.modules)))")
    assert not [name for name in loaded if name.split(".")[0] in HEAVY]


def test_the_appconfig_and_dynamodb_providers_load_when_first_asked_for() -> None:
    code = (
        "import sys, json, lambda_toolkit.parameters as p\n"
        "def loaded():\n"
        "    return sorted(m for m in ('lambda_toolkit.parameters._appconfig', 'lambda_toolkit.parameters._dynamodb')"
        " if m in sys.modules)\n"
        "before = loaded()\n"
        "p.get_default_provider().appconfig\n"
        "p.DynamoDBProvider\n"
        "print(json.dumps([before, loaded()]))\n"
    )
    before, after = (list(names) for names in _run(code))
    assert before == []
    assert after == ["lambda_toolkit.parameters._appconfig", "lambda_toolkit.parameters._dynamodb"]


def test_reading_through_the_extension_never_imports_boto3(extension: FakeExtension) -> None:
    extension.put_secret("prod/db", "pw")
    extension.put_parameter("/app/table", "orders")
    code = (
        "import sys, json\n"
        "from lambda_toolkit.parameters import get_secret, get_parameter\n"
        "values = [str(get_secret('prod/db')), get_parameter('/app/table')]\n"
        "print(json.dumps(values + sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))))\n"
    )
    env = {"AWS_LAMBDA_FUNCTION_NAME": "orders", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension.port)}
    assert _run(code, env) == ["pw", "orders"]
    assert len(extension.requests) == 2

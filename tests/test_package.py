"""The package surface: version, lazy exports, and the cold-start import promise."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import lambda_toolkit

HEAVY = ("boto3", "botocore", "pydantic", "aws_xray_sdk", "opentelemetry", "jmespath", "cachetools")


def test_version_is_a_string() -> None:
    assert isinstance(lambda_toolkit.__version__, str)


def test_lazy_exports_resolve_and_unknown_names_fail() -> None:
    assert lambda_toolkit.LambdaToolkitError.__name__ == "LambdaToolkitError"
    assert lambda_toolkit.FakeContext().function_name == "test-function"
    assert "LambdaToolkitError" in dir(lambda_toolkit)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lambda_toolkit.nope


@pytest.mark.parametrize("module", ["lambda_toolkit", "lambda_toolkit.core", "lambda_toolkit.testing"])
def test_importing_imports_no_heavy_dependency(module: str) -> None:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout)
    )
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}


def test_every_name_in_all_resolves() -> None:
    for name in lambda_toolkit.__all__:
        assert getattr(lambda_toolkit, name) is not None

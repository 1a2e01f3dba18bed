"""The pytest plugin's fixtures, run the way a user's project runs them: a pytest session of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lambda_toolkit.testing import reset_toolkit

if TYPE_CHECKING:
    from lambda_toolkit.parameters import BatchResult


def _run_pytest(directory: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "LAMBDA_TOOLKIT_", "PYTEST_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(directory)],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_mocked_aws_starts_moto_creates_nothing_and_forgets_between_tests(tmp_path: Path) -> None:
    result = _run_pytest(
        tmp_path,
        {
            "test_user.py": """
                import os

                import boto3
                import pytest

                from lambda_toolkit.parameters import ParameterNotFoundError, get_parameter, get_secret


                def test_first(mocked_aws):
                    assert os.environ["LAMBDA_TOOLKIT_PARAMETERS_PROVIDER"] == "sdk"
                    ssm = boto3.client("ssm")
                    assert ssm.meta.region_name == "us-east-1"
                    assert ssm.describe_parameters()["Parameters"] == []
                    ssm.put_parameter(Name="/app/mode", Value="first", Type="String")
                    assert get_parameter("/app/mode") == "first"
                    boto3.client("secretsmanager").create_secret(Name="app/db", SecretString='{"user": "a"}')
                    assert get_secret("app/db", transform="json") == {"user": "a"}


                def test_second_sees_neither_the_resources_nor_the_cache(mocked_aws):
                    ssm = boto3.client("ssm")
                    assert ssm.describe_parameters()["Parameters"] == []
                    with pytest.raises(ParameterNotFoundError):
                        get_parameter("/app/mode")
                    ssm.put_parameter(Name="/app/mode", Value="second", Type="String")
                    assert get_parameter("/app/mode") == "second"
            """,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_reset_lambda_toolkit_makes_each_test_a_cold_start(tmp_path: Path) -> None:
    result = _run_pytest(
        tmp_path,
        {
            "test_cold.py": """
                import pytest

                from lambda_toolkit.core import current_invocation, middleware, Middleware
                from lambda_toolkit.testing import FakeContext

                plain = middleware(lambda: Middleware("plain"))


                @plain
                def handler(event, context):
                    return current_invocation().cold_start


                @pytest.mark.parametrize("run", [1, 2])
                def test_cold_start(reset_lambda_toolkit, run):
                    assert handler({}, FakeContext()) is True
                    assert handler({}, FakeContext()) is False
            """,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_reset_toolkit_clears_the_parameters_cache_and_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    import lambda_toolkit.core.aws as core_aws
    from lambda_toolkit.parameters import AutoProvider, get_default_provider, get_parameter, set_default_provider

    class Counting:
        def __init__(self) -> None:
            self.fetches = 0

        def get_parameter(self, name: str, *, decrypt: bool) -> str:
            self.fetches += 1
            return "value"

        def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
            raise AssertionError("the test reads one parameter")

        def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
            raise AssertionError("the test reads one parameter")

    provider = Counting()
    get_parameter("/a", provider=provider)
    get_parameter("/a", provider=provider)
    assert provider.fetches == 1
    monkeypatch.setattr(core_aws, "_session", object())
    default = get_default_provider()
    assert isinstance(default, AutoProvider)

    reset_toolkit()
    get_parameter("/a", provider=provider)
    assert provider.fetches == 2
    assert core_aws._session is None
    assert isinstance(get_default_provider(), AutoProvider)
    assert get_default_provider() is not default  # its clients came from the old session

    set_default_provider(provider)  # a provider of the user's is kept
    try:
        reset_toolkit()
        assert get_default_provider() is provider
    finally:
        set_default_provider(None)


def _recipe(page: str) -> dict[str, str]:
    """The files a docs page shows under ``<!-- recipe: NAME -->`` markers."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / page).read_text()
    return dict(re.findall(r"^<!-- recipe: (\S+) -->\n```(?:python|py)\n(.*?)^```", text, re.MULTILINE | re.DOTALL))


def test_the_conftest_recipe_of_the_docs_passes_as_written(tmp_path: Path) -> None:
    files = _recipe("testing.md")
    assert sorted(files) == ["conftest.py", "orders.py", "test_orders.py"]
    result = _run_pytest(tmp_path, files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_the_getting_started_function_and_its_test_pass_as_written(tmp_path: Path) -> None:
    files = _recipe("getting-started.md")
    assert sorted(files) == ["app.py", "test_app.py"]
    result = _run_pytest(tmp_path, files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout

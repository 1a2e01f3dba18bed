"""Typed reading of the runtime's environment variables."""

from __future__ import annotations

import pytest

from lambda_toolkit.core import ConfigurationError, InvocationTimeout, LambdaToolkitError
from lambda_toolkit.core.env import env_bool, env_float, env_int, is_lambda, trace_header


def test_is_lambda_follows_the_function_name_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert is_lambda() is False
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    assert is_lambda() is True


def test_trace_header(monkeypatch: pytest.MonkeyPatch) -> None:
    assert trace_header() is None
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    assert trace_header() == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), (" YES ", True), ("1", True), ("off", False), ("", False)]
)
def test_env_bool(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("LT_FLAG", raw)
    assert env_bool("LT_FLAG", not expected) is expected


def test_env_values_fall_back_to_defaults_and_reject_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LT_VALUE", raising=False)
    assert env_bool("LT_VALUE", True) is True
    assert env_int("LT_VALUE", 7) == 7
    assert env_float("LT_VALUE", 1.5) == 1.5
    monkeypatch.setenv("LT_VALUE", "42")
    assert env_int("LT_VALUE", 7) == 42
    assert env_float("LT_VALUE", 1.5) == 42.0
    monkeypatch.setenv("LT_VALUE", "many")
    with pytest.raises(ConfigurationError, match="LT_VALUE must be true or false"):
        env_bool("LT_VALUE", True)
    with pytest.raises(ConfigurationError, match="LT_VALUE must be an integer"):
        env_int("LT_VALUE", 7)
    with pytest.raises(ConfigurationError, match="LT_VALUE must be a number"):
        env_float("LT_VALUE", 1.5)


def test_invocation_timeout_is_a_toolkit_error_with_the_time_left() -> None:
    error = InvocationTimeout(remaining_ms=120.0)
    assert isinstance(error, LambdaToolkitError)
    assert error.remaining_ms == 120.0
    assert "deadline" in str(error)

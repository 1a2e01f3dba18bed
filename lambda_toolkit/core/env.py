"""Reading the Lambda runtime's environment variables, typed and with clear errors."""

from __future__ import annotations

import os

from lambda_toolkit.core.errors import ConfigurationError

__all__ = ["env_bool", "env_float", "env_int", "is_lambda", "trace_header"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def is_lambda() -> bool:
    """True inside a Lambda execution environment (or `lambda-toolkit invoke`)."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def trace_header() -> str | None:
    """The X-Ray trace header the runtime sets for the current invocation, if any."""
    return os.environ.get("_X_AMZN_TRACE_ID") or None


def env_bool(name: str, default: bool) -> bool:
    """A boolean environment variable; an unrecognised value is a ConfigurationError."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"environment variable {name} must be true or false")


def env_int(name: str, default: int) -> int:
    """An integer environment variable; a non-integer value is a ConfigurationError."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be an integer") from None


def env_float(name: str, default: float) -> float:
    """A float environment variable; a non-numeric value is a ConfigurationError."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be a number") from None

"""Reading the Lambda runtime's environment variables, typed and with clear errors."""

from __future__ import annotations

import os

from lambda_toolkit.core.errors import ConfigurationError

__all__ = [
    "DEFAULT_SERVICE",
    "SERVICE_ENV",
    "SERVICE_ENV_FALLBACK",
    "env_bool",
    "env_float",
    "env_int",
    "is_lambda",
    "service_name",
    "trace_header",
]

SERVICE_ENV = "LAMBDA_TOOLKIT_SERVICE"
# Read after ours so a function moved over from Powertools keeps its service name (and so
# its log queries and metric dimensions) without a template change.
SERVICE_ENV_FALLBACK = "POWERTOOLS_SERVICE_NAME"
DEFAULT_SERVICE = "service"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def is_lambda() -> bool:
    """True inside a Lambda execution environment (or `lambda-toolkit invoke`)."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def trace_header() -> str | None:
    """The X-Ray trace header the runtime sets for the current invocation, if any."""
    return os.environ.get("_X_AMZN_TRACE_ID") or None


def service_name(explicit: str | None = None, *, option: str = "service") -> str:
    """The service name every utility uses (log lines, trace annotations, metric dimensions).

    In order: ``explicit`` (a utility's ``service=`` option), ``LAMBDA_TOOLKIT_SERVICE``,
    ``POWERTOOLS_SERVICE_NAME``, ``AWS_LAMBDA_FUNCTION_NAME``, then ``"service"``. Blank
    variables are skipped and values are stripped. An ``explicit`` value that is not a
    non-empty str is a ConfigurationError naming ``option``.
    """
    if explicit is not None:
        if not isinstance(explicit, str) or not explicit.strip():
            raise ConfigurationError(f"{option} must be a non-empty str")
        return explicit
    environ = os.environ
    for name in (SERVICE_ENV, SERVICE_ENV_FALLBACK, "AWS_LAMBDA_FUNCTION_NAME"):
        value = environ.get(name, "").strip()
        if value:
            return value
    return DEFAULT_SERVICE


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


#: Environment variable: the most threads the package runs blocking I/O of async code on.
IO_THREADS_VARIABLE = "LAMBDA_TOOLKIT_IO_THREADS"
_DEFAULT_IO_THREADS = 64


def io_threads() -> int:
    """How many threads the package's I/O pool may run (``LAMBDA_TOOLKIT_IO_THREADS``, 64),
    and so how many connections its AWS clients keep: async code calls one client from up
    to that many threads at once."""
    count = env_int(IO_THREADS_VARIABLE, _DEFAULT_IO_THREADS)
    if count < 1:
        raise ConfigurationError(f"environment variable {IO_THREADS_VARIABLE} must be a whole number >= 1")
    return count

"""lambda-toolkit: decorators and utilities for AWS Lambda functions in Python.

Importing the package is cheap: every name below is loaded on first access (PEP 562),
so a function pays only for the utilities it uses.
"""

from __future__ import annotations

import importlib

# Not `from typing import TYPE_CHECKING`: importing typing costs milliseconds at cold start.
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "LambdaToolkitError": "lambda_toolkit.core",
    "ConfigurationError": "lambda_toolkit.core",
    "InvocationTimeout": "lambda_toolkit.core",
    "LambdaContext": "lambda_toolkit.core",
    "Invocation": "lambda_toolkit.core",
    "Middleware": "lambda_toolkit.core",
    "current_invocation": "lambda_toolkit.core",
    "get_correlation_id": "lambda_toolkit.core",
    "middleware": "lambda_toolkit.core",
    "FakeContext": "lambda_toolkit.testing",
    "Logger": "lambda_toolkit.logging",
    "trace": "lambda_toolkit.tracing",
    "Metrics": "lambda_toolkit.metrics",
    "timeout_guard": "lambda_toolkit.timeout",
    "idempotent": "lambda_toolkit.idempotency",
    "idempotent_function": "lambda_toolkit.idempotency",
    "DynamoDBStore": "lambda_toolkit.idempotency",
    "batch": "lambda_toolkit.batch",
    "get_parameter": "lambda_toolkit.parameters",
    "get_secret": "lambda_toolkit.parameters",
    "parse": "lambda_toolkit.events",
    "detect": "lambda_toolkit.events",
    "parse_event": "lambda_toolkit.events",
}

__all__ = [
    "ConfigurationError",
    "DynamoDBStore",
    "FakeContext",
    "Invocation",
    "InvocationTimeout",
    "LambdaContext",
    "LambdaToolkitError",
    "Logger",
    "Metrics",
    "Middleware",
    "__version__",
    "batch",
    "current_invocation",
    "detect",
    "get_correlation_id",
    "get_parameter",
    "get_secret",
    "idempotent",
    "idempotent_function",
    "middleware",
    "parse",
    "parse_event",
    "timeout_guard",
    "trace",
]

if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.batch import batch
    from lambda_toolkit.core import (
        ConfigurationError,
        Invocation,
        InvocationTimeout,
        LambdaContext,
        LambdaToolkitError,
        Middleware,
        current_invocation,
        get_correlation_id,
        middleware,
    )
    from lambda_toolkit.events import detect, parse, parse_event
    from lambda_toolkit.idempotency import DynamoDBStore, idempotent, idempotent_function
    from lambda_toolkit.logging import Logger
    from lambda_toolkit.metrics import Metrics
    from lambda_toolkit.parameters import get_parameter, get_secret
    from lambda_toolkit.testing import FakeContext
    from lambda_toolkit.timeout import timeout_guard
    from lambda_toolkit.tracing import trace


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lambda_toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

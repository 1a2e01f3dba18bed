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
}

__all__ = [
    "ConfigurationError",
    "FakeContext",
    "Invocation",
    "InvocationTimeout",
    "LambdaContext",
    "LambdaToolkitError",
    "Middleware",
    "__version__",
    "current_invocation",
    "get_correlation_id",
    "middleware",
]

if TYPE_CHECKING:
    from typing import Any

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
    from lambda_toolkit.testing import FakeContext


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lambda_toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

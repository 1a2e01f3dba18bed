"""Structured JSON logging for Lambda handlers, with the invocation's context and a
correlation id on every line.

::

    from lambda_toolkit.logging import Logger

    log = Logger(service="orders")

    @log.inject_context
    def handler(event, context):
        log.info("paid", order_id=event["order_id"], amount=12.5)

Importing this package is cheap: it imports neither pydantic nor the stdlib ``logging``
module. Creating a ``Logger`` imports the latter (the Lambda runtime already has) to
route the library's own lines through it, unless ``library_logs=False`` or
``LAMBDA_TOOLKIT_LIBRARY_LOGS=0``.
"""

from __future__ import annotations

from lambda_toolkit.core.state import get_correlation_id, set_correlation_id
from lambda_toolkit.logging._keys import ScopedKeys
from lambda_toolkit.logging._levels import CRITICAL, DEBUG, ERROR, INFO, WARNING
from lambda_toolkit.logging._logger import Logger
from lambda_toolkit.logging._redaction import DEFAULT_REDACT_KEYS, MASK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.logging._datadog import datadog_fields
    from lambda_toolkit.logging._propagation import propagate_correlation_id
    from lambda_toolkit.logging._types import CorrelationIdSpec, Processor

__all__ = [
    "CRITICAL",
    "DEBUG",
    "DEFAULT_REDACT_KEYS",
    "ERROR",
    "INFO",
    "MASK",
    "WARNING",
    "CorrelationIdSpec",
    "datadog_fields",
    "Logger",
    "Processor",
    "ScopedKeys",
    "get_correlation_id",
    "propagate_correlation_id",
    "set_correlation_id",
]


def __getattr__(name: str) -> object:
    # The type aliases need typing, which the logger does not import (cold start), and the
    # Datadog preset is for some users only: loaded when asked for.
    if name in ("CorrelationIdSpec", "Processor"):
        from lambda_toolkit.logging import _types

        return getattr(_types, name)
    if name == "datadog_fields":
        from lambda_toolkit.logging._datadog import datadog_fields

        return datadog_fields
    if name == "propagate_correlation_id":  # one call at init, by the functions that send messages
        from lambda_toolkit.logging._propagation import propagate_correlation_id

        return propagate_correlation_id
    raise AttributeError(f"module 'lambda_toolkit.logging' has no attribute {name!r}")

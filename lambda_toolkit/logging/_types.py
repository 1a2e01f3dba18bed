"""Type aliases of the logging API, in a module of their own: they need ``typing``, which
the logger itself never imports at run time (cold start). ``lambda_toolkit.logging``
loads this module only when one of its names is asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

__all__ = ["CorrelationIdSpec", "Processor"]

CorrelationIdSpec: TypeAlias = str | Callable[[Any], Any] | None
"""What ``inject_context(correlation_id=...)`` accepts: ``"auto"`` (by trigger), a
JMESPath expression over the event, a callable ``event -> id`` (a str, or None for the
request id), or None for no correlation id."""

Processor: TypeAlias = Callable[[dict[str, Any]], dict[str, Any]]
"""What ``Logger(processors=[...])`` takes: a callable that gets a line's fields as a dict
and returns the dict to write (renamed, added or dropped fields)."""

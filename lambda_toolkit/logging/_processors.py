"""Processors: callables that rewrite a line's fields (rename, add, drop) before it is written.

A processor takes the line as a dict (the standard fields first, then the keys) and
returns the dict to write. They run in order, after every standard field is set and
before the JSON encoding. A logger without processors never reaches this module's code
at a log call.
"""

from __future__ import annotations

import json

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging._formatter import encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.logging._redaction import Redactor
    from lambda_toolkit.logging._types import Processor

__all__ = ["apply", "check_processors", "name_of"]


def name_of(processor: object) -> str:
    """The name a ``processor_error`` field gives a processor."""
    name = getattr(processor, "__qualname__", None) or getattr(type(processor), "__qualname__", "processor")
    return str(name)


def check_processors(processors: object) -> tuple[Processor, ...]:
    """The processors as a tuple; a non-callable one is a ``ConfigurationError`` at setup."""
    if processors is None:
        return ()
    if callable(processors) or isinstance(processors, (str, bytes)):
        raise ConfigurationError("Logger: processors must be a list of callables, not a single value")
    if not isinstance(processors, (list, tuple)):
        raise ConfigurationError(f"Logger: processors must be a list of callables, not a {type(processors).__name__}")
    found: tuple[Processor, ...] = tuple(processors)
    for index, processor in enumerate(found):
        if not callable(processor):
            raise ConfigurationError(
                f"Logger: processors[{index}] is a {type(processor).__name__}, not a callable taking the line's dict"
            )
    return found


def apply(line: str, processors: tuple[Processor, ...], redactor: Redactor) -> str:
    """The line rewritten by the processors. A processor that raises or returns something
    else than a dict does not lose the line: it is written as it was before processing,
    with ``processor_error`` naming the processor and the exception type."""
    record: dict[str, Any] = json.loads(line)
    original = dict(record)
    current = record
    for processor in processors:
        try:
            result: object = processor(current)
        except Exception as exc:
            # (only the type: the message of an exception may quote a field's value)
            original["processor_error"] = f"{name_of(processor)}: {type(exc).__name__}"
            return encode(original, redactor)
        if not isinstance(result, dict):
            original["processor_error"] = f"{name_of(processor)}: returned {type(result).__name__}, not a dict"
            return encode(original, redactor)
        current = result
    return encode(current, redactor)

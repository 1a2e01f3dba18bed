"""Warn once about bad tracing input, then stay quiet.

Tracing must never break the traced function nor flood its logs: each distinct problem
(a kind and a subject, such as an annotation key) is reported a single time per process
on the standard ``logging`` logger ``lambda_toolkit.tracing``. Messages name the problem
and the key, never a value.
"""

from __future__ import annotations

import logging

__all__ = ["LOGGER_NAME", "reset_warnings", "warn_once"]

LOGGER_NAME = "lambda_toolkit.tracing"
_MAX_REMEMBERED = 1024

_seen: set[tuple[str, str]] = set()


def warn_once(kind: str, subject: str, message: str) -> bool:
    """Log ``message`` as a warning unless (kind, subject) was already reported.

    Returns True when the warning was written.
    """
    marker = (kind, subject)
    if marker in _seen:
        return False
    if len(_seen) >= _MAX_REMEMBERED:  # a key made of data: stop remembering, and stop warning
        return False
    _seen.add(marker)
    logging.getLogger(LOGGER_NAME).warning("lambda_toolkit.tracing: %s", message)
    return True


def reset_warnings() -> None:
    """Forget what was reported (for tests)."""
    _seen.clear()

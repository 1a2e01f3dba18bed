"""Routing the stdlib ``logging`` module's records (botocore, urllib3, user code) into the
service's JSON lines, through the same level, buffering, sampling and masking.

A captured logger gets exactly one of these handlers and stops propagating to the root
logger, and capturing the root logger replaces its handlers (the Lambda runtime installs
one that would print each record a second time, in its own format), so every record is
written once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

# typing costs milliseconds at cold start (the Lambda runtime has not imported it), and
# every Logger routing the library's lines imports this module: type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class RecordSink(Protocol):
        """What the handler hands records to (a ``Logger``)."""

        def _emit_record(self, record: logging.LogRecord) -> None: ...


__all__ = ["ToolkitHandler", "install", "record_extra"]

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    # added by the Lambda runtime's filter
    "aws_request_id",
    "tenant_id",
    "_frame_type",
}


def record_extra(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra={...}`` keys a stdlib call attached to its record."""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD and not key.startswith("_")}


class ToolkitHandler(logging.Handler):
    """A stdlib handler writing records as the service's JSON lines."""

    def __init__(self, sink: RecordSink) -> None:
        super().__init__()
        self.sink = sink

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: writing is one call per line, and a lock here would deadlock a
        # signal handler that logs while the interrupted code was logging.
        if self.filters and not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record as one JSON line."""
        try:
            self.sink._emit_record(record)
        except Exception:  # pragma: no cover - _emit_record already never raises
            self.handleError(record)


def install(sink: RecordSink, names: Iterable[str | None], level: int | None) -> list[logging.Logger]:
    """Give each named logger (None: the root logger) exactly one handler to ``sink``."""
    configured = []
    for name in names:
        target = logging.getLogger(name)
        if target is logging.getLogger():
            for handler in list(target.handlers):
                target.removeHandler(handler)
        else:
            for handler in list(target.handlers):
                if isinstance(handler, ToolkitHandler):
                    target.removeHandler(handler)
            target.propagate = False
        target.addHandler(ToolkitHandler(sink))
        if level is not None:
            target.setLevel(level)
        configured.append(target)
    return configured

"""The library's own lines (``lambda_toolkit.batch``, ``.timeout``, ``.idempotency``...)
written through a toolkit ``Logger``, as JSON with the invocation's fields.

The other utilities log through stdlib loggers named ``lambda_toolkit.<utility>`` (they
never import this package), so the routing happens here: the stdlib logger
``lambda_toolkit`` gets one handler that hands its records to the ``Logger`` created
last (with ``library_logs`` on), and stops propagating, so the Lambda runtime's root
handler does not print them a second time in its own format. Its level is lowered to
DEBUG when nobody set one, so the ``Logger``'s level (and sampling and buffering) decide
what is written.
"""

from __future__ import annotations

import logging

from lambda_toolkit.logging._stdlib import ToolkitHandler

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.logging._stdlib import RecordSink

__all__ = ["LIBRARY_LOGGER", "LibraryHandler", "route", "unroute"]

LIBRARY_LOGGER = "lambda_toolkit"


class LibraryHandler(ToolkitHandler):
    """The handler ``route`` installs (told apart from one ``capture_stdlib`` installed)."""

    def __init__(self, sink: RecordSink, propagate: bool, level: int) -> None:
        super().__init__(sink)
        # what the stdlib logger had before, put back by unroute()
        self.saved_propagate = propagate
        self.saved_level = level


def route(sink: RecordSink) -> bool:
    """Write the library's records through ``sink`` from now on (replacing an earlier
    one). False when the user routed ``lambda_toolkit`` themselves with ``capture_stdlib``
    (theirs is kept)."""
    target = logging.getLogger(LIBRARY_LOGGER)
    for handler in target.handlers:
        if isinstance(handler, LibraryHandler):
            handler.sink = sink
            return True
        if isinstance(handler, ToolkitHandler):
            return False
    handler = LibraryHandler(sink, target.propagate, target.level)
    target.addHandler(handler)
    target.propagate = False
    if target.level == logging.NOTSET:
        target.setLevel(logging.DEBUG)
    return True


def unroute() -> None:
    """Give the library's records back to the stdlib (as before the first ``route``)."""
    target = logging.getLogger(LIBRARY_LOGGER)
    for handler in list(target.handlers):
        if isinstance(handler, LibraryHandler):
            target.removeHandler(handler)
            target.propagate = handler.saved_propagate
            if target.level == logging.DEBUG and handler.saved_level == logging.NOTSET:
                target.setLevel(logging.NOTSET)

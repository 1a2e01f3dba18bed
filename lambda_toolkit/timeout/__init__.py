"""Remaining-time guards: act before Lambda stops the function at its timeout.

- ``Deadline``: the current invocation's remaining time, ``expired(margin_ms)``,
  ``check()`` and ``iterate(items)``, a loop over work items that stops in time and says
  what was left.
- ``@timeout_guard(margin_ms=..., on_timeout=...)``: interrupts the handler ``margin_ms``
  before the deadline with ``InvocationTimeout`` (a SIGALRM timer in the main thread, a
  cooperative flag, the invocation's ``interrupted`` field, that ``Deadline``
  reports elsewhere), runs ``on_timeout`` and logs one
  "timeout imminent" line.
- ``@timeout_guard(..., post_mortem=True)`` and ``@watchdog(margin_ms=...)``: one
  post-mortem line (the stack of the thread running the handler, the time left, the
  request id, the batch records in progress) when the guard fires, or ``margin_ms``
  before the deadline without interrupting the handler; ``faulthandler`` writes the
  stacks to stderr when the handler holds the GIL in C code.
- ``protect(client)``: lets the guard stop a boto3 client's calls (the package's own
  clients are protected already): the interruption is neither wrapped nor retried by
  botocore, and each attempt's timeouts end before the invocation's deadline.

``InvocationTimeout`` lives in ``lambda_toolkit.core`` so that the other utilities
recognise it without importing this one; it is re-exported here.
"""

from __future__ import annotations

from lambda_toolkit.core.aws import protect
from lambda_toolkit.core.errors import InvocationTimeout
from lambda_toolkit.timeout._deadline import Deadline, WorkLoop
from lambda_toolkit.timeout._guard import DEFAULT_MARGIN_MS, OnTimeout, TimeoutInfo, timeout_guard
from lambda_toolkit.timeout._watchdog import watchdog

__all__ = [
    "DEFAULT_MARGIN_MS",
    "Deadline",
    "InvocationTimeout",
    "OnTimeout",
    "TimeoutInfo",
    "WorkLoop",
    "protect",
    "timeout_guard",
    "watchdog",
]

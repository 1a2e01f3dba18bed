"""Test helpers that ship with the library, so users test their own handlers with them.

``FakeContext`` stands in for the runtime's context object; ``capture_logs()`` and
``capture_metrics()`` collect, parsed, what the toolkit's loggers and metrics write;
``reset_toolkit()`` forgets what the toolkit keeps between invocations (cached
parameters, the boto3 session, the cold-start flag); ``simulate_restore()`` runs the
SnapStart after-restore hooks as Lambda does when it resumes a sandbox from a snapshot. The pytest plugin (registered
through the ``pytest11`` entry point) provides the ``lambda_context``, ``fake_clock``,
``reset_lambda_toolkit`` and ``mocked_aws`` fixtures. Importing this package imports
neither boto3, moto nor the utilities.
"""

from __future__ import annotations

from lambda_toolkit.testing._capture import CapturedLogs, CapturedMetrics, capture_logs, capture_metrics
from lambda_toolkit.testing._context import FakeClock, FakeContext
from lambda_toolkit.testing._reset import reset_toolkit
from lambda_toolkit.testing._snapstart import simulate_restore

__all__ = [
    "CapturedLogs",
    "CapturedMetrics",
    "FakeClock",
    "FakeContext",
    "capture_logs",
    "capture_metrics",
    "reset_toolkit",
    "simulate_restore",
]

"""Forgetting, between tests, what the toolkit keeps from one invocation to the next.

In a sandbox the toolkit keeps state across invocations on purpose: the cold-start flag,
the shared boto3 session, cached parameters and secrets. Between tests that state leaks:
a value cached by one test answers the next, a session made before ``moto`` started is
not mocked. ``reset_toolkit()`` clears it. Utilities the test process never imported are
left alone (nothing is imported here to reset it).
"""

from __future__ import annotations

import sys

from lambda_toolkit.core.aws import reset_session
from lambda_toolkit.core.state import reset_cold_start

__all__ = ["reset_toolkit"]


def reset_toolkit() -> None:
    """Make the process look like a new sandbox to the toolkit.

    - the next invocation is a cold start again;
    - the shared boto3 session is dropped: the next client is made anew (under ``moto``
      if it runs now);
    - the parameters cache is emptied, and the default provider, if it is the library's
      own ``AutoProvider``, is replaced by a new one (its boto3 clients were made from the
      old session); a provider set with ``set_default_provider`` is kept.
    """
    reset_cold_start()
    reset_session()
    parameters = sys.modules.get("lambda_toolkit.parameters")
    if parameters is not None:
        parameters.clear_cache()
        if type(parameters.get_default_provider()) is parameters.AutoProvider:
            parameters.set_default_provider(None)

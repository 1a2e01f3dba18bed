"""Fixtures for the timeout tests: every test must leave no timer armed and no handler replaced."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from lambda_toolkit.timeout import _alarm
from tests._servers import StalledEndpoint


@pytest.fixture(autouse=True)
def _no_timer_left_behind() -> Iterator[None]:
    handler = signal.getsignal(signal.SIGALRM)
    yield
    assert _alarm.armed_count() == 0, "a guard left its alarm armed"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0), "a guard left the timer running"
    assert signal.getsignal(signal.SIGALRM) is handler, "a guard did not restore the SIGALRM handler"


@pytest.fixture
def stalled_endpoint() -> Iterator[StalledEndpoint]:
    """An AWS endpoint on 127.0.0.1 that accepts connections and never answers."""
    with StalledEndpoint() as endpoint:
        yield endpoint

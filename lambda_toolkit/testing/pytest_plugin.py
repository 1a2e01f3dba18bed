"""The pytest plugin installed with lambda-toolkit (entry point ``pytest11``).

Fixtures:

- ``lambda_context``: a fresh ``FakeContext`` (3 s timeout) for each test.
- ``fake_clock``: a ``FakeClock``; ``FakeContext(clock=fake_clock)`` counts down on it.

It stays light: pytest loads it in every session of every project that installs the
library, so it imports nothing heavy.
"""

from __future__ import annotations

import pytest

from lambda_toolkit.testing._context import FakeClock, FakeContext


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that only moves when the test advances it."""
    return FakeClock()


@pytest.fixture
def lambda_context() -> FakeContext:
    """A Lambda context with a 3000 ms deadline counting down on real time."""
    return FakeContext()

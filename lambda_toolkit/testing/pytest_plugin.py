"""The pytest plugin installed with lambda-toolkit (entry point ``pytest11``).

Fixtures:

- ``lambda_context``: a fresh ``FakeContext`` (3 s timeout) for each test.
- ``fake_clock``: a ``FakeClock``; ``FakeContext(clock=fake_clock)`` counts down on it.
- ``reset_lambda_toolkit``: ``reset_toolkit()`` before and after the test (cold start,
  shared boto3 session, parameters cache).
- ``mocked_aws``: moto's ``mock_aws`` for the test, with dummy credentials and a region,
  on a reset toolkit; it creates nothing (your tables, parameters and secrets are yours
  to create).

It stays light: pytest loads it in every session of every project that installs the
library, so it imports nothing heavy (moto and boto3 only inside ``mocked_aws``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from lambda_toolkit.testing._context import FakeClock, FakeContext
from lambda_toolkit.testing._reset import reset_toolkit

# What keeps boto3 off real AWS while moto runs: credentials that cannot be real, no
# profile, no instance metadata.
_DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that only moves when the test advances it."""
    return FakeClock()


@pytest.fixture
def lambda_context() -> FakeContext:
    """A Lambda context with a 3000 ms deadline counting down on real time."""
    return FakeContext()


@pytest.fixture
def reset_lambda_toolkit() -> Iterator[None]:
    """The toolkit as in a new sandbox for the test, and again after it (see ``reset_toolkit``)."""
    reset_toolkit()
    yield
    reset_toolkit()


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch, reset_lambda_toolkit: None) -> Iterator[None]:
    """moto's ``mock_aws`` around the test, on a reset toolkit; creates no resource.

    Sets dummy credentials (``AWS_ACCESS_KEY_ID=testing``...), removes ``AWS_PROFILE``,
    keeps ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` if set (else ``us-east-1``) and makes
    the parameters utility read through the SDK
    (``LAMBDA_TOOLKIT_PARAMETERS_PROVIDER=sdk``: moto serves the SDK, not the Lambda
    extension). Needs moto (``pip install "moto[dynamodb,ssm,secretsmanager]"``).
    """
    try:
        from moto import mock_aws
    except ImportError:
        from lambda_toolkit.core.errors import ConfigurationError

        raise ConfigurationError(
            'the mocked_aws fixture needs moto: pip install "moto[dynamodb,ssm,secretsmanager]"'
        ) from None
    for name, value in _DUMMY_AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "sdk")
    with mock_aws():
        reset_toolkit()  # clients made from now on are made under moto
        yield
    reset_toolkit()

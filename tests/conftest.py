"""Shared fixtures: every test starts with a fresh cold-start flag and no AWS reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambda_toolkit.core import reset_cold_start
from lambda_toolkit.core.aws import reset_session
from lambda_toolkit.logging._library import unroute as unroute_library_logs


@pytest.fixture(autouse=True)
def _isolated_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    reset_cold_start()
    reset_session()  # clients made in one test (say under moto) never leak into the next
    # The library's own log lines go to the last Logger created: not to one an earlier test
    # (or an import at collection) made, but to stdlib logging (caplog) unless this test makes one.
    unroute_library_logs()
    # boto3 must never reach for an address off loopback, nor real credentials.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    yield
    reset_cold_start()
    unroute_library_logs()

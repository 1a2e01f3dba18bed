"""SnapStart: the SQS backoff's default clients are made anew in a restored sandbox."""

from __future__ import annotations

import pytest

from lambda_toolkit.batch import _backoff
from lambda_toolkit.core import snapstart
from lambda_toolkit.testing import simulate_restore


def test_a_restore_makes_the_default_client_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "_disabled", False)
    _backoff.reset_clients()
    before = _backoff._default_client("us-east-1")
    assert _backoff._default_client("us-east-1") is before
    simulate_restore()  # the snapshot's connections are dead
    assert _backoff._default_client("us-east-1") is not before
    _backoff.reset_clients()

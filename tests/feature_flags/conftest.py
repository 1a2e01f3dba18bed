"""Helpers for the feature flags tests: one-condition documents and a fixed clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lambda_toolkit.feature_flags import FeatureFlags


def one_condition(action: str, key: str, value: Any) -> dict[str, Any]:
    """A document whose boolean flag ``f`` is true when the one condition matches."""
    condition = {"action": action, "key": key, "value": value}
    return {"f": {"default": False, "rules": {"r": {"when_match": True, "conditions": [condition]}}}}


def matches(action: str, key: str, value: Any, context: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether the one condition matches ``context`` (at ``now`` for schedules)."""
    clock = (lambda: now) if now is not None else None
    flags = FeatureFlags(store=one_condition(action, key, value), clock=clock)
    assert flags.check() == ["f"]  # the condition is valid: a no-match is the operator's answer
    result = flags.evaluate("f", context=context, default=False)
    assert isinstance(result, bool)
    return result


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[arg-type, misc]

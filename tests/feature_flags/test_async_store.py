"""An async store where FeatureFlags calls its store synchronously is refused at set-up."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.feature_flags import FeatureFlags, FeatureFlagsConfigurationError


async def load_flags() -> dict[str, Any]:
    return {"new_checkout": {"default": True}}


def test_an_async_store_is_refused_by_name() -> None:
    # evaluate() calls the store synchronously: an async one would hand back a coroutine
    # each time, and every flag would silently fall back to its default.
    with pytest.raises(
        FeatureFlagsConfigurationError, match=r"FeatureFlags store is called synchronously .*load_flags"
    ):
        FeatureFlags(store=load_flags)  # type: ignore[arg-type]


def test_a_sync_store_still_works() -> None:
    flags = FeatureFlags(store=lambda: {"new_checkout": {"default": True}})
    assert flags.evaluate("new_checkout", default=False) is True

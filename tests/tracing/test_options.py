"""Tracing's options speak the package's option vocabulary: the shared checks, keyword-only."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.tracing import configure, subsegment, trace


@pytest.mark.parametrize("value", [math.nan, math.inf, -1, 0, 255, 1024.0, True, "1024"])
def test_metadata_max_bytes_is_an_integer_from_256(value: Any) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^tracing\.configure: metadata_max_bytes must be an integer >= 256, got "
    ):
        configure(metadata_max_bytes=value)


def test_metadata_max_bytes_accepts_its_minimum() -> None:
    configure(metadata_max_bytes=256)


def test_options_after_the_name_are_keyword_only() -> None:
    with pytest.raises(ConfigurationError, match="trace: too many positional arguments"):
        trace("checkout", False)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        subsegment("charge", False)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        configure("otel")  # type: ignore[call-arg]

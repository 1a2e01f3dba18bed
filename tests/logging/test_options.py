"""Logger's options speak the package's option vocabulary: the shared checks, keyword-only."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging import Logger

REFUSED = [math.nan, math.inf, -math.inf, -1, True, "10"]


@pytest.mark.parametrize("value", [*REFUSED, 1.5])
def test_sample_rate_is_a_fraction_from_zero_to_one(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^Logger: sample_rate must be a fraction in \[0, 1\], got "):
        Logger("orders", sample_rate=value)


@pytest.mark.parametrize("value", [*REFUSED, 2.0])
def test_buffer_size_is_an_integer_from_zero(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^Logger: buffer_size must be an integer >= 0, got "):
        Logger("orders", buffer_size=value)


@pytest.mark.parametrize("option", ["max_field_chars", "max_line_chars"])
@pytest.mark.parametrize("value", [*REFUSED, 0, 100.0])
def test_size_caps_are_integers_from_one(option: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=rf"^Logger: {option} must be an integer >= 1, got "):
        Logger("orders", **{option: value})


def test_the_limits_themselves_are_accepted() -> None:
    out = io.StringIO()
    log = Logger("orders", stream=out, sample_rate=1, buffer_size=0, max_field_chars=1, max_line_chars=1)
    log.info("hello")
    assert out.getvalue()


def test_options_after_the_service_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Logger("orders", "DEBUG")  # type: ignore[call-arg]


def test_the_sample_rate_variable_is_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_SAMPLE_RATE", "nan")
    with pytest.raises(
        ConfigurationError, match=r"^environment variable LOG_SAMPLE_RATE must be a fraction in \[0, 1\], got nan$"
    ):
        Logger("orders")

"""Debug sampling: a rate at which a whole invocation logs at DEBUG, decided once per invocation."""

from __future__ import annotations

import os

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_fraction

__all__ = ["check_rate", "decide", "rate_from_env"]


def check_rate(rate: float, where: str = "sample_rate") -> float:
    """A sampling rate between 0 and 1 (both included)."""
    return check_fraction(where, rate, include_one=True)


def rate_from_env() -> float:
    """``LOG_SAMPLE_RATE`` (0 when unset)."""
    raw = os.environ.get("LOG_SAMPLE_RATE", "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError("environment variable LOG_SAMPLE_RATE must be a number between 0 and 1") from None
    return check_rate(value, "environment variable LOG_SAMPLE_RATE")


def decide(rate: float) -> bool:
    """True for the share ``rate`` of the invocations."""
    if rate <= 0.0:
        return False
    if rate >= 1.0:
        return True
    import random  # only for rates strictly between 0 and 1

    return random.random() < rate

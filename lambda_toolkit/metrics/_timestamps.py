"""Explicit timestamps: what a provider's backend accepts, checked at the call that sets one.

Loaded by the first ``set_timestamp`` (or ``single_metric(timestamp=...)``): a function
that dates its metrics at the flush never imports it.
"""

from __future__ import annotations

import math

from lambda_toolkit.metrics._rules import MetricValidationError

__all__ = ["RULE_TIMESTAMP", "MetricTimestampError", "check_timestamp"]

RULE_TIMESTAMP = "timestamp within the provider's accepted window"


class MetricTimestampError(MetricValidationError):
    """A timestamp is outside the window the provider's backend accepts, not a timestamp
    at all, or given to a provider that records at the time of recording."""


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{int(seconds // 86400)} days"
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{int(seconds // 60)} minutes"


def check_timestamp(
    value: object, window: tuple[float, float] | None, *, where: str, metric: str | None = None, now: float
) -> int:
    """``value`` (a timezone-aware ``datetime`` or seconds since the epoch) as epoch
    milliseconds, within ``window`` (seconds before and after ``now``).

    ``window`` is the provider's; ``None`` means the provider takes no explicit timestamp.
    The messages never show the timestamp itself (it may come from a payload).
    """
    if window is None:
        raise MetricTimestampError(
            f"{where}: this provider records each value when it is written and takes no explicit timestamp",
            rule=RULE_TIMESTAMP,
            metric=metric,
        )
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) if math.isfinite(value) else None
    elif hasattr(value, "utcoffset") and hasattr(value, "timestamp"):
        import datetime  # only a caller who passes a datetime pays for the module

        if isinstance(value, datetime.datetime):
            if value.utcoffset() is None:
                raise MetricTimestampError(
                    f"{where}: timestamp is a naive datetime; give it a timezone (datetime.now(timezone.utc))",
                    rule=RULE_TIMESTAMP,
                    metric=metric,
                )
            seconds = value.timestamp()
    if seconds is None:
        raise MetricTimestampError(
            f"{where}: timestamp must be a timezone-aware datetime or a finite number of seconds since the epoch, "
            f"got {type(value).__name__}",
            rule=RULE_TIMESTAMP,
            metric=metric,
        )
    past, future = window
    if seconds < now - past:
        raise MetricTimestampError(
            f"{where}: timestamp is more than {_duration(past)} in the past, which the backend drops",
            rule=RULE_TIMESTAMP,
            metric=metric,
        )
    if seconds > now + future:
        hint = " (a number is seconds since the epoch, not milliseconds)" if seconds > now * 100 else ""
        raise MetricTimestampError(
            f"{where}: timestamp is more than {_duration(future)} in the future, which the backend drops{hint}",
            rule=RULE_TIMESTAMP,
            metric=metric,
        )
    return int(seconds * 1000)

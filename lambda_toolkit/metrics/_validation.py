"""The typed errors of a document's rules, and the timestamp window.

A call that breaks a rule of a metric document raises a ``MetricValidationError`` naming
the metric (when the call concerns one: a ``single_metric``'s) and the rule (``.rule``,
one of the ``RULE_*`` constants): more than 30 dimensions in a set, the same set twice, one
dimension with two values, a timestamp outside what the backend accepts.

Loaded when one of them is raised or asked for (``from lambda_toolkit.metrics import
DimensionLimitError``) and by the first ``set_timestamp``: a function whose metrics keep
the rules never imports it.
"""

from __future__ import annotations

import math

from lambda_toolkit.metrics._rules import MetricsError

__all__ = [
    "RULE_DIMENSION_VALUE",
    "RULE_DUPLICATE_DIMENSION_SET",
    "RULE_MAX_DIMENSIONS",
    "RULE_TIMESTAMP",
    "DimensionLimitError",
    "DuplicateDimensionSetError",
    "MetricTimestampError",
    "MetricValidationError",
    "check_timestamp",
]

RULE_MAX_DIMENSIONS = "at most 30 dimensions per dimension set"
RULE_DUPLICATE_DIMENSION_SET = "no two identical dimension sets in one document"
RULE_DIMENSION_VALUE = "one value per dimension name in one document"


class MetricValidationError(MetricsError):
    """A call broke one of the rules of a metric document.

    ``metric`` is the metric concerned (``None`` when the call concerns the invocation's
    whole document, such as its dimensions); ``rule`` says which rule was broken.
    """

    def __init__(self, message: str, *, rule: str, metric: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.metric = metric


class DimensionLimitError(MetricValidationError):
    """A dimension set would hold more than 30 dimensions (EMF's limit)."""


class DuplicateDimensionSetError(MetricValidationError):
    """A dimension set repeats one already in the same document (CloudWatch would count
    every value twice)."""


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

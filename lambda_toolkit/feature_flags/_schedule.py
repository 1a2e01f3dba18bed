"""Schedule conditions: time-of-day, date-time and day-of-week windows in a time zone.

Imported only by documents that use a schedule (``datetime`` and ``zoneinfo`` are not
loaded by the Lambda runtime before a handler, so other documents do not pay for them).

The clock is the ``FeatureFlags`` one: an aware ``datetime`` (a naive one is taken as
UTC), converted to the condition's ``TIMEZONE`` (an IANA name, UTC when absent) at each
evaluation, so daylight saving changes are followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lambda_toolkit.feature_flags._errors import FlagDocumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import tzinfo
    from typing import Any

    from lambda_toolkit.feature_flags._conditions import Test

__all__ = ["DAYS", "KEYS", "build", "utc_now"]

KEYS = {
    "SCHEDULE_BETWEEN_TIME_RANGE": "CURRENT_TIME",
    "SCHEDULE_BETWEEN_DATETIME_RANGE": "CURRENT_DATETIME",
    "SCHEDULE_BETWEEN_DAYS_OF_WEEK": "CURRENT_DAY_OF_WEEK",
}
"""The ``key`` each schedule action must name (the clock, not a context key)."""

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(timezone.utc)


def build(action: str, key: str, value: Any, clock: Callable[[], datetime] | None) -> Test:
    """The test of one schedule condition, its value checked (``FlagDocumentError``)."""
    if key != KEYS[action]:
        raise FlagDocumentError(f"the key of {action} must be {KEYS[action]}")
    if not isinstance(value, Mapping):
        raise FlagDocumentError(f"the value of {action} must be an object")
    zone = _zone(value)
    now = _local_clock(clock or utc_now, zone)
    if action == "SCHEDULE_BETWEEN_TIME_RANGE":
        return _time_range(value, now)
    if action == "SCHEDULE_BETWEEN_DATETIME_RANGE":
        return _datetime_range(value, zone, now)
    return _days_of_week(value, now)


def _zone(value: Mapping[str, Any]) -> tzinfo:
    name = value.get("TIMEZONE")
    if name is None:
        return timezone.utc
    if not isinstance(name, str) or not name:
        raise FlagDocumentError("TIMEZONE must be an IANA time zone name, such as Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # unknown, or not a zone name at all
        raise FlagDocumentError("TIMEZONE is not a time zone this system knows (IANA names)") from None


def _local_clock(clock: Callable[[], datetime], zone: tzinfo) -> Callable[[], datetime | None]:
    def now() -> datetime | None:
        try:
            moment = clock()
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(zone)
        except Exception:  # an injected clock that fails or returns no datetime: no match
            return None

    return now


def _minute_of_day(value: Mapping[str, Any], end: str) -> int:
    text = value.get(end)
    match = _TIME_OF_DAY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise FlagDocumentError(f"{end} of SCHEDULE_BETWEEN_TIME_RANGE must be a time of day HH:MM (24-hour)")
    return int(match[1]) * 60 + int(match[2])


def _time_range(value: Mapping[str, Any], now: Callable[[], datetime | None]) -> Test:
    start, end = _minute_of_day(value, "START"), _minute_of_day(value, "END")

    # Both ends inclusive, to the minute; a window whose START is after its END runs
    # over midnight (22:00 to 06:00).
    if start <= end:

        def test(context: Mapping[str, Any]) -> bool:
            moment = now()
            return moment is not None and start <= moment.hour * 60 + moment.minute <= end

    else:

        def test(context: Mapping[str, Any]) -> bool:
            moment = now()
            if moment is None:
                return False
            minute = moment.hour * 60 + moment.minute
            return minute >= start or minute <= end

    return test


def _moment(value: Mapping[str, Any], end: str, zone: tzinfo) -> datetime:
    text = value.get(end)
    try:
        if not isinstance(text, str):
            raise ValueError(end)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FlagDocumentError(f"{end} of SCHEDULE_BETWEEN_DATETIME_RANGE must be an ISO 8601 date and time") from None
    # An offset written in the value wins; otherwise the moment is in TIMEZONE.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _datetime_range(value: Mapping[str, Any], zone: tzinfo, now: Callable[[], datetime | None]) -> Test:
    start, end = _moment(value, "START", zone), _moment(value, "END", zone)
    if start > end:
        raise FlagDocumentError("START of SCHEDULE_BETWEEN_DATETIME_RANGE is after its END")

    def test(context: Mapping[str, Any]) -> bool:
        moment = now()
        return moment is not None and start <= moment <= end

    return test


def _days_of_week(value: Mapping[str, Any], now: Callable[[], datetime | None]) -> Test:
    days = value.get("DAYS")
    if not isinstance(days, (list, tuple)) or not days or not all(isinstance(day, str) and day in DAYS for day in days):
        raise FlagDocumentError(f"DAYS of SCHEDULE_BETWEEN_DAYS_OF_WEEK must be a non-empty array of {', '.join(DAYS)}")
    weekdays = frozenset(DAYS.index(day) for day in days)

    def test(context: Mapping[str, Any]) -> bool:
        moment = now()
        return moment is not None and moment.weekday() in weekdays

    return test

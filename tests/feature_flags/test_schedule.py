"""Schedule conditions against an injected clock: time-of-day, date-time and day-of-week
windows, in the condition's time zone (UTC when it names none)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_toolkit.feature_flags import FeatureFlags

from .conftest import FixedClock, matches, one_condition, utc

PARIS = ZoneInfo("Europe/Paris")


def in_time_range(start: str, end: str, now: datetime, zone: str | None = None) -> bool:
    value: dict[str, Any] = {"START": start, "END": end}
    if zone is not None:
        value["TIMEZONE"] = zone
    return matches("SCHEDULE_BETWEEN_TIME_RANGE", "CURRENT_TIME", value, {}, now=now)


def test_a_time_range_includes_both_ends_to_the_minute() -> None:
    assert not in_time_range("09:00", "17:00", utc(2026, 3, 2, 8, 59, 59))
    assert in_time_range("09:00", "17:00", utc(2026, 3, 2, 9, 0))
    assert in_time_range("09:00", "17:00", utc(2026, 3, 2, 17, 0, 59, 999999))
    assert not in_time_range("09:00", "17:00", utc(2026, 3, 2, 17, 1))


def test_a_time_range_whose_start_is_after_its_end_runs_over_midnight() -> None:
    assert in_time_range("22:00", "06:00", utc(2026, 3, 2, 23, 30))
    assert in_time_range("22:00", "06:00", utc(2026, 3, 3, 0, 0))
    assert in_time_range("22:00", "06:00", utc(2026, 3, 3, 6, 0))
    assert not in_time_range("22:00", "06:00", utc(2026, 3, 3, 6, 1))
    assert not in_time_range("22:00", "06:00", utc(2026, 3, 3, 12, 0))


@given(
    minute=st.integers(0, 24 * 60 - 1),
    start=st.integers(0, 24 * 60 - 1),
    end=st.integers(0, 24 * 60 - 1),
)
def test_a_time_range_is_the_set_of_minutes_it_spans(minute: int, start: int, end: int) -> None:
    spanned = {(start + step) % 1440 for step in range((end - start) % 1440 + 1)}
    now = utc(2026, 1, 1) + timedelta(minutes=minute)
    assert in_time_range(f"{start // 60:02}:{start % 60:02}", f"{end // 60:02}:{end % 60:02}", now) is (
        minute in spanned
    )


def test_a_time_range_is_read_in_its_time_zone_and_follows_daylight_saving() -> None:
    # 09:00 in Paris is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    assert in_time_range("09:00", "10:00", utc(2026, 1, 15, 8, 30), "Europe/Paris")
    assert not in_time_range("09:00", "10:00", utc(2026, 1, 15, 7, 30), "Europe/Paris")
    assert in_time_range("09:00", "10:00", utc(2026, 7, 15, 7, 30), "Europe/Paris")
    assert not in_time_range("09:00", "10:00", utc(2026, 7, 15, 8, 30), "Europe/Paris")


def test_a_clock_in_another_zone_or_naive_is_the_same_moment() -> None:
    paris_noon = datetime(2026, 1, 15, 12, 0, tzinfo=PARIS)  # 11:00 UTC
    assert in_time_range("11:00", "11:00", paris_noon)
    assert in_time_range("11:00", "11:00", datetime(2026, 1, 15, 11, 0))  # naive: UTC


def test_days_of_week_in_a_time_zone() -> None:
    weekend = {"DAYS": ["SATURDAY", "SUNDAY"], "TIMEZONE": "Pacific/Auckland"}
    friday_utc_saturday_auckland = utc(2026, 3, 6, 20, 0)  # a Friday in UTC, 09:00 Saturday in Auckland
    assert friday_utc_saturday_auckland.weekday() == 4
    assert matches("SCHEDULE_BETWEEN_DAYS_OF_WEEK", "CURRENT_DAY_OF_WEEK", weekend, {}, friday_utc_saturday_auckland)
    utc_weekend = {"DAYS": ["SATURDAY", "SUNDAY"]}
    assert not matches(
        "SCHEDULE_BETWEEN_DAYS_OF_WEEK", "CURRENT_DAY_OF_WEEK", utc_weekend, {}, friday_utc_saturday_auckland
    )


@pytest.mark.parametrize("day", range(7))
def test_each_day_name(day: int) -> None:
    names = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    now = utc(2026, 3, 2) + timedelta(days=day)  # 2026-03-02 is a Monday
    assert matches("SCHEDULE_BETWEEN_DAYS_OF_WEEK", "CURRENT_DAY_OF_WEEK", {"DAYS": [names[day]]}, {}, now)
    others = [name for name in names if name != names[day]]
    assert not matches("SCHEDULE_BETWEEN_DAYS_OF_WEEK", "CURRENT_DAY_OF_WEEK", {"DAYS": others}, {}, now)


def in_datetime_range(value: dict[str, Any], now: datetime) -> bool:
    return matches("SCHEDULE_BETWEEN_DATETIME_RANGE", "CURRENT_DATETIME", value, {}, now=now)


def test_a_datetime_range_without_offsets_is_in_its_time_zone_both_ends_included() -> None:
    launch = {"START": "2026-03-10T09:00:00", "END": "2026-03-12T18:00:00", "TIMEZONE": "Europe/Paris"}
    assert not in_datetime_range(launch, utc(2026, 3, 10, 7, 59, 59))
    assert in_datetime_range(launch, utc(2026, 3, 10, 8, 0))  # 09:00 in Paris
    assert in_datetime_range(launch, utc(2026, 3, 12, 17, 0))  # 18:00 in Paris
    assert not in_datetime_range(launch, utc(2026, 3, 12, 17, 0, 1))


def test_an_offset_written_in_the_range_wins_over_its_time_zone() -> None:
    value = {"START": "2026-03-10T09:00:00Z", "END": "2026-03-10T10:00:00+00:00", "TIMEZONE": "Asia/Tokyo"}
    assert in_datetime_range(value, utc(2026, 3, 10, 9, 30))
    assert not in_datetime_range(value, utc(2026, 3, 10, 0, 30))  # 09:30 in Tokyo


def test_schedules_combine_with_context_conditions_in_one_rule() -> None:
    business_hours = {
        "action": "SCHEDULE_BETWEEN_TIME_RANGE",
        "key": "CURRENT_TIME",
        "value": {"START": "09:00", "END": "17:59"},
    }
    weekdays = {
        "action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK",
        "key": "CURRENT_DAY_OF_WEEK",
        "value": {"DAYS": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]},
    }
    support = {"action": "EQUALS", "key": "plan", "value": "enterprise"}
    document = {
        "live_chat": {
            "default": False,
            "rules": {"open": {"when_match": True, "conditions": [business_hours, weekdays, support]}},
        }
    }
    clock = FixedClock(utc(2026, 3, 2, 10, 0))  # Monday 10:00
    flags = FeatureFlags(store=document, clock=clock)
    assert flags.evaluate("live_chat", context={"plan": "enterprise"}, default=False)
    assert not flags.evaluate("live_chat", context={"plan": "free"}, default=False)
    clock.now = utc(2026, 3, 2, 18, 0)  # the clock moves, the compiled document stays
    assert not flags.evaluate("live_chat", context={"plan": "enterprise"}, default=False)
    clock.now = utc(2026, 3, 7, 10, 0)  # Saturday
    assert not flags.evaluate("live_chat", context={"plan": "enterprise"}, default=False)


def test_without_a_clock_the_system_clock_in_utc_is_read() -> None:
    now = datetime.now(timezone.utc)
    # A window around now (the test may cross a minute: one minute of margin each side).
    start, end = now - timedelta(minutes=1), now + timedelta(minutes=2)
    value = {"START": start.strftime("%H:%M"), "END": end.strftime("%H:%M")}
    flags = FeatureFlags(store=one_condition("SCHEDULE_BETWEEN_TIME_RANGE", "CURRENT_TIME", value))
    assert flags.evaluate("f", default=False) is True
    far = {"START": (now + timedelta(hours=6)).strftime("%H:%M"), "END": (now + timedelta(hours=7)).strftime("%H:%M")}
    flags = FeatureFlags(store=one_condition("SCHEDULE_BETWEEN_TIME_RANGE", "CURRENT_TIME", far))
    assert flags.evaluate("f", default=False) is False


def test_a_clock_that_fails_makes_the_schedule_not_match_without_raising() -> None:
    def broken() -> datetime:
        raise OSError("no clock")

    flags = FeatureFlags(
        store=one_condition("SCHEDULE_BETWEEN_DAYS_OF_WEEK", "CURRENT_DAY_OF_WEEK", {"DAYS": ["MONDAY"]}), clock=broken
    )
    assert flags.evaluate("f", default=None) is False

    def not_a_datetime() -> Any:
        return "noon"

    flags = FeatureFlags(
        store=one_condition("SCHEDULE_BETWEEN_TIME_RANGE", "CURRENT_TIME", {"START": "00:00", "END": "23:59"}),
        clock=not_a_datetime,
    )
    assert flags.evaluate("f", default=None) is False

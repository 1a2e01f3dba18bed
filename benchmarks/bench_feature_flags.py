"""Feature flags: evaluating a 20-rule document from cache, and the cold import of a
module using feature flags, lambda-toolkit beside Powertools.

Both libraries read the same document from a store that returns a dict (what their
stores hand back once the document is cached): Powertools through a custom
``StoreProvider``, lambda-toolkit through a zero-argument callable. The flag has 20
rules of two conditions each (tenant equals, tier in a list); the context matches the
last rule, so every rule is tried.
"""

from __future__ import annotations

import logging
from typing import Any

from _harness import Scenario, cold_import, per_call

RULES = 20
CONTEXT = {"tenant": f"tenant-{RULES - 1}", "tier": "gold", "user_id": "user-42"}


def document() -> dict[str, Any]:
    rules = {
        f"tenant {number}": {
            "when_match": True,
            "conditions": [
                {"action": "EQUALS", "key": "tenant", "value": f"tenant-{number}"},
                {"action": "IN", "key": "tier", "value": ["gold", "platinum"]},
            ],
        }
        for number in range(RULES)
    }
    return {"premium_checkout": {"default": False, "rules": rules}, "dark_mode": {"default": True}}


def scheduled_document(rollout: dict[str, Any]) -> dict[str, Any]:
    """One rule: a time-of-day window in a time zone, a weekday list and a rollout condition."""
    window = {"START": "00:00", "END": "23:59", "TIMEZONE": "Europe/Paris"}
    days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    conditions = [
        {"action": "SCHEDULE_BETWEEN_TIME_RANGE", "key": "CURRENT_TIME", "value": window},
        {"action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK", "key": "CURRENT_DAY_OF_WEEK", "value": {"DAYS": days}},
        rollout,
    ]
    return {"new_search": {"default": False, "rules": {"rollout": {"when_match": True, "conditions": conditions}}}}


# lambda-toolkit buckets users by a hash of their id; Powertools by a modulo of a numeric id.
OURS_ROLLOUT = {"action": "PERCENTAGE_ROLLOUT", "key": "user_id", "value": {"PERCENTAGE": 100}}
THEIRS_ROLLOUT = {"action": "MODULO_RANGE", "key": "account", "value": {"BASE": 100, "START": 0, "END": 99}}
SCHEDULE_CONTEXT = {"user_id": "user-42", "account": 42}


def _ours(make: Any = None) -> Any:
    from lambda_toolkit.feature_flags import FeatureFlags

    cached = make() if make else document()
    flags = FeatureFlags(store=lambda: cached)
    assert flags.check()
    return flags


def _theirs(make: Any = None) -> Any:
    from aws_lambda_powertools.utilities.feature_flags import FeatureFlags
    from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider

    class CachedStore(StoreProvider):
        def __init__(self, cached: dict[str, Any]) -> None:
            self.cached = cached

        @property
        def get_raw_configuration(self) -> dict[str, Any]:
            return self.cached

        def get_configuration(self) -> dict[str, Any]:
            return self.cached

    return FeatureFlags(store=CachedStore(make() if make else document()))


_OURS_MODULE = """
from lambda_toolkit.feature_flags import FeatureFlags
DOCUMENT = {"premium_checkout": {"default": False}}
flags = FeatureFlags(store=lambda: DOCUMENT)
"""

# The parameters package too: where the AppConfig store a real function uses comes from.
_OURS_MODULE_WITH_PARAMETERS = "import lambda_toolkit.parameters\n" + _OURS_MODULE

_THEIRS_MODULE = """
from aws_lambda_powertools.utilities.feature_flags import FeatureFlags
from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
class Store(StoreProvider):
    get_raw_configuration = {"premium_checkout": {"default": False}}
    def get_configuration(self):
        return self.get_raw_configuration
flags = FeatureFlags(store=Store())
"""


def scenarios() -> list[Scenario]:
    # As on Lambda, the root logger only lets warnings through (Powertools logs at DEBUG).
    logging.getLogger().setLevel(logging.WARNING)
    ours, theirs = _ours(), _theirs()
    assert ours.evaluate("premium_checkout", context=CONTEXT, default=False) is True
    assert theirs.evaluate(name="premium_checkout", context=CONTEXT, default=False) is True
    ours_scheduled = _ours(lambda: scheduled_document(OURS_ROLLOUT))
    theirs_scheduled = _theirs(lambda: scheduled_document(THEIRS_ROLLOUT))
    assert ours_scheduled.evaluate("new_search", context=SCHEDULE_CONTEXT, default=False) is True
    assert theirs_scheduled.evaluate(name="new_search", context=SCHEDULE_CONTEXT, default=False) is True
    return [
        Scenario(
            "feature flags: evaluate a 20-rule document from cache",
            "µs/call",
            lambda: per_call(lambda: ours.evaluate("premium_checkout", context=CONTEXT, default=False)) * 1e6,
            lambda: per_call(lambda: theirs.evaluate(name="premium_checkout", context=CONTEXT, default=False)) * 1e6,
            goal="<= 0.3x",
        ),
        Scenario(
            "feature flags: enabled features of the same document",
            "µs/call",
            lambda: per_call(lambda: ours.enabled_features(CONTEXT)) * 1e6,
            lambda: per_call(lambda: theirs.get_enabled_features(context=CONTEXT)) * 1e6,
            goal="reported",
        ),
        Scenario(
            "feature flags: time window + weekdays + rollout (one rule)",
            "µs/call",
            lambda: (
                per_call(lambda: ours_scheduled.evaluate("new_search", context=SCHEDULE_CONTEXT, default=False)) * 1e6
            ),
            lambda: (
                per_call(lambda: theirs_scheduled.evaluate(name="new_search", context=SCHEDULE_CONTEXT, default=False))
                * 1e6
            ),
            goal="reported",
        ),
        Scenario(
            "feature flags: cold import of a module using feature flags",
            "ms",
            lambda: cold_import(_OURS_MODULE) * 1e3,
            lambda: cold_import(_THEIRS_MODULE) * 1e3,
            goal="<= 0.3x",
            extra={
                "toolkit module + lambda_toolkit.parameters (the AppConfig store's package)": lambda: (
                    cold_import(_OURS_MODULE_WITH_PARAMETERS) * 1e3
                ),
                "toolkit module + the first evaluation (document compiled)": lambda: (
                    cold_import(_OURS_MODULE + "flags.evaluate('premium_checkout', default=False)\n") * 1e3
                ),
            },
        ),
    ]

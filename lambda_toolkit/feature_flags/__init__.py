"""Feature flags: rules evaluated from a JSON document (AppConfig, any store, a dict).

::

    from lambda_toolkit.feature_flags import FeatureFlags

    flags = FeatureFlags(store=lambda: get_app_config("orders", "prod", "flags", transform="json"))

    def handler(event, context):
        premium = flags.evaluate("premium_checkout", context={"tier": event["tier"]}, default=False)

The document follows Powertools' feature flags schema (``default``, named ``rules`` with
``when_match`` and ``conditions``), extended with JSON value flags known by their
default's type and ``PERCENTAGE_ROLLOUT`` conditions. It is checked and compiled once per
document; evaluating is a walk over prepared tests. A document that cannot be loaded or
is invalid never raises from ``evaluate``: every flag takes the call's default and one
warning is logged. Importing this package imports nothing beyond the core.
"""

from __future__ import annotations

from lambda_toolkit.feature_flags._conditions import ACTIONS as _ACTIONS
from lambda_toolkit.feature_flags._errors import (
    FeatureFlagsConfigurationError,
    FeatureFlagsError,
    FlagDocumentError,
    FlagStoreError,
)
from lambda_toolkit.feature_flags._flags import FeatureFlags

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.feature_flags._rollout import rollout_bucket
    from lambda_toolkit.feature_flags._types import FlagDocument, FlagStore

__all__ = [
    "ACTIONS",
    "FeatureFlags",
    "FeatureFlagsConfigurationError",
    "FeatureFlagsError",
    "FlagDocument",
    "FlagDocumentError",
    "FlagStore",
    "FlagStoreError",
    "rollout_bucket",
]

ACTIONS = frozenset(_ACTIONS)
"""The action names a condition may use: Powertools' and ``PERCENTAGE_ROLLOUT``."""


def __getattr__(name: str) -> object:
    if name == "rollout_bucket":  # hashlib (OpenSSL) only for the code that asks
        from lambda_toolkit.feature_flags._rollout import rollout_bucket

        return rollout_bucket
    if name in ("FlagDocument", "FlagStore"):  # type aliases: typing only when asked
        from lambda_toolkit.feature_flags import _types

        return getattr(_types, name)
    raise AttributeError(f"module 'lambda_toolkit.feature_flags' has no attribute {name!r}")

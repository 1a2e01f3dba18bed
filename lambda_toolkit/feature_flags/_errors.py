"""The errors of the feature flags utility.

``FeatureFlags.evaluate`` never raises them: a document that cannot be loaded or is
invalid makes every flag evaluate to the default given in the call, with one warning.
They are raised by ``FeatureFlags.check()`` (for CI and tests) and by a bad setup.

Messages name the flag, the rule and the condition concerned, never a value of the
document or of the context.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

__all__ = ["FeatureFlagsConfigurationError", "FeatureFlagsError", "FlagDocumentError", "FlagStoreError"]


class FeatureFlagsError(LambdaToolkitError):
    """Root of the feature flags utility's errors."""


class FeatureFlagsConfigurationError(FeatureFlagsError, ConfigurationError):
    """``FeatureFlags`` was set up with an invalid option (raised at setup time)."""


class FlagStoreError(FeatureFlagsError):
    """The store raised instead of returning the flag document (its error is the cause)."""


class FlagDocumentError(FeatureFlagsError, ValueError):
    """The flag document is not valid JSON or does not follow the schema.

    ``flag``, ``rule`` and ``condition`` (the condition's index in the rule, from 0) say
    where; each is None when the problem is above that level.
    """

    def __init__(
        self, problem: str, *, flag: str | None = None, rule: str | None = None, condition: int | None = None
    ) -> None:
        where = []
        if flag is not None:
            where.append(f"flag {_name(flag)}")
        if rule is not None:
            where.append(f"rule {_name(rule)}")
        if condition is not None:
            where.append(f"condition {condition}")
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)
        self.problem = problem
        self.flag = flag
        self.rule = rule
        self.condition = condition


def _name(name: str) -> str:
    # Names are the document's keys: quoted, and cut so a runaway key cannot flood a log.
    return repr(name if len(name) <= 80 else name[:77] + "...")

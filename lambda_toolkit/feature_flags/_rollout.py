"""Percentage rollouts: a stable bucket per user from a hash of a context key.

The bucket of a context value is a number from 0 to 9,999 (hundredths of a percent)::

    sha256(f"{seed}:{value}".encode("utf-8")), first 8 bytes as a big-endian
    unsigned integer, modulo 10,000

where ``value`` is the context value as text (``42`` and ``"42"`` fall in the same
bucket) and ``seed`` is the condition's ``SEED``, or the flag's name when it has none.
A ``PERCENTAGE_ROLLOUT`` condition of ``PERCENTAGE: p`` matches the buckets below
``round(p * 100)``: raising the percentage only adds users, and a user's bucket never
changes between invocations, sandboxes or versions of this library. Seeding with the
flag's name makes two flags at 10% reach different users; give them the same ``SEED`` to
reach the same ones.

Imported only by documents that use a rollout (``hashlib`` loads OpenSSL).
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256

from lambda_toolkit.feature_flags._conditions import is_number
from lambda_toolkit.feature_flags._errors import FlagDocumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.feature_flags._conditions import Test

__all__ = ["BUCKETS", "build", "rollout_bucket"]

BUCKETS = 10_000
"""Buckets per rollout: a percentage has two decimals of precision."""


def rollout_bucket(value: str | int, *, seed: str) -> int:
    """The bucket (0 to 9,999) of a context value in the rollouts seeded with ``seed``.

    A rollout of ``PERCENTAGE: p`` reaches ``value`` when this is below ``round(p * 100)``.
    """
    digest = sha256(f"{seed}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def build(key: str, value: Any, flag: str) -> Test:
    """The test of one ``PERCENTAGE_ROLLOUT`` condition, its value checked."""
    if not isinstance(value, Mapping) or "PERCENTAGE" not in value:
        raise FlagDocumentError("the value of PERCENTAGE_ROLLOUT must be an object with PERCENTAGE")
    percentage = value["PERCENTAGE"]
    if not is_number(percentage) or not 0 <= percentage <= 100:
        raise FlagDocumentError("PERCENTAGE of PERCENTAGE_ROLLOUT must be a number from 0 to 100")
    seed = value.get("SEED", flag)
    if not isinstance(seed, str):
        raise FlagDocumentError("SEED of PERCENTAGE_ROLLOUT must be a string")
    below: int = round(percentage * 100)

    def test(context: Mapping[str, Any]) -> bool:
        try:
            found = context[key]
        except Exception:
            return False
        # Text and integers only: a float's text is not stable enough to bucket a user by.
        if not isinstance(found, (str, int)) or isinstance(found, bool):
            return False
        return rollout_bucket(found, seed=seed) < below

    return test

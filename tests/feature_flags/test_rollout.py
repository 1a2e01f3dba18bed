"""Percentage rollouts: a user's bucket is stable, documented, and the buckets spread evenly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_toolkit.feature_flags import FeatureFlags, rollout_bucket

USERS = [f"user-{number}" for number in range(20_000)]


def rollout(percentage: float, seed: str | None = None, key: str = "user_id") -> dict[str, Any]:
    value: dict[str, Any] = {"PERCENTAGE": percentage}
    if seed is not None:
        value["SEED"] = seed
    condition = {"action": "PERCENTAGE_ROLLOUT", "key": key, "value": value}
    return {"default": False, "rules": {"rollout": {"when_match": True, "conditions": [condition]}}}


def reached(flags: FeatureFlags, flag: str, users: list[str] = USERS) -> set[str]:
    return {user for user in users if flags.evaluate(flag, context={"user_id": user}, default=None)}


@given(value=st.one_of(st.text(max_size=20), st.integers()), seed=st.text(max_size=10))
def test_the_bucket_is_the_documented_hash(value: str | int, seed: str) -> None:
    digest = hashlib.sha256(f"{seed}:{value}".encode()).digest()
    assert rollout_bucket(value, seed=seed) == int.from_bytes(digest[:8], "big") % 10_000


def test_the_bucket_is_the_same_in_another_interpreter() -> None:
    # No per-process salt (unlike hash() of a str): another sandbox puts the user in the same bucket.
    code = "from lambda_toolkit.feature_flags import rollout_bucket; print(rollout_bucket('user-42', seed='beta'))"
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    assert int(other.stdout) == rollout_bucket("user-42", seed="beta")


def test_a_user_id_as_text_or_integer_falls_in_the_same_bucket() -> None:
    assert rollout_bucket(42, seed="s") == rollout_bucket("42", seed="s")
    flags = FeatureFlags(store={"f": rollout(50)})
    for number in range(200):
        assert flags.evaluate("f", context={"user_id": number}, default=None) == flags.evaluate(
            "f", context={"user_id": str(number)}, default=None
        )


def test_the_share_of_users_reached_is_the_percentage() -> None:
    flags = FeatureFlags(store={"ten": rollout(10), "half": rollout(50), "tiny": rollout(0.5)})
    # 20,000 users: the binomial standard deviation at 50% is 0.35%, at 10% 0.21%.
    assert abs(len(reached(flags, "ten")) / len(USERS) - 0.10) < 0.015
    assert abs(len(reached(flags, "half")) / len(USERS) - 0.50) < 0.02
    assert abs(len(reached(flags, "tiny")) / len(USERS) - 0.005) < 0.003


def test_buckets_are_spread_evenly() -> None:
    counts = [0] * 10
    for user in USERS:
        counts[rollout_bucket(user, seed="spread") // 1000] += 1
    expected = len(USERS) / 10
    chi_square = sum((count - expected) ** 2 / expected for count in counts)
    assert chi_square < 27.9  # 9 degrees of freedom, p = 0.001


def test_zero_and_a_hundred_percent_reach_nobody_and_everybody() -> None:
    flags = FeatureFlags(store={"none": rollout(0), "all": rollout(100)})
    assert reached(flags, "none") == set()
    assert reached(flags, "all") == set(USERS)


def test_raising_the_percentage_only_adds_users() -> None:
    before = reached(FeatureFlags(store={"f": rollout(20)}), "f")
    after = reached(FeatureFlags(store={"f": rollout(35)}), "f")
    assert before < after


def test_flags_are_seeded_by_name_unless_they_share_a_seed() -> None:
    flags = FeatureFlags(
        store={"a": rollout(30), "b": rollout(30), "c": rollout(30, seed="common"), "d": rollout(30, seed="common")}
    )
    a, b = reached(flags, "a"), reached(flags, "b")
    # Independent 30% samples overlap on about 9% of users, the same sample on 30%.
    assert abs(len(a & b) / len(USERS) - 0.09) < 0.02
    assert reached(flags, "c") == reached(flags, "d")


def test_cumulative_rollouts_split_users_into_variants() -> None:
    variant = {"action": "PERCENTAGE_ROLLOUT", "key": "user_id"}
    document = {
        "checkout": {
            "default": "control",
            "rules": {
                "A": {
                    "when_match": "one-page",
                    "conditions": [{**variant, "value": {"PERCENTAGE": 25, "SEED": "checkout"}}],
                },
                "B": {
                    "when_match": "wizard",
                    "conditions": [{**variant, "value": {"PERCENTAGE": 50, "SEED": "checkout"}}],
                },
            },
        }
    }
    flags = FeatureFlags(store=document)
    shares = {"one-page": 0, "wizard": 0, "control": 0}
    for user in USERS:
        shares[flags.evaluate("checkout", context={"user_id": user}, default="?")] += 1
    assert abs(shares["one-page"] / len(USERS) - 0.25) < 0.02
    assert abs(shares["wizard"] / len(USERS) - 0.25) < 0.02
    assert abs(shares["control"] / len(USERS) - 0.50) < 0.02


@pytest.mark.parametrize("user_id", [True, 1.5, None, ["u"], {"id": 1}])
def test_only_text_and_integers_are_bucketed(user_id: object) -> None:
    flags = FeatureFlags(store={"f": rollout(100)})
    assert flags.evaluate("f", context={"user_id": user_id}, default=None) is False
    assert flags.evaluate("f", context={}, default=None) is False

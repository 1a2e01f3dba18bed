"""Each condition action, on its own: what matches, what does not, and what never can.

A context without the condition's key never matches, negative actions included; neither
does a context value of a type the action cannot compare.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_toolkit.feature_flags import ACTIONS

from .conftest import matches

scalars = st.one_of(st.integers(-1000, 1000), st.text(max_size=8), st.booleans(), st.none())
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False))
words = st.text(alphabet="abcxyz", max_size=6)

CONTEXT_ACTIONS = sorted(action for action in ACTIONS if not action.startswith("SCHEDULE_"))
SAMPLE_VALUES: dict[str, Any] = {
    "EQUALS": 1,
    "NOT_EQUALS": 1,
    "KEY_GREATER_THAN_VALUE": 1,
    "KEY_GREATER_THAN_OR_EQUAL_VALUE": 1,
    "KEY_LESS_THAN_VALUE": 1,
    "KEY_LESS_THAN_OR_EQUAL_VALUE": 1,
    "STARTSWITH": "a",
    "ENDSWITH": "a",
    "IN": ["a"],
    "NOT_IN": ["a"],
    "KEY_IN_VALUE": ["a"],
    "KEY_NOT_IN_VALUE": ["a"],
    "VALUE_IN_KEY": "a",
    "VALUE_NOT_IN_KEY": "a",
    "ALL_IN_VALUE": ["a"],
    "ANY_IN_VALUE": ["a"],
    "NONE_IN_VALUE": ["a"],
    "MODULO_RANGE": {"BASE": 10, "START": 0, "END": 9},
    "PERCENTAGE_ROLLOUT": {"PERCENTAGE": 100},
}


def test_the_actions_are_powertools_ones_and_the_rollout() -> None:
    assert set(CONTEXT_ACTIONS) == set(SAMPLE_VALUES)
    assert len(ACTIONS) == 22


@pytest.mark.parametrize("action", CONTEXT_ACTIONS)
def test_a_context_without_the_key_never_matches(action: str) -> None:
    assert not matches(action, "k", SAMPLE_VALUES[action], {})
    assert not matches(action, "k", SAMPLE_VALUES[action], {"other": "a"})


@given(expected=scalars, found=scalars)
def test_equals_and_not_equals_are_opposites_when_the_key_is_there(expected: Any, found: Any) -> None:
    equal = found == expected
    assert matches("EQUALS", "k", expected, {"k": found}) is equal
    assert matches("NOT_EQUALS", "k", expected, {"k": found}) is not equal


@pytest.mark.parametrize(
    ("action", "compare"),
    [
        ("KEY_GREATER_THAN_VALUE", lambda a, b: a > b),
        ("KEY_GREATER_THAN_OR_EQUAL_VALUE", lambda a, b: a >= b),
        ("KEY_LESS_THAN_VALUE", lambda a, b: a < b),
        ("KEY_LESS_THAN_OR_EQUAL_VALUE", lambda a, b: a <= b),
    ],
)
@given(found=numbers, expected=numbers)
def test_numeric_comparisons_put_the_context_value_on_the_left(
    action: str, compare: Any, found: float, expected: float
) -> None:
    assert matches(action, "k", expected, {"k": found}) is compare(found, expected)


@pytest.mark.parametrize("action", ["KEY_GREATER_THAN_VALUE", "KEY_LESS_THAN_OR_EQUAL_VALUE"])
def test_comparisons_of_strings_are_lexicographic_and_mixed_types_never_match(action: str) -> None:
    assert matches("KEY_GREATER_THAN_VALUE", "date", "2026-01-01", {"date": "2026-06-30"})
    assert not matches(action, "k", 5, {"k": "6"})
    assert not matches(action, "k", "5", {"k": 6})
    assert not matches(action, "k", 5, {"k": None})


@given(text=words, affix=words)
def test_startswith_and_endswith(text: str, affix: str) -> None:
    assert matches("STARTSWITH", "k", affix, {"k": text}) is text.startswith(affix)
    assert matches("ENDSWITH", "k", affix, {"k": text}) is text.endswith(affix)


def test_startswith_needs_a_string_in_the_context() -> None:
    assert not matches("STARTSWITH", "k", "1", {"k": 12})
    assert not matches("ENDSWITH", "k", "a", {"k": ["a"]})


@pytest.mark.parametrize(("positive", "negative"), [("IN", "NOT_IN"), ("KEY_IN_VALUE", "KEY_NOT_IN_VALUE")])
@given(found=scalars, members=st.lists(scalars, max_size=5))
def test_key_in_value_and_its_negation(positive: str, negative: str, found: Any, members: list[Any]) -> None:
    inside = found in members
    assert matches(positive, "k", members, {"k": found}) is inside
    assert matches(negative, "k", members, {"k": found}) is not inside


def test_key_in_value_with_unhashable_items_on_either_side() -> None:
    assert matches("IN", "k", [[1, 2], {"a": 1}], {"k": [1, 2]})
    assert matches("IN", "k", ["a", "b"], {"k": "a"})
    assert not matches("IN", "k", ["a", "b"], {"k": ["a"]})
    assert matches("NOT_IN", "k", ["a", "b"], {"k": ["a"]})


def test_key_in_a_string_value_is_a_substring_test() -> None:
    assert matches("IN", "k", "premium-gold", {"k": "gold"})
    assert not matches("IN", "k", "premium-gold", {"k": 5})  # not a string: no match
    assert not matches("NOT_IN", "k", "premium-gold", {"k": 5})


@given(member=scalars, found=st.lists(scalars, max_size=5))
def test_value_in_key_and_its_negation(member: Any, found: list[Any]) -> None:
    inside = member in found
    assert matches("VALUE_IN_KEY", "roles", member, {"roles": found}) is inside
    assert matches("VALUE_NOT_IN_KEY", "roles", member, {"roles": found}) is not inside


def test_value_in_key_reads_strings_but_not_numbers_or_objects() -> None:
    assert matches("VALUE_IN_KEY", "k", "old", {"k": "golden"})
    assert not matches("VALUE_IN_KEY", "k", "a", {"k": 5})
    assert not matches("VALUE_IN_KEY", "k", "a", {"k": {"a": 1}})
    assert not matches("VALUE_NOT_IN_KEY", "k", "a", {"k": {"b": 1}})


@given(found=st.lists(words, max_size=5), members=st.lists(words, max_size=5))
def test_all_any_none_in_value(found: list[str], members: list[str]) -> None:
    context = {"k": found}
    assert matches("ALL_IN_VALUE", "k", members, context) is all(item in members for item in found)
    assert matches("ANY_IN_VALUE", "k", members, context) is any(item in members for item in found)
    assert matches("NONE_IN_VALUE", "k", members, context) is not any(item in members for item in found)


@pytest.mark.parametrize("action", ["ALL_IN_VALUE", "ANY_IN_VALUE", "NONE_IN_VALUE"])
def test_all_any_none_need_an_array_in_the_context(action: str) -> None:
    assert not matches(action, "k", ["a", "b"], {"k": "ab"})
    assert not matches(action, "k", ["a"], {"k": 1})


def test_an_empty_array_is_all_in_and_none_in_but_not_any_in() -> None:
    assert matches("ALL_IN_VALUE", "k", ["a"], {"k": []})
    assert matches("NONE_IN_VALUE", "k", ["a"], {"k": []})
    assert not matches("ANY_IN_VALUE", "k", ["a"], {"k": []})


@given(number=st.integers(-(10**9), 10**9), base=st.integers(1, 100), data=st.data())
def test_modulo_range(number: int, base: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, base - 1))
    end = data.draw(st.integers(start, base - 1))
    value = {"BASE": base, "START": start, "END": end}
    assert matches("MODULO_RANGE", "id", value, {"id": number}) is (start <= number % base <= end)


def test_modulo_range_needs_an_integer_in_the_context() -> None:
    value = {"BASE": 10, "START": 0, "END": 9}
    assert not matches("MODULO_RANGE", "id", value, {"id": "13"})
    assert not matches("MODULO_RANGE", "id", value, {"id": 1.5})
    assert not matches("MODULO_RANGE", "id", value, {"id": True})


def test_conditions_of_a_rule_all_have_to_match_and_the_first_matching_rule_wins() -> None:
    from lambda_toolkit.feature_flags import FeatureFlags

    tier_gold = {"action": "EQUALS", "key": "tier", "value": "gold"}
    in_eu = {"action": "IN", "key": "region", "value": ["eu-west-1", "eu-central-1"]}
    document = {
        "discount": {
            "default": 0,
            "rules": {
                "gold in the EU": {"when_match": 20, "conditions": [tier_gold, in_eu]},
                "gold": {"when_match": 10, "conditions": [tier_gold]},
                "EU": {"when_match": 5, "conditions": [in_eu]},
            },
        }
    }
    flags = FeatureFlags(store=document)
    assert flags.evaluate("discount", context={"tier": "gold", "region": "eu-west-1"}, default=-1) == 20
    assert flags.evaluate("discount", context={"tier": "gold", "region": "us-east-1"}, default=-1) == 10
    assert flags.evaluate("discount", context={"tier": "silver", "region": "eu-central-1"}, default=-1) == 5
    assert flags.evaluate("discount", context={"tier": "silver"}, default=-1) == 0
    assert flags.evaluate("discount", default=-1) == 0


def test_a_context_that_is_no_mapping_matches_nothing() -> None:
    from lambda_toolkit.feature_flags import FeatureFlags

    flags = FeatureFlags(
        store={
            "f": {
                "default": "off",
                "rules": {"r": {"when_match": "on", "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]}},
            }
        }
    )
    assert flags.evaluate("f", context=[("k", 1)], default="x") == "off"  # type: ignore[arg-type]

"""The flag document: Powertools' schema read unchanged, the extensions, and every check
made when it is loaded, each error naming the flag, the rule and the condition."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_toolkit.core.errors import LambdaToolkitError
from lambda_toolkit.feature_flags import FeatureFlags, FeatureFlagsError, FlagDocumentError

from .conftest import one_condition

# A document as Powertools' documentation shapes them, every action once.
POWERTOOLS_DOCUMENT = {
    "premium_features": {
        "default": False,
        "rules": {
            "customer tier equals premium": {
                "when_match": True,
                "conditions": [{"action": "EQUALS", "key": "tier", "value": "premium"}],
            },
            "everything else": {
                "when_match": True,
                "conditions": [
                    {"action": "NOT_EQUALS", "key": "tier", "value": "free"},
                    {"action": "KEY_GREATER_THAN_VALUE", "key": "age", "value": 17},
                    {"action": "KEY_GREATER_THAN_OR_EQUAL_VALUE", "key": "age", "value": 18},
                    {"action": "KEY_LESS_THAN_VALUE", "key": "age", "value": 100},
                    {"action": "KEY_LESS_THAN_OR_EQUAL_VALUE", "key": "age", "value": 99},
                    {"action": "STARTSWITH", "key": "email", "value": "ops"},
                    {"action": "ENDSWITH", "key": "email", "value": "@example.com"},
                    {"action": "IN", "key": "region", "value": ["eu-west-1"]},
                    {"action": "NOT_IN", "key": "region", "value": ["us-east-1"]},
                    {"action": "KEY_IN_VALUE", "key": "region", "value": ["eu-west-1"]},
                    {"action": "KEY_NOT_IN_VALUE", "key": "region", "value": ["us-east-1"]},
                    {"action": "VALUE_IN_KEY", "key": "groups", "value": "beta"},
                    {"action": "VALUE_NOT_IN_KEY", "key": "groups", "value": "banned"},
                    {"action": "ALL_IN_VALUE", "key": "groups", "value": ["beta", "staff"]},
                    {"action": "ANY_IN_VALUE", "key": "groups", "value": ["beta"]},
                    {"action": "NONE_IN_VALUE", "key": "groups", "value": ["banned"]},
                    {"action": "MODULO_RANGE", "key": "account", "value": {"BASE": 100, "START": 0, "END": 99}},
                    {
                        "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                        "key": "CURRENT_TIME",
                        "value": {"START": "00:00", "END": "23:59", "TIMEZONE": "Europe/Dublin"},
                    },
                    {
                        "action": "SCHEDULE_BETWEEN_DATETIME_RANGE",
                        "key": "CURRENT_DATETIME",
                        "value": {"START": "2020-01-01T00:00:00", "END": "2100-01-01T00:00:00"},
                    },
                    {
                        "action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK",
                        "key": "CURRENT_DAY_OF_WEEK",
                        "value": {
                            "DAYS": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
                        },
                    },
                ],
            },
        },
    },
    "ten_percent_off_campaign": {"default": True},
    "json_value": {"default": {"limit": 10}, "boolean_type": False},
}

EVERYTHING_MATCHES = {
    "tier": "gold",
    "age": 40,
    "email": "ops@example.com",
    "region": "eu-west-1",
    "groups": ["beta", "staff"],
    "account": 1234,
}


@pytest.mark.parametrize("form", ["dict", "str", "bytes"])
def test_a_powertools_document_is_read_unchanged_as_a_mapping_or_json_text(form: str) -> None:
    text = json.dumps(POWERTOOLS_DOCUMENT)
    store: Any = {"dict": POWERTOOLS_DOCUMENT, "str": text, "bytes": text.encode()}[form]
    flags = FeatureFlags(store=store)
    assert flags.check() == ["premium_features", "ten_percent_off_campaign", "json_value"]
    assert flags.evaluate("premium_features", context=EVERYTHING_MATCHES, default=None) is True
    assert flags.evaluate("premium_features", context={**EVERYTHING_MATCHES, "age": 17}, default=None) is False
    assert flags.evaluate("json_value", default=None) == {"limit": 10}
    assert flags.enabled_features(EVERYTHING_MATCHES) == ["premium_features", "ten_percent_off_campaign"]


def test_a_flag_whose_default_is_not_boolean_is_a_json_value_flag_without_boolean_type() -> None:
    document = {
        "page_size": {
            "default": 20,
            "rules": {
                "mobile": {"when_match": 10, "conditions": [{"action": "EQUALS", "key": "device", "value": "phone"}]}
            },
        },
        "banner": {
            "default": None,
            "rules": {
                "black friday": {
                    "when_match": {"text": "-30%", "colors": ["black", "gold"]},
                    "conditions": [{"action": "EQUALS", "key": "campaign", "value": "bf"}],
                }
            },
        },
    }
    flags = FeatureFlags(store=document)
    assert flags.evaluate("page_size", context={"device": "phone"}, default=50) == 10
    assert flags.evaluate("page_size", context={"device": "desktop"}, default=50) == 20
    assert flags.evaluate("banner", context={"campaign": "bf"}, default={}) == {
        "text": "-30%",
        "colors": ["black", "gold"],
    }
    assert flags.evaluate("banner", default={}) is None  # the document's default, null
    assert flags.enabled_features({"campaign": "bf", "device": "phone"}) == []  # value flags are never "enabled"


def test_a_flag_missing_from_the_document_is_the_default_of_the_call() -> None:
    flags = FeatureFlags(store={"known": {"default": True}})
    assert flags.evaluate("unknown", default="fallback") == "fallback"


def test_keys_the_schema_does_not_know_are_ignored() -> None:
    document = {"f": {"default": True, "description": "owned by the payments team", "rules": {}}}
    assert FeatureFlags(store=document).evaluate("f", default=False) is True


def test_rules_are_optional_and_may_be_null() -> None:
    assert FeatureFlags(store={"f": {"default": 3, "rules": None}}).evaluate("f", default=0) == 3


def _error(document: Any) -> FlagDocumentError:
    with pytest.raises(FlagDocumentError) as caught:
        FeatureFlags(store=document).check()
    assert isinstance(caught.value, FeatureFlagsError) and isinstance(caught.value, ValueError)
    assert isinstance(caught.value, LambdaToolkitError)
    return caught.value


def _with_rule(rule: Any, default: Any = False) -> dict[str, Any]:
    return {"ok": {"default": True}, "beta": {"default": default, "rules": {"internal users": rule}}}


@pytest.mark.parametrize(
    ("document", "flag", "problem"),
    [
        ({"beta": True}, "beta", "a flag must be an object with a default, not a boolean"),
        ({"beta": {"rules": {}}}, "beta", "the flag has no default"),
        ({"beta": {"default": 1, "boolean_type": True}}, "beta", "the default of a boolean flag must be true or false"),
        ({"beta": {"default": True, "boolean_type": "yes"}}, "beta", "boolean_type must be true or false"),
        ({"beta": {"default": True, "rules": []}}, "beta", "rules must be an object of named rules, not an array"),
    ],
)
def test_a_bad_flag_is_named(document: dict[str, Any], flag: str, problem: str) -> None:
    error = _error(document)
    assert (error.flag, error.rule, error.condition, error.problem) == (flag, None, None, problem)
    assert str(error) == f"flag {flag!r}: {problem}"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("yes", "a rule must be an object, not a string"),
        ({"conditions": [{"action": "EQUALS", "key": "k", "value": 1}]}, "the rule has no when_match"),
        (
            {"when_match": "on", "conditions": [{"action": "EQUALS", "key": "k", "value": 1}]},
            "when_match of a boolean flag must be true or false",
        ),
        ({"when_match": True}, "conditions must be a non-empty array"),
        ({"when_match": True, "conditions": []}, "conditions must be a non-empty array"),
    ],
)
def test_a_bad_rule_is_named_with_its_flag(rule: Any, problem: str) -> None:
    error = _error(_with_rule(rule))
    assert (error.flag, error.rule, error.condition, error.problem) == ("beta", "internal users", None, problem)
    assert str(error) == f"flag 'beta', rule 'internal users': {problem}"


DAYS_PROBLEM = (
    "DAYS of SCHEDULE_BETWEEN_DAYS_OF_WEEK must be a non-empty array of "
    "MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY"
)
GOOD = {"action": "EQUALS", "key": "tier", "value": "gold"}


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("EQUALS", "a condition must be an object, not a string"),
        ({"key": "k", "value": 1}, "the condition has no action"),
        ({"action": "EQUAL", "key": "k", "value": 1}, "unknown action 'EQUAL'"),
        ({"action": "EQUALS", "value": 1}, "the condition's key must be a non-empty string"),
        ({"action": "EQUALS", "key": "", "value": 1}, "the condition's key must be a non-empty string"),
        ({"action": "EQUALS", "key": "k"}, "the condition has no value"),
        (
            {"action": "KEY_GREATER_THAN_VALUE", "key": "k", "value": [1]},
            "the value of a comparison must be a number or a string",
        ),
        (
            {"action": "KEY_LESS_THAN_VALUE", "key": "k", "value": True},
            "the value of a comparison must be a number or a string",
        ),
        ({"action": "STARTSWITH", "key": "k", "value": 1}, "the value of STARTSWITH and ENDSWITH must be a string"),
        ({"action": "IN", "key": "k", "value": {"a": 1}}, "the value of IN must be an array (or a string)"),
        (
            {"action": "KEY_NOT_IN_VALUE", "key": "k", "value": 3},
            "the value of KEY_NOT_IN_VALUE must be an array (or a string)",
        ),
        ({"action": "ANY_IN_VALUE", "key": "k", "value": "a"}, "the value of ANY_IN_VALUE must be an array"),
        (
            {"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10, "START": 0}},
            "the value of MODULO_RANGE must be an object with BASE, START and END",
        ),
        (
            {"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10, "START": 0, "END": 2.5}},
            "BASE, START and END of MODULO_RANGE must be integers",
        ),
        (
            {"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10, "START": 5, "END": 3}},
            "MODULO_RANGE must satisfy 0 <= START <= END < BASE",
        ),
        (
            {"action": "MODULO_RANGE", "key": "k", "value": {"BASE": 10, "START": 0, "END": 10}},
            "MODULO_RANGE must satisfy 0 <= START <= END < BASE",
        ),
        (
            {"action": "PERCENTAGE_ROLLOUT", "key": "k", "value": 10},
            "the value of PERCENTAGE_ROLLOUT must be an object with PERCENTAGE",
        ),
        (
            {"action": "PERCENTAGE_ROLLOUT", "key": "k", "value": {"PERCENTAGE": 101}},
            "PERCENTAGE of PERCENTAGE_ROLLOUT must be a number from 0 to 100",
        ),
        (
            {"action": "PERCENTAGE_ROLLOUT", "key": "k", "value": {"PERCENTAGE": "10"}},
            "PERCENTAGE of PERCENTAGE_ROLLOUT must be a number from 0 to 100",
        ),
        (
            {"action": "PERCENTAGE_ROLLOUT", "key": "k", "value": {"PERCENTAGE": 10, "SEED": 7}},
            "SEED of PERCENTAGE_ROLLOUT must be a string",
        ),
        (
            {"action": "SCHEDULE_BETWEEN_TIME_RANGE", "key": "now", "value": {"START": "09:00", "END": "10:00"}},
            "the key of SCHEDULE_BETWEEN_TIME_RANGE must be CURRENT_TIME",
        ),
        (
            {"action": "SCHEDULE_BETWEEN_TIME_RANGE", "key": "CURRENT_TIME", "value": "09:00-10:00"},
            "the value of SCHEDULE_BETWEEN_TIME_RANGE must be an object",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                "key": "CURRENT_TIME",
                "value": {"START": "9:00", "END": "10:00"},
            },
            "START of SCHEDULE_BETWEEN_TIME_RANGE must be a time of day HH:MM (24-hour)",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                "key": "CURRENT_TIME",
                "value": {"START": "09:00", "END": "24:00"},
            },
            "END of SCHEDULE_BETWEEN_TIME_RANGE must be a time of day HH:MM (24-hour)",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                "key": "CURRENT_TIME",
                "value": {"START": "09:00", "END": "10:00", "TIMEZONE": "Mars/Olympus"},
            },
            "TIMEZONE is not a time zone this system knows (IANA names)",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                "key": "CURRENT_TIME",
                "value": {"START": "09:00", "END": "10:00", "TIMEZONE": "../etc/passwd"},
            },
            "TIMEZONE is not a time zone this system knows (IANA names)",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_TIME_RANGE",
                "key": "CURRENT_TIME",
                "value": {"START": "09:00", "END": "10:00", "TIMEZONE": 1},
            },
            "TIMEZONE must be an IANA time zone name, such as Europe/Paris",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_DATETIME_RANGE",
                "key": "CURRENT_DATETIME",
                "value": {"START": "tomorrow", "END": "2026-01-01T00:00:00"},
            },
            "START of SCHEDULE_BETWEEN_DATETIME_RANGE must be an ISO 8601 date and time",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_DATETIME_RANGE",
                "key": "CURRENT_DATETIME",
                "value": {"START": "2026-01-02T00:00:00"},
            },
            "END of SCHEDULE_BETWEEN_DATETIME_RANGE must be an ISO 8601 date and time",
        ),
        (
            {
                "action": "SCHEDULE_BETWEEN_DATETIME_RANGE",
                "key": "CURRENT_DATETIME",
                "value": {"START": "2026-01-02T00:00:00", "END": "2026-01-01T00:00:00"},
            },
            "START of SCHEDULE_BETWEEN_DATETIME_RANGE is after its END",
        ),
        (
            {"action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK", "key": "CURRENT_DAY_OF_WEEK", "value": {"DAYS": ["monday"]}},
            DAYS_PROBLEM,
        ),
        (
            {"action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK", "key": "CURRENT_DAY_OF_WEEK", "value": {"DAYS": []}},
            DAYS_PROBLEM,
        ),
    ],
)
def test_a_bad_condition_is_named_with_its_flag_rule_and_position(condition: Any, problem: str) -> None:
    error = _error(_with_rule({"when_match": True, "conditions": [GOOD, condition]}))
    assert (error.flag, error.rule, error.condition) == ("beta", "internal users", 1)
    assert error.problem.startswith(problem)
    assert str(error).startswith(f"flag 'beta', rule 'internal users', condition 1: {problem}")


def test_an_unknown_operator_suggests_the_closest_one_or_where_they_are_listed() -> None:
    assert _error(one_condition("KEY_GREATER_THAN", "k", 1)).problem == (
        "unknown action 'KEY_GREATER_THAN' (did you mean KEY_GREATER_THAN_VALUE?)"
    )
    assert (
        _error(one_condition("startswith", "k", "a")).problem
        == "unknown action 'startswith' (did you mean STARTSWITH?)"
    )
    assert _error(one_condition("REGEX", "k", ".*")).problem == (
        "unknown action 'REGEX' (the actions are in lambda_toolkit.feature_flags.ACTIONS)"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("premium_features:\n  default: false\n", "line 1, column 1"),  # YAML
        ('{"f": {"default": true,}}', "line 1, column 24"),
        (b"\xff\xfe not text", ""),
        ("", "line 1, column 1"),
    ],
)
def test_text_that_is_not_json_is_a_document_error_that_does_not_quote_it(text: str | bytes, where: str) -> None:
    error = _error(text)
    assert error.flag is None
    assert str(error).startswith("the flag document is not JSON")
    assert where in str(error)
    assert "premium" not in str(error) and error.__cause__ is None and error.__suppress_context__


@pytest.mark.parametrize(("document", "kind"), [("[1, 2]", "an array"), ("null", "null"), ("42", "a number")])
def test_the_document_must_be_an_object(document: str, kind: str) -> None:
    assert str(_error(document)) == f"the flag document must be a JSON object of flags, not {kind}"


def test_errors_name_the_place_never_the_values_of_the_document() -> None:
    secret_value = "Zq9-not-to-be-repeated"
    error = _error(_with_rule({"when_match": secret_value, "conditions": [GOOD]}))
    assert secret_value not in str(error)
    error = _error(
        _with_rule({"when_match": True, "conditions": [{"action": "STARTSWITH", "key": "k", "value": [secret_value]}]})
    )
    assert secret_value not in str(error)


def test_long_names_are_cut_in_messages() -> None:
    error = _error({"x" * 500: {"rules": {}}})
    assert error.flag == "x" * 500
    assert len(str(error)) < 150


def test_read_only_mappings_and_tuples_are_read_like_objects_and_arrays() -> None:
    # What a store that freezes its cached values hands back.
    from types import MappingProxyType as Frozen

    condition = Frozen({"action": "IN", "key": "tier", "value": ("gold", "platinum")})
    rollout = Frozen({"action": "PERCENTAGE_ROLLOUT", "key": "user", "value": Frozen({"PERCENTAGE": 100})})
    rule = Frozen({"when_match": True, "conditions": (condition, rollout)})
    document = Frozen({"beta": Frozen({"default": False, "rules": Frozen({"gold": rule})})})
    flags = FeatureFlags(store=document)
    assert flags.check() == ["beta"]
    assert flags.evaluate("beta", context={"tier": "gold", "user": "u1"}, default=None) is True
    assert flags.evaluate("beta", context={"tier": "silver", "user": "u1"}, default=None) is False

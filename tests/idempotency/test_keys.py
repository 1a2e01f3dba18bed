"""Key extraction: JMESPath with helper functions, lists of paths, callables, and nothing found."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest

from lambda_toolkit.idempotency import IdempotencyConfigurationError, IdempotencyKeyError
from lambda_toolkit.idempotency._keys import MISSING, compile_key, to_data


def test_json_decode_reads_inside_a_json_string() -> None:
    extract = compile_key("json_decode(body).order.id")
    assert extract({"body": json.dumps({"order": {"id": "o-1"}})}) == "o-1"


def test_json_decode_of_text_that_is_not_json_finds_nothing() -> None:
    assert compile_key("json_decode(body).id")({"body": "not json"}) is MISSING


def test_base64_decode_then_json_decode() -> None:
    body = base64.b64encode(json.dumps({"id": 7}).encode()).decode()
    assert compile_key("json_decode(base64_decode(data)).id")({"data": body}) == 7
    assert compile_key("base64_decode(data)")({"data": "***"}) is MISSING


def test_lower_keys_finds_a_header_whatever_its_case() -> None:
    extract = compile_key('lower_keys(headers)."idempotency-key"')
    assert extract({"headers": {"Idempotency-Key": "k1"}}) == "k1"
    assert extract({"headers": {"idempotency-key": "k2"}}) == "k2"


def test_a_list_of_paths_gives_a_list_and_is_missing_when_any_finds_nothing() -> None:
    extract = compile_key(["a", "b.c"])
    assert extract({"a": 1, "b": {"c": 2}}) == [1, 2]
    assert extract({"a": 1}) is MISSING


@pytest.mark.parametrize("found", [None, "", [], {}])
def test_none_and_empty_values_count_as_nothing(found: Any) -> None:
    assert compile_key("k")({"k": found}) is MISSING
    assert compile_key(lambda event: found)({}) is MISSING


def test_false_and_zero_are_real_keys() -> None:
    assert compile_key("k")({"k": 0}) == 0
    assert compile_key("k")({"k": False}) is False


def test_no_expression_takes_the_whole_data() -> None:
    assert compile_key(None)({"a": 1}) == {"a": 1}
    assert compile_key(None)({}) is MISSING


def test_models_and_dataclasses_are_seen_as_json_data() -> None:
    from pydantic import BaseModel, Field

    class Model(BaseModel):
        user_id: int = Field(alias="userId")

    @dataclasses.dataclass
    class Point:
        x: int

    assert to_data(Model(userId=3)) == {"userId": 3}
    assert to_data(Point(1)) == {"x": 1}
    assert to_data(Model) is Model
    assert compile_key("userId")(Model(userId=3)) == 3
    assert compile_key(["userId"])(Model(userId=3)) == [3]


@pytest.mark.parametrize("expression", ["a.[", "json_decode(", "", "a..b"])
def test_an_invalid_expression_is_a_configuration_error(expression: str) -> None:
    with pytest.raises(IdempotencyConfigurationError, match="is not a valid JMESPath expression"):
        compile_key(expression)


def test_an_unknown_function_fails_at_setup() -> None:
    with pytest.raises(
        IdempotencyConfigurationError, match=r"idempotency key: 'nope\(body\)' calls the unknown function"
    ):
        compile_key("nope(body)")
    with pytest.raises(IdempotencyConfigurationError, match=r"idempotency payload: .* unknown function"):
        compile_key(["a", "nope(b)"], "payload")


def test_a_helper_given_an_absent_field_finds_nothing() -> None:
    # It was jmespath's own JMESPathTypeError (json_decode of null), an untyped failure.
    assert compile_key("json_decode(body).order_id")({}) is MISSING
    assert compile_key(["a", "json_decode(body).order_id"])({"a": 1}) is MISSING


def test_data_that_does_not_fit_the_expression_is_a_key_error_without_the_data() -> None:
    with pytest.raises(IdempotencyKeyError, match=r"idempotency key: 'abs\(amount\)' does not fit the data") as caught:
        compile_key("abs(amount)")({"amount": "card-4111"})
    assert "card-4111" not in str(caught.value)
    with pytest.raises(IdempotencyKeyError):
        compile_key(["id", "abs(amount)"])({"id": 1, "amount": "card-4111"})


@pytest.mark.parametrize("spec", [3, [1, 2], ["a", 3], ()])
def test_other_specs_are_refused(spec: Any) -> None:
    with pytest.raises(IdempotencyConfigurationError, match="non-empty list"):
        compile_key(spec)


def test_a_field_path_follows_jmespath_where_a_step_is_not_an_object() -> None:
    extract = compile_key('order."line-id"')
    assert extract({"order": {"line-id": "l-1"}}) == "l-1"
    assert extract({"order": "text"}) is MISSING
    assert extract({"order": ["a"]}) is MISSING
    assert extract({"order": None}) is MISSING
    assert extract({}) is MISSING
    assert compile_key("id")(["not", "an", "object"]) is MISSING


def test_a_field_path_reads_any_mapping_with_get() -> None:
    from types import MappingProxyType

    assert compile_key("a.b")(MappingProxyType({"a": MappingProxyType({"b": 3})})) == 3


@pytest.mark.parametrize(
    "expression", ["a.b", 'a."b-c".d', "a[0]", "a | b", "a.b.c", "a.*", "a || b", "*.b", "a.b[?c]"]
)
def test_plain_paths_and_other_expressions_give_what_jmespath_gives(expression: str) -> None:
    import jmespath

    events: list[Any] = [
        {"a": {"b": 1, "b-c": {"d": "x"}}},
        {"a": [{"c": 1}], "b": "y"},
        {"a": "text"},
        {"a": None},
        {"x": {"b": 2}},
        [],
    ]
    extract = compile_key(expression)
    for event in events:
        expected = jmespath.search(expression, event)
        found = extract(event)
        if expected is None or (isinstance(expected, (str, list, dict)) and not expected):
            assert found is MISSING, (expression, event)
        else:
            assert found == expected, (expression, event)

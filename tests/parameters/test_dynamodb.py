"""DynamoDBProvider on moto (in process): single values by GetItem, paths by Query, writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.parameters import (
    DynamoDBProvider,
    InvalidParameterNameError,
    Parameter,
    ParameterAccessDeniedError,
    ParameterBatchError,
    ParameterExistsError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterProvider,
    ParameterThrottledError,
    TransformError,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    set_parameter,
    with_parameters,
)
from lambda_toolkit.testing import FakeClock, FakeContext
from tests.parameters.conftest import fail_calls

VALUES = "parameters"
PATHS = "parameters-by-path"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """moto in process, with a single-value table and a by-path table."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=VALUES,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.create_table(
            TableName=PATHS,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def calls_of(client: Any) -> list[str]:
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


def put(client: Any, name: str, value: dict[str, Any], table: str = VALUES, **key: Any) -> None:
    client.put_item(TableName=table, Item={"id": {"S": name}, **key, "value": value})


def test_a_value_is_one_getitem_then_cached(dynamodb: Any, clock: FakeClock) -> None:
    put(dynamodb, "orders-table", {"S": "orders"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    assert isinstance(provider, ParameterProvider)
    calls = calls_of(dynamodb)
    assert get_parameter("orders-table", provider=provider) == "orders"
    assert get_parameter("orders-table", provider=provider) == "orders"
    assert calls == ["GetItem"]
    clock.advance(seconds=301)
    get_parameter("orders-table", provider=provider)
    assert calls == ["GetItem", "GetItem"]


def test_the_default_client_is_the_shared_one_made_on_first_use(dynamodb: Any) -> None:
    put(dynamodb, "k", {"S": "v"})
    provider = DynamoDBProvider(VALUES, region="us-east-1")
    made_before = provider._client.made
    assert get_parameter("k", provider=provider) == "v"
    assert (made_before, provider._client.made) == (False, True)
    assert provider.client is DynamoDBProvider("other", region="us-east-1").client


def test_keys_are_dynamodb_keys_not_parameter_store_names(dynamodb: Any) -> None:
    put(dynamodb, "feature flags #1", {"S": "on"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    assert get_parameter("feature flags #1", provider=provider) == "on"
    with pytest.raises(InvalidParameterNameError, match="longer than 1024 bytes"):
        get_parameter("é" * 600, provider=provider)
    with pytest.raises(InvalidParameterNameError, match="must not be empty"):
        get_parameter("", provider=provider)


@pytest.mark.parametrize(
    ("attribute", "expected"), [({"S": "text"}, "text"), ({"N": "42.5"}, "42.5"), ({"B": b"\x00\x01"}, b"\x00\x01")]
)
def test_strings_numbers_and_binary_values(dynamodb: Any, attribute: dict[str, Any], expected: object) -> None:
    put(dynamodb, "k", attribute)
    assert get_parameter("k", provider=DynamoDBProvider(VALUES, client=dynamodb)) == expected


def test_another_value_type_is_an_error_naming_the_type_not_the_content(dynamodb: Any) -> None:
    put(dynamodb, "k", {"M": {"password": {"S": "hunter2"}}})
    with pytest.raises(ParameterFetchError, match="'k': the item's 'value' attribute is not a string") as raised:
        get_parameter("k", provider=DynamoDBProvider(VALUES, client=dynamodb))
    assert "(M)" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_a_transform_applies_as_for_any_provider(dynamodb: Any) -> None:
    put(dynamodb, "db", {"S": '{"host": "db.local"}'})
    put(dynamodb, "broken", {"S": "{not json"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    assert get_parameter("db", provider=provider, transform="json") == {"host": "db.local"}
    with pytest.raises(TransformError, match="'broken': transform json failed"):
        get_parameter("broken", provider=provider, transform="json")


def test_a_missing_item_and_a_missing_table_are_told_apart(dynamodb: Any) -> None:
    with pytest.raises(ParameterNotFoundError, match="'nope' not found \\(no item in DynamoDB table 'parameters'\\)"):
        get_parameter("nope", provider=DynamoDBProvider(VALUES, client=dynamodb))
    with pytest.raises(ParameterFetchError, match="DynamoDB table 'no-table' does not exist") as raised:
        get_parameter("k", provider=DynamoDBProvider("no-table", client=dynamodb))
    assert not isinstance(raised.value, ParameterNotFoundError)


def test_denied_and_throttled_reads(dynamodb: Any) -> None:
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    fail_calls(dynamodb, "GetItem", "AccessDeniedException")
    with pytest.raises(ParameterAccessDeniedError, match="the role needs dynamodb:GetItem"):
        get_parameter("k", provider=provider)
    fail_calls(dynamodb, "Query", "ProvisionedThroughputExceededException")
    with pytest.raises(ParameterThrottledError, match="still throttled after retries"):
        get_parameters("/app", provider=provider)


def test_several_values_in_batchgetitem_calls_of_100(dynamodb: Any) -> None:
    for index in range(120):
        put(dynamodb, f"k{index}", {"S": f"v{index}"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    calls = calls_of(dynamodb)
    names = [f"k{index}" for index in range(120)]
    values = get_parameters_by_name(names, provider=provider)
    assert values == {f"k{index}": f"v{index}" for index in range(120)}
    assert calls == ["BatchGetItem", "BatchGetItem"]
    with pytest.raises(ParameterBatchError) as raised:
        get_parameters_by_name(["k1", "missing"], provider=provider)
    assert set(raised.value.failures) == {"missing"}
    assert raised.value.values == {"k1": "v1"}


def test_unprocessed_keys_are_asked_again(dynamodb: Any) -> None:
    put(dynamodb, "a", {"S": "1"})
    put(dynamodb, "b", {"S": "2"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    answers: list[int] = []

    def leave_one_unprocessed(parsed: dict[str, Any], **_: Any) -> None:
        answers.append(1)
        if len(answers) == 1:  # the first answer: 'b' comes back unprocessed, as under throttling
            kept = [item for item in parsed["Responses"][VALUES] if item["id"]["S"] == "a"]
            parsed["Responses"][VALUES] = kept
            parsed["UnprocessedKeys"] = {VALUES: {"Keys": [{"id": {"S": "b"}}]}}

    dynamodb.meta.events.register("after-call.dynamodb.BatchGetItem", leave_one_unprocessed)
    assert get_parameters_by_name(["a", "b"], provider=provider) == {"a": "1", "b": "2"}
    assert len(answers) == 2


def test_a_path_is_one_partition_queried_and_paginated(dynamodb: Any) -> None:
    big = "x" * 100_000  # 14 items of 100 KB: two pages of DynamoDB's 1 MB
    for index in range(14):
        put(dynamodb, "/orders/prod", {"S": f"{index}{big}"}, table=PATHS, sk={"S": f"key{index:02}"})
    put(dynamodb, "/orders/dev", {"S": "other"}, table=PATHS, sk={"S": "key00"})
    provider = DynamoDBProvider(PATHS, client=dynamodb)
    calls = calls_of(dynamodb)
    values = get_parameters("/orders/prod", provider=provider)
    assert sorted(values) == [f"key{index:02}" for index in range(14)]
    assert values["key03"].startswith("3x")
    assert calls == ["Query", "Query"]
    assert get_parameters("orders without a slash", provider=provider) == {}


def test_with_parameters_checks_names_by_the_providers_rule(dynamodb: Any) -> None:
    put(dynamodb, "feature flags", {"S": "on"})
    provider = DynamoDBProvider(VALUES, client=dynamodb)

    @with_parameters(flags=Parameter("feature flags", provider=provider))
    def handler(event: dict[str, Any], context: Any, *, flags: str) -> str:
        return flags

    assert handler({}, FakeContext()) == "on"


def test_set_parameter_writes_the_item_and_refreshes_the_cache(dynamodb: Any) -> None:
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    put(dynamodb, "mode", {"S": "old"})
    assert get_parameter("mode", provider=provider) == "old"
    calls = calls_of(dynamodb)
    assert set_parameter("mode", "new", overwrite=True, provider=provider) is None
    assert get_parameter("mode", provider=provider) == "new"
    assert calls == ["PutItem"]  # read from the refreshed cache
    assert dynamodb.get_item(TableName=VALUES, Key={"id": {"S": "mode"}})["Item"]["value"] == {"S": "new"}


def test_set_parameter_without_overwrite_refuses_an_existing_item(dynamodb: Any) -> None:
    provider = DynamoDBProvider(VALUES, client=dynamodb)
    set_parameter("mode", "first", provider=provider)
    with pytest.raises(ParameterExistsError, match="'mode' exists already in DynamoDB table 'parameters'") as raised:
        set_parameter("mode", "second", provider=provider)
    assert "second" not in str(raised.value)
    assert get_parameter("mode", provider=provider, force_fetch=True) == "first"
    with pytest.raises(ConfigurationError, match="DynamoDBProvider stores plain strings"):
        set_parameter("mode", "x", type="SecureString", overwrite=True, provider=provider)


def test_bad_provider_options_fail_at_setup() -> None:
    with pytest.raises(ConfigurationError, match="DynamoDBProvider table_name must be a non-empty string"):
        DynamoDBProvider("")
    with pytest.raises(ConfigurationError, match="must all differ"):
        DynamoDBProvider("t", sort_attr="id")
    assert repr(DynamoDBProvider("t")) == "DynamoDBProvider('t')"


def test_keys_left_unprocessed_call_after_call_are_reported_throttled(dynamodb: Any) -> None:
    put(dynamodb, "a", {"S": "1"})

    def never_processed(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Responses"][VALUES] = []
        parsed["UnprocessedKeys"] = {VALUES: {"Keys": [{"id": {"S": "a"}}]}}

    dynamodb.meta.events.register("after-call.dynamodb.BatchGetItem", never_processed)
    with pytest.raises(ParameterBatchError) as raised:
        get_parameters_by_name(["a"], provider=DynamoDBProvider(VALUES, client=dynamodb))
    assert isinstance(raised.value.failures["a"], ParameterThrottledError)
    assert "left keys unprocessed after 5 BatchGetItem calls" in str(raised.value.failures["a"])


def test_an_unreachable_endpoint_is_a_fetch_error() -> None:
    from tests.parameters.conftest import free_port

    provider = DynamoDBProvider(VALUES, region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ParameterFetchError, match="'k': dynamodb:GetItem failed \\(EndpointConnectionError\\)"):
        get_parameter("k", provider=provider)

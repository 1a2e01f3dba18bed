"""DynamoDBStore on moto (in process): the items it writes and the calls it makes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lambda_toolkit.idempotency import (
    CachedStore,
    DynamoDBStore,
    IdempotencyConfigurationError,
    IdempotencyInProgressError,
    IdempotencySerializationError,
    IdempotencyStoreError,
    idempotent,
    idempotent_function,
)
from lambda_toolkit.testing import FakeContext
from tests.idempotency.conftest import TABLE, create_table, record_calls


def counting_handler(store: Any, **options: Any) -> tuple[Any, list[int]]:
    runs: list[int] = []

    @idempotent(store=store, key="json_decode(body).order_id", name="orders", **options)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        if event.get("fail"):
            raise RuntimeError("failed")
        return {"statusCode": 200, "body": json.dumps({"run": len(runs)})}

    return handler, runs


EVENT = {"body": json.dumps({"order_id": "o-1"})}


def items(client: Any, table: str = TABLE) -> list[dict[str, Any]]:
    return list(client.scan(TableName=table, ConsistentRead=True)["Items"])


def test_first_call_is_two_requests_and_a_replay_is_one(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    calls = record_calls(dynamodb)
    handler, runs = counting_handler(dynamo_store)
    first = handler(EVENT, FakeContext())
    assert calls == ["PutItem", "UpdateItem"]
    calls.clear()
    assert handler(EVENT, FakeContext()) == first
    assert calls == ["PutItem"]
    assert len(runs) == 1


def test_a_replay_from_the_in_process_cache_makes_no_request(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    calls = record_calls(dynamodb)
    handler, runs = counting_handler(CachedStore(dynamo_store))
    first = handler(EVENT, FakeContext())
    calls.clear()
    assert handler(EVENT, FakeContext()) == first
    assert calls == []
    assert len(runs) == 1


def test_a_failure_is_a_lock_and_a_conditional_delete(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    calls = record_calls(dynamodb)
    handler, runs = counting_handler(dynamo_store)
    with pytest.raises(RuntimeError):
        handler({**EVENT, "fail": True}, FakeContext())
    assert calls == ["PutItem", "DeleteItem"]
    assert items(dynamodb) == []
    handler(EVENT, FakeContext())
    assert len(runs) == 2


def test_the_completed_item_holds_status_result_expiry_and_no_lock_expiry(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    handler, _ = counting_handler(dynamo_store, payload="body", expires_after=600)
    handler(EVENT, FakeContext())
    (item,) = items(dynamodb)
    assert item["id"]["S"].startswith("orders#")
    assert item["status"] == {"S": "COMPLETED"}
    assert json.loads(item["data"]["S"]) == {"statusCode": 200, "body": '{"run": 1}'}
    assert abs(int(item["expiration"]["N"]) - (time.time() + 600)) <= 2
    assert len(item["validation"]["S"]) == 64
    assert "in_progress_expiration" not in item
    assert "o-1" not in json.dumps(item["id"])


def test_the_in_progress_item_holds_the_lock_expiry_in_milliseconds(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    seen: list[dict[str, Any]] = []

    @idempotent(store=dynamo_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        seen.extend(items(dynamodb))
        return "ok"

    handler({"id": 1}, FakeContext(timeout_ms=3000))
    (item,) = seen
    assert item["status"] == {"S": "INPROGRESS"}
    assert abs(int(item["in_progress_expiration"]["N"]) - (time.time() * 1000 + 3000)) <= 2000


def test_a_failed_condition_without_the_old_item_falls_back_to_a_consistent_read(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    # Some servers (dynalite) ignore ReturnValuesOnConditionCheckFailure: strip it.
    def strip(params: dict[str, Any], **kwargs: Any) -> None:
        params.pop("ReturnValuesOnConditionCheckFailure", None)

    dynamodb.meta.events.register("before-parameter-build.dynamodb.PutItem", strip)
    calls = record_calls(dynamodb)
    handler, runs = counting_handler(dynamo_store)
    first = handler(EVENT, FakeContext())
    calls.clear()
    assert handler(EVENT, FakeContext()) == first
    assert calls == ["PutItem", "GetItem"]
    assert len(runs) == 1


def test_a_sort_key_table_keeps_functions_apart_under_one_partition_each(dynamodb: Any) -> None:
    create_table(dynamodb, "table-with-sort-key", key="pk", sort_key="sk")
    store = DynamoDBStore(
        "table-with-sort-key",
        client=dynamodb,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="ttl",
        status_attr="state",
        data_attr="result",
        token_attr="owner",
        lock_expiry_attr="lock_until",
        validation_attr="payload",
        error_attr="failure",
    )
    handler, runs = counting_handler(store)
    handler(EVENT, FakeContext())
    handler(EVENT, FakeContext())
    (item,) = items(dynamodb, "table-with-sort-key")
    assert item["pk"] == {"S": "orders"}
    assert len(item["sk"]["S"]) == 64
    assert set(item) == {"pk", "sk", "ttl", "state", "result", "owner"}
    assert store.get(f"orders#{item['sk']['S']}") is not None
    assert len(runs) == 1


def test_a_stored_exception_outcome_uses_the_error_attribute(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    @idempotent_function(store=dynamo_store, key="id", store_errors=(KeyError,))
    def lookup(item: dict[str, Any]) -> str:
        raise KeyError("sku")

    with pytest.raises(KeyError):
        lookup({"id": 1})
    with pytest.raises(KeyError):
        lookup({"id": 1})
    (item,) = items(dynamodb)
    assert json.loads(item["error"]["S"])["type"] == "builtins.KeyError"
    assert "data" not in item


def test_the_expiry_attribute_can_be_the_table_ttl(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    dynamodb.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": dynamo_store.expiry_attr}
    )
    handler, _ = counting_handler(dynamo_store)
    handler(EVENT, FakeContext())
    (item,) = items(dynamodb)
    assert set(item["expiration"]) == {"N"}
    description = dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert description["AttributeName"] == "expiration"


def test_an_item_over_400_kb_is_a_store_error_and_the_work_is_not_run_again(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    calls = record_calls(dynamodb)
    runs: list[int] = []

    @idempotent(store=dynamo_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        return "x" * 500_000

    with pytest.raises(IdempotencyStoreError, match=r"table 'idempotency'.*over DynamoDB's 400 KB limit") as caught:
        handler({"id": 1}, FakeContext())
    assert caught.value.reason == "too_large" and caught.value.action == "UpdateItem"
    assert "xxxx" not in str(caught.value)
    assert calls == ["PutItem"]
    with pytest.raises(IdempotencyInProgressError):
        handler({"id": 1}, FakeContext())
    assert len(runs) == 1


def test_a_missing_table_names_the_table_and_the_action(dynamodb: Any) -> None:
    handler, runs = counting_handler(DynamoDBStore("no-such-table", client=dynamodb))
    with pytest.raises(
        IdempotencyStoreError, match="DynamoDB PutItem on table 'no-such-table' failed: the table does not exist"
    ):
        handler(EVENT, FakeContext())
    assert runs == []


def test_the_client_is_created_on_first_use_only(dynamodb: Any) -> None:
    store = DynamoDBStore(TABLE, region="us-east-1")
    assert not store._client.made
    handler, _ = counting_handler(store)
    handler(EVENT, FakeContext())
    client = store.client
    assert client is store.client
    assert client.meta.region_name == "us-east-1"


def test_after_reset_clients_the_store_calls_through_its_new_client(dynamodb: Any) -> None:
    from lambda_toolkit.core.aws import reset_clients

    store = DynamoDBStore(TABLE, region="us-east-1")
    handler, runs = counting_handler(store)
    handler(EVENT, FakeContext())
    old = store.client
    reset_clients()  # a SnapStart restore: the snapshot's client is stale
    calls = record_calls(store.client)
    assert store.client is not old
    handler({"body": json.dumps({"order_id": "o-2"})}, FakeContext())
    assert calls == ["PutItem", "UpdateItem"]  # through the new client, not the old bound methods
    assert len(runs) == 2


def test_endpoint_url_is_passed_to_the_client() -> None:
    store = DynamoDBStore(TABLE, region="eu-west-1", endpoint_url="http://127.0.0.1:9")
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert repr(store) == "DynamoDBStore(table_name='idempotency')"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"table_name": ""}, "table_name must be a non-empty string"),
        ({"key_attr": ""}, "key_attr must be a non-empty string"),
        ({"sort_key_attr": ""}, "sort_key_attr must be a non-empty string"),
        ({"data_attr": "status"}, "attribute names must all differ"),
        ({"sort_key_attr": "id"}, "attribute names must all differ"),
    ],
)
def test_bad_store_options_fail_at_setup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(IdempotencyConfigurationError, match=message):
        DynamoDBStore(**{"table_name": TABLE, **options})


def test_the_default_client_leaves_parameter_checks_to_dynamodb() -> None:
    # The store builds every request itself; botocore's client-side validation of each
    # parameter only repeated what DynamoDB checks anyway (a client passed in is kept as is).
    from botocore.awsrequest import AWSResponse

    client = DynamoDBStore(TABLE, region="us-east-1").client
    answered: list[str] = []

    def answer(model: Any, **kwargs: Any) -> Any:
        answered.append(model.name)
        return AWSResponse("http://127.0.0.1", 200, {}, None), {}

    client.meta.events.register("before-call.dynamodb", answer)
    # A number where botocore's model wants a string: with client-side validation on,
    # botocore would raise ParamValidationError before any request.
    client.get_item(TableName=TABLE, Key={"id": {"S": 5}})
    assert answered == ["GetItem"]


def test_completion_sets_status_and_result_only_and_keeps_the_lock_expiry(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    sent: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem", lambda params, **kwargs: sent.append(params)
    )
    handler, _ = counting_handler(dynamo_store, expires_after=600)
    handler(EVENT, FakeContext())
    (params,) = sent
    assert params["UpdateExpression"] == "SET #st = :st, #data = :data REMOVE #lexp"
    assert params["ConditionExpression"] == "#tok = :tok"
    (item,) = items(dynamodb)
    assert abs(int(item["expiration"]["N"]) - (time.time() + 600)) <= 2


def test_an_item_over_400_kb_in_utf8_is_refused_though_it_has_fewer_characters(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    @idempotent(store=dynamo_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "\U0001f375" * 110_000  # 110,000 characters, 440,000 bytes in UTF-8

    with pytest.raises(IdempotencyStoreError, match="over DynamoDB's 400 KB limit") as caught:
        handler({"id": 1}, FakeContext())
    assert caught.value.reason == "too_large"


def test_a_result_just_under_the_limit_is_stored(dynamodb: Any, dynamo_store: DynamoDBStore) -> None:
    @idempotent(store=dynamo_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "x" * 390_000

    assert len(handler({"id": 1}, FakeContext())) == 390_000
    assert len(handler({"id": 1}, FakeContext())) == 390_000


def test_a_result_with_a_lone_surrogate_is_a_serialization_error_and_the_lock_stays(
    dynamodb: Any, dynamo_store: DynamoDBStore
) -> None:
    @idempotent_function(store=dynamo_store, key="id", name="notes")
    def render(item: dict[str, Any]) -> str:
        return "half an emoji: \ud83d"

    with pytest.raises(IdempotencySerializationError, match=r"^notes: the result cannot be stored as JSON \(str"):
        render({"id": 1})
    (item,) = items(dynamodb)
    assert item["status"] == {"S": "INPROGRESS"}
    assert "data" not in item

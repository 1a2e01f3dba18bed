"""The DynamoDB store against real servers over HTTP: dynalite and moto's server mode."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lambda_toolkit.idempotency import (
    CachedStore,
    DynamoDBStore,
    IdempotencyInProgressError,
    IdempotencyPayloadMismatchError,
    IdempotencyStoreError,
    idempotent,
)
from lambda_toolkit.idempotency._hashing import digest
from lambda_toolkit.testing import FakeContext
from tests.idempotency.conftest import record_calls
from tests.idempotency.integration.conftest import make_client, new_table

pytestmark = pytest.mark.integration

EVENT = {"headers": {"Idempotency-Key": "k-1"}, "body": json.dumps({"amount": 5})}


def http_handler(store: Any, **options: Any) -> tuple[Any, list[int]]:
    runs: list[int] = []

    @idempotent(store=store, key='lower_keys(headers)."idempotency-key"', name="api", **options)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        if json.loads(event["body"]).get("fail"):
            raise RuntimeError("failed")
        return {"statusCode": 201, "body": json.dumps({"run": len(runs)})}

    return handler, runs


def test_run_once_replay_and_release_on_failure(server: str) -> None:
    client = make_client(server)
    store = DynamoDBStore(new_table(client), client=client)
    handler, runs = http_handler(store)
    failing = {**EVENT, "body": json.dumps({"fail": True})}
    with pytest.raises(RuntimeError):
        handler(failing, FakeContext())
    first = handler(EVENT, FakeContext())
    assert handler(EVENT, FakeContext()) == first
    assert len(runs) == 2


def test_a_replay_reads_the_old_item_from_the_failed_put_or_falls_back_to_a_read(
    dynalite: str, moto_server: str
) -> None:
    # moto returns the old item on a failed condition (as DynamoDB does); dynalite does not.
    expected = {dynalite: ["PutItem", "GetItem"], moto_server: ["PutItem"]}
    for endpoint, calls_of_a_replay in expected.items():
        client = make_client(endpoint)
        handler, runs = http_handler(DynamoDBStore(new_table(client), client=client))
        calls = record_calls(client)
        handler(EVENT, FakeContext())
        assert calls == ["PutItem", "UpdateItem"]
        calls.clear()
        handler(EVENT, FakeContext())
        assert calls == calls_of_a_replay
        assert len(runs) == 1


def test_a_cached_replay_makes_no_request(server: str) -> None:
    client = make_client(server)
    handler, runs = http_handler(CachedStore(DynamoDBStore(new_table(client), client=client)))
    handler(EVENT, FakeContext())
    calls = record_calls(client)
    handler(EVENT, FakeContext())
    assert calls == [] and len(runs) == 1


def test_the_server_evaluates_lock_expiry_and_result_expiry(server: str) -> None:
    client = make_client(server)
    table = new_table(client)
    handler, runs = http_handler(DynamoDBStore(table, client=client))
    key = f"api#{digest('k-1')}"
    now = time.time()
    stale_lock = {
        "id": {"S": key},
        "status": {"S": "INPROGRESS"},
        "expiration": {"N": str(int(now) + 3600)},
        "in_progress_expiration": {"N": str(int(now * 1000) - 1)},
        "token": {"S": "crashed"},
    }
    client.put_item(TableName=table, Item=stale_lock)
    handler(EVENT, FakeContext())
    assert len(runs) == 1
    expired = {"id": {"S": key}, "status": {"S": "COMPLETED"}, "expiration": {"N": str(int(now) - 1)},
               "token": {"S": "old"}, "data": {"S": "1"}}  # fmt: skip
    client.put_item(TableName=table, Item=expired)
    handler(EVENT, FakeContext())
    assert len(runs) == 2
    live_lock = {**stale_lock, "in_progress_expiration": {"N": str(int(now * 1000) + 60_000)}}
    client.put_item(TableName=table, Item=live_lock)
    with pytest.raises(IdempotencyInProgressError):
        handler(EVENT, FakeContext())
    assert len(runs) == 2


def test_payload_validation_on_a_real_server(server: str) -> None:
    client = make_client(server)
    handler, runs = http_handler(DynamoDBStore(new_table(client), client=client), payload="json_decode(body)")
    handler(EVENT, FakeContext())
    with pytest.raises(IdempotencyPayloadMismatchError):
        handler({**EVENT, "body": json.dumps({"amount": 6})}, FakeContext())
    assert len(runs) == 1


def test_a_shared_table_with_a_sort_key(server: str) -> None:
    client = make_client(server)
    store = DynamoDBStore(new_table(client, sort_key="sk"), client=client, sort_key_attr="sk")
    handler, runs = http_handler(store)
    handler(EVENT, FakeContext())
    handler(EVENT, FakeContext())
    record = store.get(f"api#{digest('k-1')}")
    assert record is not None and record.status == "COMPLETED" and len(runs) == 1


def test_a_missing_table_over_http_names_the_table_and_action(server: str) -> None:
    handler, runs = http_handler(DynamoDBStore("not-there", client=make_client(server)))
    with pytest.raises(IdempotencyStoreError, match="DynamoDB PutItem on table 'not-there' failed: the table does not"):
        handler(EVENT, FakeContext())
    assert runs == []


def test_an_item_over_400_kb_never_reaches_the_server_and_the_lock_holds(server: str) -> None:
    client = make_client(server)
    store = DynamoDBStore(new_table(client), client=client)
    runs: list[int] = []

    @idempotent(store=store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        return "x" * 450_000

    with pytest.raises(IdempotencyStoreError, match="400 KB"):
        handler({"id": 1}, FakeContext())
    with pytest.raises(IdempotencyInProgressError):
        handler({"id": 1}, FakeContext())
    assert len(runs) == 1


def test_the_ttl_attribute_on_moto_server(moto_server: str) -> None:
    # dynalite rejects the TTL API; real DynamoDB and moto accept it.
    client = make_client(moto_server)
    table = new_table(client)
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    handler, _ = http_handler(DynamoDBStore(table, client=client))
    handler(EVENT, FakeContext())
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"

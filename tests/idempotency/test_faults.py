"""Faults from DynamoDB (botocore Stubber, a closed port): each a clear error, never a double run.

Throttling, server errors, a connection error, a conditional-check race, a record that
expired between the failed write and the read, an item over 400 KB, missing permissions.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from lambda_toolkit.idempotency import DynamoDBStore, IdempotencyInProgressError, IdempotencyStoreError, idempotent
from lambda_toolkit.idempotency._hashing import digest
from lambda_toolkit.testing import FakeContext

TABLE = "orders-idempotency"
KEY = f"orders#{digest('o-1')}"


@pytest.fixture
def stubbed() -> Iterator[tuple[DynamoDBStore, Stubber]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield DynamoDBStore(TABLE, client=client), stubber
        stubber.assert_no_pending_responses()


def make_handler(store: DynamoDBStore) -> tuple[Any, list[int]]:
    runs: list[int] = []

    @idempotent(store=store, key="order_id", name="orders")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(1)
        if event.get("fail"):
            raise RuntimeError("failed")
        return {"ok": True}

    return handler, runs


def item(status: str, *, lock_ms: int | None = None, expires: int | None = None, data: Any = None) -> dict[str, Any]:
    now = time.time()
    found: dict[str, Any] = {
        "id": {"S": KEY},
        "status": {"S": status},
        "expiration": {"N": str(expires if expires is not None else int(now) + 3600)},
        "token": {"S": "someone"},
    }
    if lock_ms is not None:
        found["in_progress_expiration"] = {"N": str(lock_ms)}
    if data is not None:
        found["data"] = {"S": json.dumps(data)}
    return found


def put_ok(stubber: Stubber) -> None:
    stubber.add_response("put_item", {}, {"TableName": TABLE, "Item": ANY, "ConditionExpression": ANY,
                                           "ExpressionAttributeNames": ANY, "ExpressionAttributeValues": ANY,
                                           "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})  # fmt: skip


def condition_failed(stubber: Stubber, method: str = "put_item", old: dict[str, Any] | None = None) -> None:
    stubber.add_client_error(
        method,
        service_error_code="ConditionalCheckFailedException",
        http_status_code=400,
        modeled_fields={"Item": old} if old is not None else None,
    )


@pytest.mark.parametrize(
    ("code", "status", "reason", "text"),
    [
        ("ProvisionedThroughputExceededException", 400, "throttled", "was throttled"),
        ("ThrottlingException", 400, "throttled", "was throttled"),
        ("InternalServerError", 500, "server_error", "failed with a server error"),
        ("ServiceUnavailable", 503, "server_error", "failed with a server error"),
        ("AccessDeniedException", 400, "access_denied", "was denied (AccessDeniedException): allow dynamodb:PutItem"),
        ("ResourceNotFoundException", 400, "missing_table", "the table does not exist"),
        ("SerializationException", 400, "client_error", "failed (SerializationException)"),
    ],
)
def test_a_failing_lock_is_a_store_error_and_the_function_does_not_run(
    stubbed: tuple[DynamoDBStore, Stubber], code: str, status: int, reason: str, text: str
) -> None:
    store, stubber = stubbed
    stubber.add_client_error("put_item", service_error_code=code, service_message="secret o-1", http_status_code=status)
    handler, runs = make_handler(store)
    with pytest.raises(IdempotencyStoreError) as caught:
        handler({"order_id": "o-1"}, FakeContext())
    assert f"DynamoDB PutItem on table '{TABLE}'" in str(caught.value)
    assert text in str(caught.value)
    assert "o-1" not in str(caught.value)
    assert (caught.value.table, caught.value.action, caught.value.reason) == (TABLE, "PutItem", reason)
    assert runs == []


def test_a_failing_completion_keeps_the_lock_so_the_work_is_not_run_again(
    stubbed: tuple[DynamoDBStore, Stubber],
) -> None:
    store, stubber = stubbed
    put_ok(stubber)
    stubber.add_client_error("update_item", service_error_code="InternalServerError", http_status_code=500)
    # No DeleteItem is stubbed: the Stubber would fail the test if the lock were released.
    handler, runs = make_handler(store)
    with pytest.raises(IdempotencyStoreError, match="UpdateItem on table 'orders-idempotency' failed with a server"):
        handler({"order_id": "o-1"}, FakeContext())
    condition_failed(stubber, old=item("INPROGRESS", lock_ms=int(time.time() * 1000) + 60_000))
    with pytest.raises(IdempotencyInProgressError):
        handler({"order_id": "o-1"}, FakeContext())
    assert len(runs) == 1


def test_an_item_over_400_kb_rejected_by_the_server_is_a_store_error(stubbed: tuple[DynamoDBStore, Stubber]) -> None:
    store, stubber = stubbed
    put_ok(stubber)
    stubber.add_client_error(
        "update_item",
        service_error_code="ValidationException",
        service_message="Item size has exceeded the maximum allowed size",
    )
    handler, runs = make_handler(store)
    with pytest.raises(IdempotencyStoreError, match="over DynamoDB's 400 KB limit") as caught:
        handler({"order_id": "o-1"}, FakeContext())
    assert caught.value.reason == "too_large" and len(runs) == 1


def test_a_conditional_check_race_where_the_record_vanished_retries_the_lock(
    stubbed: tuple[DynamoDBStore, Stubber],
) -> None:
    store, stubber = stubbed
    condition_failed(stubber)  # no item returned (like dynalite) ...
    stubber.add_response("get_item", {})  # ... and it was deleted before the read
    put_ok(stubber)
    stubber.add_response("update_item", {})
    handler, runs = make_handler(store)
    assert handler({"order_id": "o-1"}, FakeContext()) == {"ok": True}
    assert len(runs) == 1


def test_a_conditional_check_race_lost_to_a_completed_record_replays_it(
    stubbed: tuple[DynamoDBStore, Stubber],
) -> None:
    store, stubber = stubbed
    condition_failed(stubber)
    stubber.add_response("get_item", {"Item": item("COMPLETED", data={"ok": "stored"})})
    handler, runs = make_handler(store)
    assert handler({"order_id": "o-1"}, FakeContext()) == {"ok": "stored"}
    assert runs == []


def test_a_record_that_expired_between_the_write_and_the_read_is_locked_again(
    stubbed: tuple[DynamoDBStore, Stubber],
) -> None:
    store, stubber = stubbed
    condition_failed(stubber)
    stubber.add_response("get_item", {"Item": item("INPROGRESS", lock_ms=int(time.time() * 1000) - 1)})
    put_ok(stubber)
    stubber.add_response("update_item", {})
    handler, runs = make_handler(store)
    assert handler({"order_id": "o-1"}, FakeContext()) == {"ok": True}
    assert len(runs) == 1


def test_a_completed_record_that_expired_before_the_read_is_locked_again(
    stubbed: tuple[DynamoDBStore, Stubber],
) -> None:
    store, stubber = stubbed
    condition_failed(stubber)
    stubber.add_response("get_item", {"Item": item("COMPLETED", expires=int(time.time()) - 1, data={"ok": 0})})
    put_ok(stubber)
    stubber.add_response("update_item", {})
    handler, runs = make_handler(store)
    assert handler({"order_id": "o-1"}, FakeContext()) == {"ok": True}
    assert len(runs) == 1


def test_a_key_that_keeps_changing_gives_up_with_a_store_error(stubbed: tuple[DynamoDBStore, Stubber]) -> None:
    store, stubber = stubbed
    for _ in range(3):
        condition_failed(stubber)
        stubber.add_response("get_item", {})
    handler, runs = make_handler(store)
    with pytest.raises(IdempotencyStoreError, match="kept changing under 3 attempts") as caught:
        handler({"order_id": "o-1"}, FakeContext())
    assert caught.value.reason == "contention" and runs == []


def test_a_completion_whose_lock_was_taken_over_returns_the_result_and_stores_nothing(
    stubbed: tuple[DynamoDBStore, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    store, stubber = stubbed
    put_ok(stubber)
    condition_failed(stubber, "update_item")
    handler, _ = make_handler(store)
    with caplog.at_level(logging.WARNING, "lambda_toolkit.idempotency"):
        assert handler({"order_id": "o-1"}, FakeContext()) == {"ok": True}
    assert "this result was not stored" in caplog.text


def test_a_release_whose_lock_was_taken_over_is_a_no_op(stubbed: tuple[DynamoDBStore, Stubber]) -> None:
    store, stubber = stubbed
    put_ok(stubber)
    condition_failed(stubber, "delete_item")
    handler, _ = make_handler(store)
    with pytest.raises(RuntimeError, match="failed"):
        handler({"order_id": "o-1", "fail": True}, FakeContext())


def test_a_failing_release_is_logged_and_the_function_error_is_raised(
    stubbed: tuple[DynamoDBStore, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    store, stubber = stubbed
    put_ok(stubber)
    stubber.add_client_error("delete_item", service_error_code="InternalServerError", http_status_code=500)
    handler, _ = make_handler(store)
    with caplog.at_level(logging.WARNING, "lambda_toolkit.idempotency"), pytest.raises(RuntimeError, match="failed"):
        handler({"order_id": "o-1", "fail": True}, FakeContext())
    assert "DeleteItem on table 'orders-idempotency' failed with a server error" in caplog.text


def test_a_connection_error_is_a_store_error_and_the_function_does_not_run() -> None:
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )
    handler, runs = make_handler(DynamoDBStore(TABLE, client=client))
    with pytest.raises(IdempotencyStoreError, match="could not reach DynamoDB") as caught:
        handler({"order_id": "o-1"}, FakeContext())
    assert caught.value.reason == "connection" and runs == []

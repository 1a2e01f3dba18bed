"""The DynamoDB store when a response is lost after the server acted on the request.

botocore retries a request whose connection closed before the response; the server
already did the work, so the retry meets the effect of its own first attempt.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.idempotency import COMPLETED, DynamoDBStore, idempotent
from lambda_toolkit.testing import FakeContext
from tests.idempotency.integration.conftest import make_client, new_table
from tests.idempotency.integration.proxy import LossyProxy

pytestmark = pytest.mark.integration


def charging_handler(store: DynamoDBStore) -> tuple[Any, list[int]]:
    charges: list[int] = []

    @idempotent(store=store, key="order_id", name="charge")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        charges.append(event["order_id"])
        return {"charged": len(charges)}

    return handler, charges


def items_of(client: Any, table: str) -> list[dict[str, Any]]:
    return list(client.scan(TableName=table, ConsistentRead=True)["Items"])


def test_a_lock_whose_put_response_was_lost_is_recognised_as_ours(lossy_proxy: LossyProxy) -> None:
    client = make_client(lossy_proxy.endpoint)
    table = new_table(client)
    handler, charges = charging_handler(DynamoDBStore(table, client=client))

    lossy_proxy.lose("PutItem")
    assert handler({"order_id": 7}, FakeContext()) == {"charged": 1}

    assert lossy_proxy.lost == ["PutItem"]
    assert lossy_proxy.seen.count("PutItem") == 2  # the write, then botocore's retry of it
    assert charges == [7]
    (item,) = items_of(client, table)
    assert item["status"] == {"S": COMPLETED}
    assert handler({"order_id": 7}, FakeContext()) == {"charged": 1}  # a replay
    assert charges == [7]


def test_a_lost_completion_response_keeps_the_stored_result(lossy_proxy: LossyProxy) -> None:
    client = make_client(lossy_proxy.endpoint)
    table = new_table(client)
    handler, charges = charging_handler(DynamoDBStore(table, client=client))

    lossy_proxy.lose("UpdateItem")
    assert handler({"order_id": 8}, FakeContext()) == {"charged": 1}

    assert lossy_proxy.lost == ["UpdateItem"]
    (item,) = items_of(client, table)
    assert item["status"] == {"S": COMPLETED}
    assert handler({"order_id": 8}, FakeContext()) == {"charged": 1}
    assert charges == [8]

"""Fixtures for the idempotency tests: stores, a moto table in process, a DynamoDB call log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.idempotency import DynamoDBStore, MemoryStore

TABLE = "idempotency"


def create_table(client: Any, name: str = TABLE, *, key: str = "id", sort_key: str | None = None) -> None:
    """An on-demand table keyed like the docs' template (optionally with a sort key)."""
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    attributes = [{"AttributeName": key, "AttributeType": "S"}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sort_key, "AttributeType": "S"})
    client.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )


def record_calls(client: Any) -> list[str]:
    """The names of the DynamoDB operations ``client`` makes from now on (botocore event hook)."""
    calls: list[str] = []

    def hook(model: Any, **kwargs: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", hook)
    return calls


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """A boto3 DynamoDB client on moto (in process) with the table ``idempotency``."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client)
        yield client


@pytest.fixture
def dynamo_store(dynamodb: Any) -> DynamoDBStore:
    return DynamoDBStore(TABLE, client=dynamodb)

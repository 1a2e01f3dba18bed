"""Idempotency on DynamoDB (moto in process): requests made and time per invocation.

Side by side with Powertools' idempotency utility, same table layout, same key
expression. DynamoDB requests are counted with botocore event hooks. moto's own time per
request dominates both, so it is reported too ("moto PutItem alone").
"""

from __future__ import annotations

import itertools
import os
import statistics
from typing import Any

from _harness import Scenario, per_call

from lambda_toolkit.testing import FakeContext

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

CONTEXT = FakeContext(timeout_ms=900_000)
RESPONSE = {"statusCode": 201, "body": '{"order_id": "o-1", "status": "created"}'}


class _Setup:
    """moto started once; one table and one client per library, each client counting its requests."""

    def __init__(self) -> None:
        import boto3
        from moto import mock_aws

        self._mock = mock_aws()
        self._mock.start()
        self.ours_client = boto3.client("dynamodb", region_name="us-east-1")
        self.theirs_client = boto3.client("dynamodb", region_name="us-east-1")
        self.calls: dict[int, int] = {id(self.ours_client): 0, id(self.theirs_client): 0}
        for name, client in (("toolkit-idempotency", self.ours_client), ("powertools-idempotency", self.theirs_client)):
            client.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            client.meta.events.register("before-call.dynamodb", self._counter(client))
        self.ours_client.create_table(  # for the raw PutItem timing, so the other tables stay alike
            TableName="moto-raw",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.fresh = itertools.count()

    def _counter(self, client: Any) -> Any:
        def count(**kwargs: Any) -> None:
            self.calls[id(client)] += 1

        return count

    def ours(self, *, cached: bool) -> Any:
        from lambda_toolkit.idempotency import CachedStore, DynamoDBStore, idempotent

        store: Any = DynamoDBStore("toolkit-idempotency", client=self.ours_client)
        if cached:
            store = CachedStore(store)

        @idempotent(store=store, key="order_id")
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return RESPONSE

        return handler

    def theirs(self, *, cached: bool) -> Any:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent,
        )

        layer = DynamoDBPersistenceLayer(table_name="powertools-idempotency", boto3_client=self.theirs_client)
        config = IdempotencyConfig(event_key_jmespath="order_id", use_local_cache=cached)

        @idempotent(persistence_store=layer, config=config)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return RESPONSE

        return handler

    def requests_of(self, handler: Any, client: Any, event: dict[str, Any]) -> float:
        before = self.calls[id(client)]
        handler(event, CONTEXT)
        return float(self.calls[id(client)] - before)

    def first_call(self, handler: Any) -> Any:
        return lambda: handler({"order_id": f"first-{next(self.fresh)}"}, CONTEXT)

    def moto_put_item(self) -> float:
        client = self.ours_client

        def put() -> None:
            client.put_item(TableName="moto-raw", Item={"id": {"S": f"raw-{next(self.fresh)}"}})

        return per_call(put) * 1e6


def _paired(ours: Any, theirs: Any, *, rounds: int = 7) -> tuple[Any, Any]:
    """Two measures in µs, taken interleaved (ours, theirs, ours, ...) on the first call.

    moto's time per request drifts with the machine's load; alternating keeps that drift
    out of the ratio. Each figure is the median of ``rounds`` short timings.
    """
    figures: dict[str, float] = {}

    def measure() -> None:
        samples: dict[str, list[float]] = {"ours": [], "theirs": []}
        for _ in range(rounds):
            samples["ours"].append(per_call(ours, repeat=1, min_time=0.1))
            samples["theirs"].append(per_call(theirs, repeat=1, min_time=0.1))
        figures.update({name: statistics.median(values) * 1e6 for name, values in samples.items()})

    def get(name: str) -> float:
        if not figures:
            measure()
        return figures[name]

    return (lambda: get("ours")), (lambda: get("theirs"))


def scenarios() -> list[Scenario]:
    setup = _Setup()
    ours, theirs = setup.ours(cached=False), setup.theirs(cached=False)
    ours_cached, theirs_cached = setup.ours(cached=True), setup.theirs(cached=True)
    replay = {"order_id": "replayed"}
    ours(replay, CONTEXT), theirs(replay, CONTEXT), ours_cached(replay, CONTEXT), theirs_cached(replay, CONTEXT)
    oc, tc = setup.ours_client, setup.theirs_client

    def fresh(prefix: str) -> dict[str, Any]:
        return {"order_id": f"{prefix}-{next(setup.fresh)}"}

    return [
        Scenario(
            "idempotency: DynamoDB requests, first call",
            "requests",
            lambda: setup.requests_of(ours, oc, fresh("count")),
            lambda: setup.requests_of(theirs, tc, fresh("count")),
            goal="2",
        ),
        Scenario(
            "idempotency: DynamoDB requests, replay",
            "requests",
            lambda: setup.requests_of(ours, oc, replay),
            lambda: setup.requests_of(theirs, tc, replay),
            goal="1",
        ),
        Scenario(
            "idempotency: DynamoDB requests, replay with in-process cache",
            "requests",
            lambda: setup.requests_of(ours_cached, oc, replay),
            lambda: setup.requests_of(theirs_cached, tc, replay),
            goal="0",
        ),
        Scenario(
            "idempotency: first call (moto in process)",
            "µs",
            *_paired(setup.first_call(ours), setup.first_call(theirs)),
            goal="<= 0.5x",
            extra={"moto PutItem alone (one request)": setup.moto_put_item},
        ),
        Scenario(
            "idempotency: replay (moto in process)",
            "µs",
            *_paired(lambda: ours(replay, CONTEXT), lambda: theirs(replay, CONTEXT)),
            goal="<= 0.5x",
        ),
        Scenario(
            "idempotency: replay from the in-process cache",
            "µs",
            *_paired(lambda: ours_cached(replay, CONTEXT), lambda: theirs_cached(replay, CONTEXT)),
            goal="<= 0.5x",
        ),
    ]

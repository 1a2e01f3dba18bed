"""Idempotency on DynamoDB (moto in process): requests made and time per invocation.

Side by side with Powertools' idempotency utility, same table layout, same key
expression. DynamoDB requests are counted with botocore event hooks. moto's own time per
request dominates both, so it is reported too ("moto PutItem alone").

Since moto's time swamps the libraries' own, two more pairs measure the libraries
without the store: "store stubbed" answers every request from a botocore ``before-call``
hook with the response moto gave to the same request (what botocore's Stubber does), so
what is left is the library plus botocore building the request; "own code" also
subtracts the time spent inside the boto3 calls, leaving the library's own Python.
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
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

    def ours(self, *, cached: bool, client: Any = None, store: Any = None) -> Any:
        from lambda_toolkit.idempotency import CachedStore, DynamoDBStore, idempotent

        if store is None:
            store = DynamoDBStore("toolkit-idempotency", client=client or self.ours_client)
        if cached:
            store = CachedStore(store)

        @idempotent(store=store, key="order_id")
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return RESPONSE

        return handler

    def theirs(self, *, cached: bool, client: Any = None) -> Any:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent,
        )

        layer = DynamoDBPersistenceLayer(table_name="powertools-idempotency", boto3_client=client or self.theirs_client)
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


def _recorded(handler: Any, client: Any, event: dict[str, Any]) -> dict[str, Any]:
    """The (HTTP response, parsed response) moto gives each request of one call of ``handler``."""
    got: dict[str, Any] = {}

    def record(http_response: Any, parsed: Any, model: Any, **kwargs: Any) -> None:
        got[model.name] = (http_response, parsed)

    client.meta.events.register("after-call.dynamodb", record, unique_id="bench-record")
    try:
        handler(event, CONTEXT)
    finally:
        client.meta.events.unregister("after-call.dynamodb", unique_id="bench-record")
    return got


class _Answered:
    """A client whose DynamoDB requests are answered from recorded responses (no moto, no HTTP).

    botocore still builds (validates, serialises) each request; the ``before-call`` hook
    then hands back the response, as botocore's Stubber does. ``inside`` adds up the
    seconds spent inside the client's calls, so that they can be subtracted.
    """

    def __init__(self, client: Any, responses: dict[str, Any]) -> None:
        self.client = client
        self.responses = responses
        self.inside = 0.0
        client.meta.events.register("before-call.dynamodb", self._answer)
        make_api_call = client._make_api_call

        def timed(operation: str, params: dict[str, Any]) -> Any:
            start = time.perf_counter()
            try:
                return make_api_call(operation, params)
            finally:
                self.inside += time.perf_counter() - start

        client._make_api_call = timed  # every client method goes through it

    def _answer(self, model: Any, **kwargs: Any) -> Any:
        return self.responses[model.name]


class _Stubbed:
    """Each library on answered clients, one per case (first call, replay)."""

    def __init__(self, setup: _Setup) -> None:
        import boto3

        from lambda_toolkit.idempotency import DynamoDBStore

        self.fresh = setup.fresh
        self.handlers: dict[str, Any] = {}
        self.answered: dict[str, _Answered] = {}
        makers = {
            "ours": lambda client: setup.ours(cached=False, client=client),
            "theirs": lambda client: setup.theirs(cached=False, client=client),
        }
        real = {"ours": setup.ours_client, "theirs": setup.theirs_client}
        for name, make in makers.items():
            first = _recorded(make(real[name]), real[name], {"order_id": f"stub-first-{name}"})
            _recorded(make(real[name]), real[name], {"order_id": "stub-replay"})
            replay = _recorded(make(real[name]), real[name], {"order_id": "stub-replay"})
            for case, responses in (("first", first), ("replay", replay)):
                answered = _Answered(boto3.client("dynamodb", region_name="us-east-1"), responses)
                self.answered[f"{name} {case}"] = answered
                self.handlers[f"{name} {case}"] = make(answered.client)
            if name == "ours":
                # The toolkit's default client, created by the store itself.
                for case, responses in (("first", first), ("replay", replay)):
                    store = DynamoDBStore("toolkit-idempotency", region="us-east-1")
                    answered = _Answered(store.client, responses)
                    self.answered[f"default {case}"] = answered
                    self.handlers[f"default {case}"] = setup.ours(cached=False, store=store)

    def call(self, key: str) -> Any:
        handler = self.handlers[key]
        if key.endswith("first"):
            fresh = self.fresh
            return lambda: handler({"order_id": f"stubbed-{next(fresh)}"}, CONTEXT)
        return lambda: handler({"order_id": "stub-replay"}, CONTEXT)

    def own_code(self, key: str, *, calls: int = 3000, rounds: int = 7) -> float:
        """µs per call outside the boto3 calls: the median of ``rounds`` runs of ``calls`` calls."""
        call, answered = self.call(key), self.answered[key]
        samples = []
        for _ in range(rounds):
            answered.inside = 0.0
            start = time.perf_counter()
            for _ in range(calls):
                call()
            samples.append((time.perf_counter() - start - answered.inside) / calls)
        return statistics.median(samples) * 1e6


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
    stubbed = _Stubbed(setup)
    default = {
        case: (lambda case=case: per_call(stubbed.call(f"default {case}"), repeat=7, min_time=0.1) * 1e6)
        for case in ("first", "replay")
    }

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
        Scenario(
            "idempotency overhead w/o store (stubbed client): first call",
            "µs",
            *_paired(stubbed.call("ours first"), stubbed.call("theirs first")),
            extra={"toolkit, its default client (no client-side validation)": lambda: default["first"]()},
        ),
        Scenario(
            "idempotency overhead w/o store (stubbed client): replay",
            "µs",
            *_paired(stubbed.call("ours replay"), stubbed.call("theirs replay")),
            extra={"toolkit, its default client (no client-side validation)": lambda: default["replay"]()},
        ),
        Scenario(
            "idempotency own code (boto3 calls subtracted): first call",
            "µs",
            *_paired_own(stubbed, "first"),
            goal="<= 0.5x",
        ),
        Scenario(
            "idempotency own code (boto3 calls subtracted): replay",
            "µs",
            *_paired_own(stubbed, "replay"),
            goal="<= 0.5x",
        ),
    ]


def _paired_own(stubbed: _Stubbed, case: str) -> tuple[Any, Any]:
    """The own-code figures of both libraries, measured alternately (median of 7 rounds each)."""
    figures: dict[str, list[float]] = {"ours": [], "theirs": []}

    def get(name: str) -> float:
        if not figures[name]:
            for _ in range(7):
                figures["ours"].append(stubbed.own_code(f"ours {case}", rounds=1))
                figures["theirs"].append(stubbed.own_code(f"theirs {case}", rounds=1))
        return statistics.median(figures[name])

    return (lambda: get("ours")), (lambda: get("theirs"))

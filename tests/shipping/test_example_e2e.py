"""The example application under AWS's real runtime client (awslambdaric).

Each handler runs in its own process started as Lambda's Python runtime starts it
(`python -m awslambdaric orders.api.create_order`) against the local Runtime API of
`lambda_toolkit.testing`, with AWS served by moto's server mode on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lambda_toolkit.testing.events import api_gateway_http_event, sqs_event
from lambda_toolkit.testing.runtime_api import RuntimeEmulator

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "orders"

pytestmark = pytest.mark.integration


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("orders_demo", ROOT / "examples" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """A moto server on 127.0.0.1 with the resources of template.yaml."""
    demo = _demo()
    server, endpoint = demo.start_aws()
    saved = dict(os.environ)
    try:
        env = demo.aws_environment(endpoint)
        os.environ.update(env)
        env.update(demo.provision(env))
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def order_request(key: str, body: Any = None) -> dict[str, Any]:
    return api_gateway_http_event(
        "POST",
        "/orders",
        headers={"idempotency-key": key, "x-correlation-id": f"corr-{key}"},
        body=body if body is not None else {"customer_id": "c-1", "sku": "BOOK-1", "quantity": 1, "unit_price": "5"},
    )


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_create_order_answers_then_replays_from_the_store(aws: dict[str, str]) -> None:
    with RuntimeEmulator(handler="orders.api.create_order", task_root=APP, timeout_ms=10_000, env=aws) as runtime:
        first = runtime.invoke(order_request("e2e-1"))
        second = runtime.invoke(order_request("e2e-1"))
    assert first.ok, first.error
    assert first.response["statusCode"] == 201
    assert second.response["body"] == first.response["body"]
    assert second.response["headers"]["Idempotency-Replayed"] == "true"
    lines = [line for line in json_lines(first.logs) if "message" in line]
    created = next(line for line in lines if line["message"] == "order created")
    assert created["correlation_id"] == "corr-e2e-1"
    assert created["function_request_id"] == first.request_id
    assert created["cold_start"] is True
    assert first.cold_start and not second.cold_start
    assert "sk_demo_never_printed" not in "\n".join(first.logs + second.logs)


def test_an_invalid_body_is_a_422_naming_the_fields(aws: dict[str, str]) -> None:
    with RuntimeEmulator(handler="orders.api.create_order", task_root=APP, timeout_ms=10_000, env=aws) as runtime:
        result = runtime.invoke(order_request("e2e-bad", {"customer_id": "c-1", "sku": "X", "quantity": 0}))
    assert result.response["statusCode"] == 422
    locations = {tuple(error["loc"]) for error in json.loads(result.response["body"])["detail"]}
    assert locations == {("body", "quantity"), ("body", "unit_price")}


def test_the_router_answers_other_methods_and_paths(aws: dict[str, str]) -> None:
    def request(method: str, path: str) -> dict[str, Any]:
        return api_gateway_http_event(method, path, headers={"idempotency-key": f"e2e-{method}-{path}"})

    with RuntimeEmulator(handler="orders.api.create_order", task_root=APP, timeout_ms=10_000, env=aws) as runtime:
        wrong_method = runtime.invoke(request("GET", "/orders"))
        no_route = runtime.invoke(request("POST", "/payments"))
    assert wrong_method.response["statusCode"] == 405
    assert wrong_method.response["headers"]["Allow"] == "POST"
    assert no_route.response["statusCode"] == 404


def test_an_event_of_another_trigger_is_reported_in_lambdas_error_shape(aws: dict[str, str]) -> None:
    with RuntimeEmulator(handler="orders.api.create_order", task_root=APP, timeout_ms=10_000, env=aws) as runtime:
        result = runtime.invoke(sqs_event(["{}"]))
    assert result.error is not None
    # the idempotency key is looked up first: an SQS event has no Idempotency-Key header
    assert result.error["errorType"] == "IdempotencyKeyError"
    assert result.error["errorMessage"]


def test_the_worker_reports_only_the_poison_message(aws: dict[str, str]) -> None:
    good = {"order_id": "o-1", "customer_id": "c", "sku": "S", "quantity": 1, "total": "5"}
    event = sqs_event(
        [good, "not json", {**good, "order_id": "o-2", "quantity": 500}],
        message_attributes={"correlation_id": "corr-w"},
    )
    with RuntimeEmulator(handler="orders.worker.fulfil_order", task_root=APP, timeout_ms=10_000, env=aws) as runtime:
        result = runtime.invoke(event)
    failed = [failure["itemIdentifier"] for failure in result.response["batchItemFailures"]]
    assert failed == [event["Records"][1]["messageId"], event["Records"][2]["messageId"]]
    fulfilled = [line for line in json_lines(result.logs) if line.get("message") == "order fulfilled"]
    assert [line["order_id"] for line in fulfilled] == ["o-1"]
    assert fulfilled[0]["correlation_id"] == "corr-w"


def test_a_slow_batch_reports_its_unprocessed_records_before_lambda_kills_it(aws: dict[str, str]) -> None:
    good = {"customer_id": "c", "sku": "S", "quantity": 1, "total": "5"}
    event = sqs_event([{**good, "order_id": f"o-{n}"} for n in range(10)])
    with RuntimeEmulator(
        handler="orders.worker.fulfil_order",
        task_root=APP,
        timeout_ms=2500,
        env={**aws, "WAREHOUSE_LATENCY_MS": "400"},
    ) as runtime:
        result = runtime.invoke(event)
    assert not result.timed_out, "the function answered before the kill"
    failed = [failure["itemIdentifier"] for failure in result.response["batchItemFailures"]]
    ids = [record["messageId"] for record in event["Records"]]
    assert 0 < len(failed) < len(ids)
    assert failed == ids[len(ids) - len(failed) :]  # the unprocessed tail, in order


def test_the_api_served_locally_creates_then_replays_over_real_http(aws: dict[str, str]) -> None:
    import httpx

    from tests.cli._serving import serving

    order = {"customer_id": "c-1", "sku": "BOOK-1", "quantity": 3, "unit_price": "2.5"}
    headers = {"Idempotency-Key": "serve-1", "X-Correlation-Id": "corr-serve"}
    with serving(APP, "orders.api:create_order", "--timeout-ms", "10000", env=aws) as server:
        first = httpx.post(f"{server.url}/orders", json=order, headers=headers, timeout=30)
        again = httpx.post(f"{server.url}/orders", json=order, headers=headers, timeout=30)
        invalid = httpx.post(f"{server.url}/orders", json={}, headers={"Idempotency-Key": "serve-2"}, timeout=30)
    assert first.status_code == 201
    assert first.json()["total"] == "7.5"
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert invalid.status_code == 422
    created = [json.loads(line) for line in server.stderr.splitlines() if '"order created"' in line]
    assert [line["correlation_id"] for line in created] == ["corr-serve"]  # one order, logged once
    assert "sk_demo_never_printed" not in server.stderr

"""End to end under the real Lambda runtime client (awslambdaric), served by RuntimeEmulator.

The emulator kills the function process at its deadline, as Lambda does; these tests show
the guard answering (or reporting, or cleaning up) before that happens.
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.testing.runtime_api import RuntimeEmulator

pytestmark = pytest.mark.integration

APP = """
import json
import os
import time

from lambda_toolkit.batch import batch
from lambda_toolkit.idempotency import DynamoDBStore, idempotent
from lambda_toolkit.timeout import timeout_guard


def busy(event, context):
    time.sleep(event.get("sleep", 0))


@timeout_guard(margin_ms=400, on_timeout=lambda info: {"statusCode": 503, "body": "try again"})
def api(event, context):
    busy(event, context)
    return {"statusCode": 200}


@timeout_guard(margin_ms=400)
def bare(event, context):
    busy(event, context)
    return {"statusCode": 200}


def unguarded(event, context):
    busy(event, context)
    return {"statusCode": 200}


@timeout_guard(margin_ms=400)
@batch("sqs", deadline_margin_ms=100)
def worker(record):
    time.sleep(json.loads(record.body).get("sleep", 0))


store = DynamoDBStore("idempotency", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT"), region="us-east-1")


@timeout_guard(margin_ms=1000)
@idempotent(store=store, key="order_id")
def pay(event, context):
    busy(event, context)
    return {"paid": event["order_id"]}
"""


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    return tmp_path


def sqs_event(sleeps: list[float]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"rh-{index}",
                "body": json.dumps({"sleep": sleep}),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1700000000001",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
                "awsRegion": "us-east-1",
            }
            for index, sleep in enumerate(sleeps)
        ]
    }


def test_a_long_handler_answers_with_on_timeout_before_the_kill(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.api", task_root=task_root, timeout_ms=1500) as rt:
        slow = rt.invoke({"sleep": 30})
        quick = rt.invoke({"sleep": 0})
    assert not slow.timed_out
    assert slow.response == {"statusCode": 503, "body": "try again"}
    assert any("timeout imminent: handler ran" in line for line in slow.stdout)
    assert quick.response == {"statusCode": 200}
    assert not quick.cold_start  # the process survived: no new cold start for the next request


def test_without_the_guard_the_same_handler_is_killed(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.unguarded", task_root=task_root, timeout_ms=1500) as rt:
        slow = rt.invoke({"sleep": 30})
    assert slow.timed_out and slow.error is not None and slow.error["errorType"] == "Sandbox.Timedout"


def test_without_on_timeout_the_runtime_reports_invocation_timeout(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.bare", task_root=task_root, timeout_ms=1500) as rt:
        slow = rt.invoke({"sleep": 30})
        again = rt.invoke({"sleep": 0})
    assert not slow.timed_out
    assert slow.error is not None and slow.error["errorType"] == "InvocationTimeout"
    assert "interrupted before its deadline" in slow.error["errorMessage"]
    assert again.ok and not again.cold_start


def test_a_batch_whose_records_run_long_reports_the_unprocessed_records_before_the_kill(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.worker", task_root=task_root, timeout_ms=2000) as rt:
        result = rt.invoke(sqs_event([0, 0, 30, 0, 0]))
    assert not result.timed_out
    assert result.response == {"batchItemFailures": [{"itemIdentifier": f"m-{i}"} for i in (2, 3, 4)]}


# -- idempotency against DynamoDB (moto server), observable from the test ------------------------


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[tuple[str, Any]]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    give_up = time.monotonic() + 30
    while True:  # readiness: the server answers
        try:
            client.list_tables()
            break
        except Exception:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)
    client.create_table(
        TableName="idempotency",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield endpoint, client
    server.stop()


def test_an_idempotent_handler_that_runs_long_leaves_no_inprogress_record(
    task_root: Path, dynamodb: tuple[str, Any]
) -> None:
    endpoint, client = dynamodb
    env = {"DYNAMODB_ENDPOINT": endpoint}
    with RuntimeEmulator(handler="app.pay", task_root=task_root, timeout_ms=4000, env=env) as rt:
        slow = rt.invoke({"order_id": "o-42", "sleep": 30})
        items_after_timeout = client.scan(TableName="idempotency")["Items"]
        retry = rt.invoke({"order_id": "o-42", "sleep": 0})
    assert not slow.timed_out
    assert slow.error is not None and slow.error["errorType"] == "InvocationTimeout"
    assert items_after_timeout == []  # the lock was released: the retry need not wait for it to expire
    assert retry.response == {"paid": "o-42"}
    (item,) = client.scan(TableName="idempotency")["Items"]
    assert item["status"]["S"] == "COMPLETED"

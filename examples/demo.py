"""`make demo`: the example application end to end, on this machine, with no AWS account.

AWS is served locally by moto's server mode (started and stopped here, on 127.0.0.1 and a
free port). Both handlers run through `lambda-toolkit invoke`, each in a fresh process as
Lambda would run them. The demo shows an order created, the same request replayed (the
stored response, not a second order), a batch with one poison message reported as a
partial failure, and the JSON log lines of both functions sharing one correlation id.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APP = HERE / "orders"
CORRELATION_ID = "demo-7f3a9c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_aws() -> tuple[Any, str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the demo
    for _ in range(5):  # a port taken between the probe and the bind: pick another
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        try:
            server.start()
        except OSError:
            continue
        return server, f"http://127.0.0.1:{port}"
    raise SystemExit("could not start the local AWS server on 127.0.0.1")


def aws_environment(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_SESSION_TOKEN": "demo",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "LAMBDA_TOOLKIT_METRICS_NAMESPACE": "Orders",
    }


def provision(env: dict[str, str]) -> dict[str, str]:
    """The resources of template.yaml, created in the local AWS."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    endpoint = env["AWS_ENDPOINT_URL"]
    session.client("dynamodb", endpoint_url=endpoint).create_table(
        TableName="orders-idempotency",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue_url = session.client("sqs", endpoint_url=endpoint).create_queue(QueueName="orders")["QueueUrl"]
    session.client("secretsmanager", endpoint_url=endpoint).create_secret(
        Name="orders/payment", SecretString=json.dumps({"api_key": "sk_demo_never_printed"})
    )
    return {
        "IDEMPOTENCY_TABLE": "orders-idempotency",
        "ORDERS_QUEUE_URL": queue_url,
        "PAYMENT_SECRET_NAME": "orders/payment",
    }


def invoke(
    handler: str, event: dict[str, Any], env: dict[str, str], function_name: str
) -> tuple[Any, list[dict[str, Any]]]:
    """Run a handler with `lambda-toolkit invoke`; return its response and its JSON log lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(event, file)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "lambda_toolkit", "invoke", handler, "--event", file.name,
             "--function-name", function_name, "--timeout-ms", "10000"],
            cwd=APP, env={**os.environ, **env}, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        os.unlink(file.name)
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        raise SystemExit(f"{handler} failed: {result.stdout.strip()}")
    return json.loads(result.stdout), lines


def receive_all(env: dict[str, str]) -> list[dict[str, Any]]:
    import boto3

    sqs = boto3.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"])
    response = sqs.receive_message(
        QueueUrl=env["ORDERS_QUEUE_URL"], MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


def show(title: str) -> None:
    print(f"\n== {title} ==")


def show_logs(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        if "_aws" in line:
            metrics = [m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
            request = f" (correlation_id {line['correlation_id']})" if "correlation_id" in line else ""
            print(f"  [EMF metrics] {', '.join(f'{name}={line[name]}' for name in metrics)}{request}")
            continue
        keys = {k: line[k] for k in ("level", "message", "function_name", "correlation_id", "order_id") if k in line}
        print("  " + json.dumps(keys))


def main() -> None:
    from lambda_toolkit.testing.events import api_gateway_http_event, sqs_event

    sys.path.insert(0, str(APP))
    server, endpoint = start_aws()
    try:
        env = aws_environment(endpoint)
        os.environ.update(env)  # this process talks to the local AWS too
        env.update(provision(env))
        print(f"local AWS (moto server) at {endpoint}")

        request = api_gateway_http_event(
            "POST",
            "/orders",
            headers={
                "idempotency-key": "checkout-42",
                "x-correlation-id": CORRELATION_ID,
                "content-type": "application/json",
            },
            body={"customer_id": "c-1", "sku": "BOOK-1", "quantity": 2, "unit_price": "12.50"},
        )
        show("1. POST /orders creates an order")
        created, api_logs = invoke("orders.api:create_order", request, env, "create-order")
        print(json.dumps(created, indent=2))
        show_logs(api_logs)

        show("2. the same request again (same Idempotency-Key): the stored response, no second order")
        replayed, _ = invoke("orders.api:create_order", request, env, "create-order")
        print(json.dumps(replayed, indent=2))
        same = json.loads(replayed["body"])["order_id"] == json.loads(created["body"])["order_id"]
        print(f"  same order id: {same}; replay header: {replayed['headers'].get('Idempotency-Replayed')}")

        show("3. the worker gets the queued order plus a poison message")
        messages = receive_all(env)
        print(f"  {len(messages)} order message(s) on the queue (one order, not two)")
        event = sqs_event([message["Body"] for message in messages] + ['{"order_id": "broken", "quantity": -1}'])
        # What Lambda's event source mapping does: each received message, with its message
        # attributes (the API added none by hand: propagate_correlation_id did), is a record.
        for record, message in zip(event["Records"], messages, strict=False):
            record["messageId"] = message["MessageId"]
            record["messageAttributes"] = {
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            }
        outcome, worker_logs = invoke("orders.worker:fulfil_order", event, env, "fulfil-order")
        print(json.dumps(outcome, indent=2))
        poison = event["Records"][-1]["messageId"]
        print(f"  reported failures: {[f['itemIdentifier'] for f in outcome['batchItemFailures']]} (poison: {poison})")
        show_logs(worker_logs)

        show("4. one correlation id across both functions")
        # The poison message was sent by no request: its lines carry its own id (its message id).
        lines = [line for line in api_logs + worker_logs if line.get("correlation_id") not in (None, poison)]
        ids = {line["correlation_id"] for line in lines}
        print(f"  correlation ids in the log lines of both functions: {sorted(ids)}")
        print("  (the API sent the order with no attribute written by hand: propagate_correlation_id() added it)")
        print("\nQuery them together in CloudWatch Logs Insights:")
        print(f'  fields @timestamp, function_name, message | filter correlation_id = "{CORRELATION_ID}"')
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""Real DynamoDB-compatible servers on 127.0.0.1: dynalite (node) and moto's server mode.

Each is started on a free port, waited for until it answers, and stopped at the end
(dynalite by its PID).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.idempotency.integration.proxy import LossyProxy

ROOT = Path(__file__).resolve().parents[3]
DYNALITE = ROOT / "node_modules" / "dynalite" / "cli.js"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def make_client(endpoint: str, *, pool: int = 10, validate: bool = True) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(
            max_pool_connections=pool, retries={"mode": "standard", "max_attempts": 3}, parameter_validation=validate
        ),
    )


def wait_ready(endpoint: str, *, timeout: float = 30.0) -> None:
    """Poll ListTables until the server answers (or fail the test run)."""
    client = make_client(endpoint)
    give_up = time.monotonic() + timeout
    while True:
        try:
            client.list_tables()
            return
        except Exception:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)


def new_table(client: Any, *, sort_key: str | None = None) -> str:
    """Create an on-demand table with a fresh name and wait until it is ACTIVE."""
    name = f"idempotency-{uuid.uuid4().hex[:12]}"
    schema = [{"AttributeName": "id", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "id", "AttributeType": "S"}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sort_key, "AttributeType": "S"})
    client.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )
    give_up = time.monotonic() + 30
    while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < give_up, f"table {name} never became ACTIVE"
        time.sleep(0.05)
    return name


@pytest.fixture(scope="session")
def dynalite() -> Iterator[str]:
    """The endpoint of a dynalite server (in memory) run by node, stopped by its PID."""
    assert DYNALITE.exists(), "run `npm ci` at the repository root (the Makefile does) to install dynalite"
    port = free_port()
    process = subprocess.Popen(
        ["node", str(DYNALITE), "--host", HOST, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, "NODE_ENV": "test"},
    )
    endpoint = f"http://{HOST}:{port}"
    try:
        wait_ready(endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - only when node hangs
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint of moto's server mode in a thread of this process."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    endpoint = f"http://{HOST}:{port}"
    try:
        wait_ready(endpoint)
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(params=["dynalite", "moto"])
def server(request: pytest.FixtureRequest) -> str:
    """Each DynamoDB-compatible server in turn."""
    return str(request.getfixturevalue("dynalite" if request.param == "dynalite" else "moto_server"))


@pytest.fixture
def lossy_proxy(server: str) -> Iterator[LossyProxy]:
    """A proxy on 127.0.0.1 in front of each server in turn that can lose responses."""
    proxy = LossyProxy(server)
    proxy.start()
    try:
        wait_ready(proxy.endpoint)
        yield proxy
    finally:
        proxy.stop()

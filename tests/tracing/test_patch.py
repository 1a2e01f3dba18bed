"""Patching: AWS SDK and HTTP calls become subsegments (real botocore, moto server, UDP daemon).

aws-xray-sdk patches libraries for the whole process and cannot unpatch them, so each
scenario runs in a child interpreter started like the Lambda runtime starts a function:
with the runtime's environment, the module imported once (init), then invocations.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tracing.conftest import XRayDaemon, new_trace_ids

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    server.stop()


FUNCTION = """
    import json, os, sys

    import boto3
    import requests

    from lambda_toolkit.testing import FakeContext
    from lambda_toolkit.tracing import patch, trace

    # init phase: a client made before any invocation, then patching
    s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
    modules = [m for m in sys.argv[1].split(",") if m]
    patch(*modules, eager=sys.argv[2] == "eager")
    sdk_at_init = "aws_xray_sdk" in sys.modules

    @trace
    def handler(event, context):
        s3.create_bucket(Bucket=event["bucket"])
        requests.get(os.environ["MOTO_URL"] + "/moto-api/", timeout=10)
        return {"ok": True}

    os.environ["_X_AMZN_TRACE_ID"] = sys.argv[3]  # what the runtime does for each invocation
    result = handler({"bucket": "orders"}, FakeContext())
    print(json.dumps({"result": result, "sdk_at_init": sdk_at_init}))
"""


def run_function(daemon: XRayDaemon, moto_url: str, modules: str, mode: str) -> tuple[dict[str, Any], Any, Any]:
    ids = new_trace_ids()
    daemon.drain()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "orders-fn",
        "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "MOTO_URL": moto_url,
    }
    for name in ("COVERAGE_PROCESS_START", "COV_CORE_SOURCE", "COV_CORE_CONFIG", "COV_CORE_DATAFILE"):
        if name in os.environ:
            env[name] = os.environ[name]
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FUNCTION), modules, mode, ids.header],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout.strip().splitlines()[-1])
    return child, ids, daemon


def collect(daemon: XRayDaemon, count: int) -> dict[str, dict[str, Any]]:
    documents = daemon.wait_for(count)
    found: dict[str, dict[str, Any]] = {}
    pending = list(documents)
    while pending:
        document = pending.pop()
        found[document["name"]] = document
        pending.extend(document.get("subsegments", ()))
    return found


def test_patching_boto3_waits_for_the_first_traced_invocation_then_traces_aws_calls(
    xray_daemon: XRayDaemon, moto_url: str
) -> None:
    child, ids, _ = run_function(xray_daemon, moto_url, "boto3", "lazy")
    assert child == {"result": {"ok": True}, "sdk_at_init": False}
    documents = collect(xray_daemon, 2)
    handler, s3 = documents["## handler"], documents["s3"]
    assert handler["trace_id"] == s3["trace_id"] == ids.root
    assert handler["parent_id"] == ids.parent
    assert s3["parent_id"] == handler["id"]
    assert s3["namespace"] == "aws"
    assert s3["aws"]["operation"] == "CreateBucket"
    assert s3["http"]["response"]["status"] == 200
    assert "127.0.0.1" not in documents  # requests was not patched


def test_patching_everything_also_traces_http_calls(xray_daemon: XRayDaemon, moto_url: str) -> None:
    child, _, _ = run_function(xray_daemon, moto_url, "", "lazy")
    assert child["result"] == {"ok": True}
    documents = collect(xray_daemon, 3)
    handler, http = documents["## handler"], documents["127.0.0.1"]
    assert http["parent_id"] == handler["id"]
    assert http["namespace"] == "remote"
    assert http["http"]["request"]["method"].upper() == "GET"
    assert http["http"]["response"]["status"] == 200
    assert documents["s3"]["parent_id"] == handler["id"]


def test_eager_patching_happens_at_init(xray_daemon: XRayDaemon, moto_url: str) -> None:
    child, _, _ = run_function(xray_daemon, moto_url, "boto3,requests", "eager")
    assert child["sdk_at_init"] is True
    documents = collect(xray_daemon, 3)
    assert {"## handler", "s3", "127.0.0.1"} <= set(documents)

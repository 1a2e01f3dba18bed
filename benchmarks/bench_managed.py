"""Memory per process, for Lambda Managed Instances: an environment runs up to 16 worker
processes per vCPU, each with its own copy of the handler module, so the environment's
memory is the per-process figure times the processes.

Each figure is the resident set size (``VmRSS``) of a fresh interpreter, as on Lambda: the
modules the runtime client has imported are loaded first (``RUNTIME_PRELOADED`` and the
runtime's own ``LambdaContext``), then the example API handler module is imported
(lambda-toolkit's ``examples/orders``, Powertools' ``benchmarks/apps/powertools_orders``,
the same work with no library ``benchmarks/apps/plain_orders``), then the first
invocation runs against a moto server. Medians of ``RUNS`` interpreters, in MB.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _harness import RUNTIME_PRELOADED, Scenario
from bench_shipping import _LAMBDA_ENV, _local_aws

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7

APPS = {
    "ours": (ROOT / "examples" / "orders", "orders.api"),
    "theirs": (ROOT / "benchmarks" / "apps" / "powertools_orders", "orders_pt.api"),
    "plain": (ROOT / "benchmarks" / "apps" / "plain_orders", "orders_plain.api"),
}

_PROBE = """
import importlib, json, sys, time
for name in sys.argv[2].split():
    importlib.import_module(name)
from awslambdaric.lambda_context import LambdaContext

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")

baseline = rss_mb()
handler = importlib.import_module(sys.argv[3]).create_order
imported = rss_mb()
event = json.loads(sys.argv[1])
arn = "arn:aws:lambda:us-east-1:123456789012:function:create-order"
context = LambdaContext("bench-request", None, None, int(time.time() * 1000) + 30_000, arn)
response = handler(event, context)
assert response["statusCode"] == 201, response
print(json.dumps([baseline, imported, rss_mb()]))
"""

_cache: dict[str, list[float]] = {}


def _figures(app: str) -> list[float]:
    """Medians of [runtime baseline, after the import, after the first invocation] in MB."""
    if app in _cache:
        return _cache[app]
    from lambda_toolkit.testing.events import api_gateway_http_event

    folder, module = APPS[app]
    env = _local_aws()
    samples = []
    for run in range(RUNS):
        event = api_gateway_http_event(
            "POST", "/orders", headers={"idempotency-key": f"rss-{app}-{run}-{os.getpid()}", "x-correlation-id": "c"},
            body={"customer_id": "c", "sku": "s", "quantity": 1, "unit_price": "2"},
        )  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, json.dumps(event), " ".join(RUNTIME_PRELOADED), module],
            cwd=folder, env={**os.environ, **env, **_LAMBDA_ENV, "POWERTOOLS_TRACE_DISABLED": "true",
                             "PYTHONPATH": str(folder)},
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        samples.append(json.loads(out.strip().splitlines()[-1]))
    _cache[app] = [statistics.median(sample[i] for sample in samples) for i in range(3)]
    return _cache[app]


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "managed instances: RSS after importing the example API handler",
            "MB",
            lambda: _figures("ours")[1],
            lambda: _figures("theirs")[1],
            goal="<= 0.6x",
            extra={
                "  the runtime alone (before the import), either library": lambda: _figures("ours")[0],
                "  the import's own growth, lambda-toolkit": lambda: _figures("ours")[1] - _figures("ours")[0],
                "  the import's own growth, Powertools": lambda: _figures("theirs")[1] - _figures("theirs")[0],
                "  the same on plain boto3 + pydantic, no library (the floor)": lambda: _figures("plain")[1],
            },
        ),
        Scenario(
            "managed instances: RSS after the first invocation (moto)",
            "MB",
            lambda: _figures("ours")[2],
            lambda: _figures("theirs")[2],
            goal="reported",
            extra={"  the same on plain boto3 + pydantic, no library (the floor)": lambda: _figures("plain")[2]},
        ),
    ]

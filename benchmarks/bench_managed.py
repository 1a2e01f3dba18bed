"""Memory per process, for Lambda Managed Instances: an environment runs up to 16 worker
processes per vCPU, each with its own copy of the handler module, so the environment's
memory is the per-process figure times the processes.

Each figure is the resident set size (``VmRSS``) of a fresh interpreter, as on Lambda: the
modules the runtime client has imported are loaded first (``RUNTIME_PRELOADED`` and the
runtime's own ``LambdaContext``), then the example API handler module is imported
(lambda-toolkit's ``examples/orders``, Powertools' ``benchmarks/apps/powertools_orders``,
the same work with no library ``benchmarks/apps/plain_orders``), then the first
invocation runs against a moto server. Medians of ``RUNS`` interpreters, in MB.

The environment's total is measured too, as the runtime client makes it: one parent with
the runtime's modules forks ``WORKERS`` processes, each imports the handler module, and
the proportional set sizes (``Pss``: a page shared by k processes counts 1/k in each) of
the parent and all its workers, taken while all are alive, are added up.
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
WORKERS = 16

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

_POOL_PROBE = """
import importlib, os, sys
for name in sys.argv[2].split():
    importlib.import_module(name)
from awslambdaric.lambda_context import LambdaContext

def pss_mb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no Pss")

workers = []
for _ in range(int(sys.argv[3])):
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        importlib.import_module(sys.argv[1])
        os.write(ready_w, b"1")
        os.read(go_r, 1)  # alive until every worker is measured
        os._exit(0)
    workers.append((pid, ready_r, go_w))
for pid, ready_r, _ in workers:
    assert os.read(ready_r, 1) == b"1"
total = pss_mb(os.getpid()) + sum(pss_mb(pid) for pid, _, _ in workers)
for pid, _, go_w in workers:
    os.write(go_w, b"1")
    os.waitpid(pid, 0)
print(total)
"""

_cache: dict[str, list[float]] = {}
_totals: dict[str, float] = {}


def _environment_total(app: str) -> float:
    """MB of the runtime parent and ``WORKERS`` forked workers that imported the handler (median of 3)."""
    if app in _totals:
        return _totals[app]
    folder, module = APPS[app]
    env = {**os.environ, **_LAMBDA_ENV, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "POWERTOOLS_TRACE_DISABLED": "true", "PYTHONPATH": str(folder)}  # fmt: skip
    samples = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _POOL_PROBE, module, " ".join(RUNTIME_PRELOADED), str(WORKERS)],
            cwd=folder, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        samples.append(float(out.strip().splitlines()[-1]))
    _totals[app] = statistics.median(samples)
    return _totals[app]


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
            f"managed instances: {WORKERS} forked workers after the import, total PSS",
            "MB",
            lambda: _environment_total("ours"),
            lambda: _environment_total("theirs"),
            goal="reported",
            extra={"  the same on plain boto3 + pydantic, no library (the floor)": lambda: _environment_total("plain")},
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

"""Tracing scenarios: lambda_toolkit.tracing's @trace beside Powertools' Tracer.

Each figure is measured in a fresh interpreter: both libraries keep process-wide state
(aws-xray-sdk's recorder and its global "enabled" switch, which Powertools turns off when
its tracer is disabled), so one run must not leak into the other.

- cold import of a module that decorates a handler, with tracing disabled;
- overhead per invocation of a traced handler with tracing disabled (in a Lambda
  environment with a sampled trace header, switched off by each library's variable);
- the same with tracing enabled: aws-xray-sdk's real UDP emitter sends every subsegment
  to a socket on 127.0.0.1 opened by the child for the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from _harness import Scenario, cold_import

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

OURS_MODULE = """
import os
os.environ["LAMBDA_TOOLKIT_TRACE_DISABLED"] = "true"
from lambda_toolkit.tracing import trace

@trace
def handler(event, context):
    return event
"""

THEIRS_MODULE = """
import os
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
from aws_lambda_powertools import Tracer

tracer = Tracer(service="orders")

@tracer.capture_lambda_handler
def handler(event, context):
    return event
"""

# Run in a child: prints the overhead per invocation (µs) of `traced` over `bare`.
CHILD = """
import json, os, socket, statistics, sys, timeit

enabled = sys.argv[2] == "enabled"
daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
daemon.bind(("127.0.0.1", 0))
os.environ.update({
    "LAMBDA_TASK_ROOT": os.getcwd(),
    "AWS_LAMBDA_FUNCTION_NAME": "orders",
    "_X_AMZN_TRACE_ID": sys.argv[3],
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:%d" % daemon.getsockname()[1],
})
if not enabled:
    os.environ["LAMBDA_TOOLKIT_TRACE_DISABLED"] = "true"
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"

from lambda_toolkit.testing import FakeContext

EVENT = {"order_id": "o-1", "items": [{"sku": "s-1", "quantity": 2}]}
CONTEXT = FakeContext(timeout_ms=900_000)

def bare(event, context):
    return {"statusCode": 200}

if sys.argv[1] == "ours":
    from lambda_toolkit.tracing import trace
    traced = trace(bare)
else:
    from aws_lambda_powertools import Tracer
    traced = Tracer(service="orders", auto_patch=False).capture_lambda_handler(bare)

def per_call(fn):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat=7, number=number)) / number

traced(EVENT, CONTEXT)  # first call: backend start-up, not an invocation's cost
overhead = per_call(lambda: traced(EVENT, CONTEXT)) - per_call(lambda: bare(EVENT, CONTEXT))
print(json.dumps(overhead * 1e6))
"""


def _overhead_us(side: str, mode: str) -> float:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("POWERTOOLS_", "LAMBDA_TOOLKIT_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD), side, mode, HEADER],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "tracing: cold import of a module with a traced handler (disabled)",
            "ms",
            lambda: cold_import(OURS_MODULE) * 1e3,
            lambda: cold_import(THEIRS_MODULE) * 1e3,
            goal="<= 0.5x",
        ),
        Scenario(
            "tracing: overhead per invocation, tracing disabled",
            "µs",
            lambda: _overhead_us("ours", "disabled"),
            lambda: _overhead_us("theirs", "disabled"),
            goal="<= 0.5x",
        ),
        Scenario(
            "tracing: overhead per invocation, tracing enabled (X-Ray, UDP)",
            "µs",
            lambda: _overhead_us("ours", "enabled"),
            lambda: _overhead_us("theirs", "enabled"),
            goal="reported",
        ),
    ]

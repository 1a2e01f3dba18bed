"""Lambda Managed Instances: many worker processes of one function in one environment.

The example application's handlers (examples/orders) run in a process pool, several
processes at once, against a local AWS (moto's server mode on 127.0.0.1), with workers
forked (as the Lambda runtime client forks them, here after the parent already served an
invocation) or spawned. Each process has its own cold start: the log lines and the
ColdStart metric of its first invocation say so, those of later ones do not. Each
invocation's lines carry its own request id, correlation id and order: nothing crosses
between processes (a forked worker does not use the parent's AWS connections either).

The same holds under AWS's runtime client itself in its Managed Instances mode
(``AWS_LAMBDA_MAX_CONCURRENCY``: it forks that many workers, each importing the handler),
driven by the testing kit's ``RuntimeEmulator``.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import multiprocessing
import os
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "examples" / "orders"
PROCESSES = 4
TASKS = 8  # two per process on average: every process serves a first and a later invocation
# What Lambda sets there. Environments start before traffic reaches them, yet each worker
# process's first invocation is its cold start (it pays what the library loads on first use),
# unlike provisioned concurrency, whose first invocations are not.
MANAGED_INSTANCES = "lambda-managed-instances"


def _demo() -> Any:
    """examples/demo.py: how the example application is driven locally (moto server, resources)."""
    spec = importlib.util.spec_from_file_location("orders_demo", ROOT / "examples" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reset_moto(endpoint: str) -> None:
    # moto keeps its resources per process, whichever server serves them: the tables and
    # queues another test module made (or this one makes) must not meet.
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30):
        pass


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    demo = _demo()
    server, endpoint = demo.start_aws()  # 127.0.0.1, a free port, started and ready
    try:
        _reset_moto(endpoint)
        env = demo.aws_environment(endpoint)
        env.update(demo.provision(env))
        yield env
        _reset_moto(endpoint)
    finally:
        server.stop()


# -- what runs in each worker process ---------------------------------------------------

_served = 0  # invocations this process has served
_start_together: Any = None  # a pool worker's first task waits for every worker to have one


def _prepare(env: dict[str, str], barrier: Any) -> None:
    global _start_together
    _start_together = barrier
    os.environ.update(env)
    if str(APP) not in sys.path:
        sys.path.insert(0, str(APP))


def _invoke(handler: Any, event: Any, context: Any) -> tuple[Any, list[dict[str, Any]]]:
    """Call ``handler``; return its answer and the JSON lines it wrote on stdout."""
    captured, stdout = io.StringIO(), sys.stdout
    sys.stdout = captured  # the logger and the metrics write to the stdout of the moment
    try:
        answer = handler(event, context)
    finally:
        sys.stdout = stdout
    return answer, [json.loads(line) for line in captured.getvalue().splitlines() if line.startswith("{")]


def _serve(task: int) -> dict[str, Any]:
    """One order through the API handler, then through the worker handler."""
    global _served, _start_together
    if _start_together is not None:  # so that every worker of the pool serves
        barrier, _start_together = _start_together, None
        barrier.wait(120)
    from lambda_toolkit.testing import FakeContext
    from lambda_toolkit.testing.events import api_gateway_http_event, sqs_event

    # examples/orders is on sys.path in the workers (not a package of the test suite)
    create_order = importlib.import_module("orders.api").create_order
    fulfil_order = importlib.import_module("orders.worker").fulfil_order

    correlation_id = f"corr-{task}-{uuid.uuid4().hex[:8]}"
    request = api_gateway_http_event(
        "POST",
        "/orders",
        headers={"idempotency-key": f"key-{task}-{uuid.uuid4().hex}", "x-correlation-id": correlation_id},
        body={"customer_id": f"c-{task}", "sku": "BOOK-1", "quantity": 1, "unit_price": "3.00"},
    )
    api_context = FakeContext(function_name="create-order", timeout_ms=30_000)
    response, api_lines = _invoke(create_order, request, api_context)
    order = json.loads(response["body"])
    message = {"order_id": order["order_id"], "customer_id": f"c-{task}", "sku": "BOOK-1", "quantity": 1, "total": "3"}
    batch = sqs_event([json.dumps(message)])
    # as the API's message arrives (propagate_correlation_id puts the id in this attribute)
    batch["Records"][0]["messageAttributes"] = {"correlation_id": {"stringValue": correlation_id, "dataType": "String"}}
    worker_context = FakeContext(function_name="fulfil-order", timeout_ms=30_000)
    outcome, worker_lines = _invoke(fulfil_order, batch, worker_context)
    sequence = _served
    _served += 2
    return {
        "pid": os.getpid(),
        "sequence": sequence,
        "task": task,
        "correlation_id": correlation_id,
        "status": response["statusCode"],
        "order_id": order["order_id"],
        "api": {"request_id": api_context.aws_request_id, "lines": api_lines},
        "worker": {"request_id": worker_context.aws_request_id, "lines": worker_lines, "outcome": outcome},
    }


# -- the checks -------------------------------------------------------------------------


def _log_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" not in line]


def _cold_start_metrics(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" in line and "ColdStart" in line]


def fulfilled_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("message") == "order fulfilled"]


def _check(results: list[dict[str, Any]], parent_pid: int) -> None:
    assert sorted(result["task"] for result in results) == list(range(TASKS))
    by_process: dict[int, list[dict[str, Any]]] = {}
    for result in results:
        by_process.setdefault(result["pid"], []).append(result)
    assert parent_pid not in by_process
    assert len(by_process) == PROCESSES  # every worker of the pool served

    for served in by_process.values():
        served.sort(key=lambda result: result["sequence"])
        for position, result in enumerate(served):
            first = position == 0
            api, worker = result["api"], result["worker"]
            assert result["status"] == 201
            api_logs, worker_logs = _log_lines(api["lines"]), _log_lines(worker["lines"])
            assert api_logs and worker_logs
            # the process's first invocation is its cold start; every later one is warm
            assert [line["cold_start"] for line in api_logs] == [first] * len(api_logs)
            assert [line["cold_start"] for line in worker_logs] == [False] * len(worker_logs)
            assert len(_cold_start_metrics(api["lines"])) == (1 if first else 0)
            assert _cold_start_metrics(worker["lines"]) == []  # the worker's metrics have no ColdStart capture
            # no cross-talk: each line carries its own invocation's ids and order
            assert {line["function_request_id"] for line in api_logs} == {api["request_id"]}
            assert {line["correlation_id"] for line in api_logs} == {result["correlation_id"]}
            assert {line["function_request_id"] for line in worker_logs} == {worker["request_id"]}
            assert {line["correlation_id"] for line in fulfilled_lines(worker_logs)} == {result["correlation_id"]}
            created = [line for line in api_logs if line["message"] == "order created"]
            fulfilled = [line for line in worker_logs if line["message"] == "order fulfilled"]
            assert [line["order_id"] for line in created] == [result["order_id"]]
            assert [line["order_id"] for line in fulfilled] == [result["order_id"]]
            assert worker["outcome"] == {"batchItemFailures": []}

    orders = [result["order_id"] for result in results]
    assert len(set(orders)) == len(orders)  # one order per idempotency key, none handed to another caller


@pytest.mark.integration
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_pool_workers_each_have_their_own_cold_start_and_no_cross_talk(
    start_method: str, aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in aws.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", MANAGED_INSTANCES)
    monkeypatch.syspath_prepend(str(APP))
    if start_method == "fork":
        # The parent serves an invocation first: its cold start is taken, its AWS clients
        # hold open connections. Forked workers must still start cold, with their own clients.
        parent = _serve(-1)
        assert _log_lines(parent["api"]["lines"])[0]["cold_start"] is True

    context = multiprocessing.get_context(start_method)
    barrier = context.Barrier(PROCESSES)
    try:
        with context.Pool(PROCESSES, initializer=_prepare, initargs=(aws, barrier)) as pool:
            results = pool.map(_serve, range(TASKS), chunksize=1)
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == "orders"]:
            del sys.modules[name]  # the example's modules imported here: not left to other tests

    _check(results, os.getpid())


WRAPPER = """
import os

from orders.api import create_order


def handler(event, context):
    response = create_order(event, context)
    response["headers"]["x-worker-pid"] = str(os.getpid())  # which worker served it
    return response
"""


@pytest.mark.integration
def test_under_the_runtime_clients_managed_instances_mode_each_worker_starts_cold(
    aws: dict[str, str], tmp_path: Path
) -> None:
    from lambda_toolkit.testing.events import api_gateway_http_event
    from lambda_toolkit.testing.runtime_api import RuntimeEmulator

    (tmp_path / "lmi_handler.py").write_text(WRAPPER)
    env = {
        **aws,
        "AWS_LAMBDA_MAX_CONCURRENCY": str(PROCESSES),
        "AWS_LAMBDA_INITIALIZATION_TYPE": MANAGED_INSTANCES,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(APP), str(ROOT)]),
    }
    served: dict[str, list[tuple[list[bool], int]]] = {}
    with RuntimeEmulator(handler="lmi_handler.handler", task_root=tmp_path, timeout_ms=30_000, env=env) as runtime:
        for task in range(10 * PROCESSES):
            if task >= 2 * PROCESSES and len(served) > 1:
                break
            request = api_gateway_http_event(
                "POST",
                "/orders",
                headers={"idempotency-key": f"lmi-{task}-{uuid.uuid4().hex}", "x-correlation-id": f"lmi-{task}"},
                body={"customer_id": "c", "sku": "BOOK-1", "quantity": 1, "unit_price": "3.00"},
            )
            result = runtime.invoke(request)
            assert result.ok, result.error
            lines = [json.loads(line) for line in result.stdout if line.startswith("{")]
            logs = [line for line in _log_lines(lines) if line.get("function_request_id") == result.request_id]
            assert logs and all(line["correlation_id"] == f"lmi-{task}" for line in logs)
            pid = result.response["headers"]["x-worker-pid"]
            served.setdefault(pid, []).append(([line["cold_start"] for line in logs], len(_cold_start_metrics(lines))))

    assert len(served) > 1  # several workers of one environment took turns
    for invocations in served.values():
        (first_flags, first_metrics), *later = invocations
        assert set(first_flags) == {True} and first_metrics == 1
        assert all(set(flags) == {False} and metrics == 0 for flags, metrics in later)

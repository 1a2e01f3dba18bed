"""Concurrency on dynalite (atomic conditional writes): >= 50 concurrent invocations per key,
100 rounds of fresh keys, in threads and in processes.

The body appends a line to a file per run (a side channel that works across processes);
each key must appear exactly once, and every caller must get the stored result or
IdempotencyInProgressError.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.idempotency import DynamoDBStore, IdempotencyInProgressError, idempotent
from lambda_toolkit.testing import FakeContext
from tests.idempotency.integration.conftest import make_client, new_table

pytestmark = pytest.mark.integration

CALLERS = 50
ROUNDS = 100
Outcome = tuple[str, str, Any]  # (key, "result" | "in_progress", result)


def build_handler(store: DynamoDBStore, runs_log: Path) -> Any:
    @idempotent(store=store, key="key", name="concurrency")
    def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
        with runs_log.open("a") as log:  # one small O_APPEND write: atomic across processes
            log.write(event["key"] + "\n")
        return {"key": event["key"], "runner": uuid.uuid4().hex}

    return handler


def invoke(handler: Any, key: str) -> Outcome:
    try:
        return key, "result", handler({"key": key}, FakeContext(timeout_ms=60_000))
    except IdempotencyInProgressError:
        return key, "in_progress", None


def check(outcomes: list[Outcome], keys: list[str], runs_log: Path, store: DynamoDBStore) -> None:
    runs = runs_log.read_text().split()
    assert sorted(runs) == sorted(keys), "the body must run exactly once per key"
    assert len(outcomes) == len(keys) * CALLERS
    # Callers really overlapped: some found the key in progress.
    assert any(kind == "in_progress" for _, kind, _ in outcomes)
    for key, kind, result in outcomes:
        assert kind in ("result", "in_progress")
        if kind == "result":  # the stored result, whoever ran the body
            stored = store.get(f"concurrency#{_digest(key)}")
            assert stored is not None and stored.status == "COMPLETED"
            assert json.loads(stored.result or "null") == result


def _digest(value: Any) -> str:
    from lambda_toolkit.idempotency._hashing import digest

    return digest(value)


def test_threads_run_the_body_once_per_key(dynalite: str, tmp_path: Path) -> None:
    client = make_client(dynalite, pool=CALLERS, validate=False)
    store = DynamoDBStore(new_table(client), client=client)
    runs_log = tmp_path / "runs.log"
    runs_log.touch()
    handler = build_handler(store, runs_log)
    keys = [f"t-{uuid.uuid4().hex}" for _ in range(ROUNDS)]
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        for key in keys:
            start = threading.Barrier(CALLERS)

            def call(key: str = key, start: threading.Barrier = start) -> Outcome:
                start.wait(timeout=30)
                return invoke(handler, key)

            outcomes += [future.result() for future in [pool.submit(call) for _ in range(CALLERS)]]
    check(outcomes, keys, runs_log, store)


def _process_worker(client: Any, table: str, runs_log: str, keys: list[str], start: Any, results: Any) -> None:
    # 50 busy workers would starve the single dynalite process of CPU on a small machine.
    os.nice(10)
    store = DynamoDBStore(table, client=client)
    handler = build_handler(store, Path(runs_log))
    outcomes = []
    for key in keys:
        start.wait(timeout=60)
        outcomes.append(invoke(handler, key))
    results.put(outcomes)


def test_processes_run_the_body_once_per_key(dynalite: str, tmp_path: Path) -> None:
    client = make_client(dynalite)
    table = new_table(client)
    runs_log = tmp_path / "runs.log"
    runs_log.touch()
    keys = [f"p-{uuid.uuid4().hex}" for _ in range(ROUNDS)]
    context = multiprocessing.get_context("fork")
    start = context.Barrier(CALLERS)
    results = context.Queue()
    # Made once here, unused, and copied into each forked worker (which opens its own
    # connections): creating 50 boto3 clients would cost more than the test itself.
    worker_client = make_client(dynalite, validate=False)
    workers = [
        context.Process(target=_process_worker, args=(worker_client, table, str(runs_log), keys, start, results))
        for _ in range(CALLERS)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Outcome] = []
    for _ in workers:
        outcomes += results.get(timeout=120)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    check(outcomes, keys, runs_log, DynamoDBStore(table, client=client))

"""A forked child (Lambda Managed Instances fork their workers) makes its own SQS client
for the backoff calls: the parent's holds the parent's open connections."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from lambda_toolkit.batch import BatchOutcome, _backoff, batch
from lambda_toolkit.events.queues import SQSRecord
from lambda_toolkit.testing import FakeContext

from . import _events

LONG = 300_000  # ms: no deadline in sight on a loaded machine


def _client_id(connection: Any) -> None:
    connection.send(id(_backoff._default_client("us-east-1")))
    connection.close()


def test_a_forked_child_does_not_reuse_the_parents_backoff_client() -> None:
    _backoff.reset_clients()
    parent = _backoff._default_client("us-east-1")
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_client_id, args=(sending,))
    child.start()
    sending.close()
    try:
        assert receiving.poll(30)
        assert receiving.recv() != id(parent)
    finally:
        child.join(30)
        _backoff.reset_clients()


def parent_of_worker(record: SQSRecord) -> int:
    return os.getppid()  # the process that started the worker running this record


def _batch_in_child(handler: Any, outcomes: list[BatchOutcome], connection: Any) -> None:
    outcomes.clear()
    try:
        response = handler(_events.sqs(4), FakeContext(timeout_ms=LONG))
        connection.send((os.getpid(), response, [success.result for success in outcomes[0].successes]))
    except BaseException as exc:
        connection.send(type(exc).__name__)
    connection.close()


def test_a_forked_child_runs_its_batches_on_worker_processes_of_its_own() -> None:
    # The parent's worker processes are not the child's: talking to them through the
    # inherited pipes would mix the child's records with the parent's answers.
    outcomes: list[BatchOutcome] = []
    handler = batch("sqs", processes=2, on_outcome=outcomes.append)(parent_of_worker)
    handler(_events.sqs(4), FakeContext(timeout_ms=LONG))  # the parent's pool is started
    assert {success.result for success in outcomes[0].successes} == {os.getpid()}

    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_batch_in_child, args=(handler, outcomes, sending))
    child.start()
    sending.close()
    try:
        assert receiving.poll(60)
        child_pid, response, parents = receiving.recv()
    finally:
        child.join(30)
    assert response == {"batchItemFailures": []}
    assert set(parents) == {child_pid}

    outcomes.clear()
    handler(_events.sqs(4), FakeContext(timeout_ms=LONG))  # the parent's own pool still answers
    assert {success.result for success in outcomes[0].successes} == {os.getpid()}

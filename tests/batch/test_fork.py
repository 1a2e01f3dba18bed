"""A forked child (Lambda Managed Instances fork their workers) makes its own SQS client
for the backoff calls: the parent's holds the parent's open connections."""

from __future__ import annotations

import multiprocessing
from typing import Any

from lambda_toolkit.batch import _backoff


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

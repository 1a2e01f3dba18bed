"""Forked processes (Lambda Managed Instances fork their workers; so can a handler): each
child is a process of its own, with its own cold start and its own AWS clients."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from lambda_toolkit.core import Invocation, Middleware, aws, current_invocation, middleware, state
from lambda_toolkit.testing import FakeContext


@middleware
def layer() -> Middleware:
    return Middleware("layer")


@layer
def capture(event: Any, context: Any) -> Invocation | None:
    return current_invocation()


def _cold_starts(connection: Any) -> None:
    first, second = capture({}, FakeContext()), capture({}, FakeContext())
    connection.send([first is not None and first.cold_start, second is not None and second.cold_start])
    connection.close()


def _run_in_forked_child(target: Any) -> Any:
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(sending,))
    child.start()
    sending.close()
    try:
        answer = receiving.recv() if receiving.poll(30) else "no answer from the child (hung)"
    finally:
        child.join(5)
        if child.exitcode is None:
            child.kill()
            child.join()
    return answer


def test_a_child_forked_after_the_parents_cold_start_has_its_own() -> None:
    parent = capture({}, FakeContext())
    assert parent is not None and parent.cold_start is True

    assert _run_in_forked_child(_cold_starts) == [True, False]
    again = capture({}, FakeContext())
    assert again is not None and again.cold_start is False  # the parent's flag is untouched


def test_a_child_forked_while_another_thread_takes_the_cold_start_does_not_hang() -> None:
    # A lock held by another thread of the parent at the fork is never released in the child.
    held = threading.Event()
    release = threading.Event()

    def hold_elsewhere() -> None:
        with state._cold_start_lock:
            held.set()
            release.wait(60)

    thread = threading.Thread(target=hold_elsewhere)
    thread.start()
    held.wait(60)
    try:
        assert _run_in_forked_child(_cold_starts) == [True, False]
    finally:
        release.set()
        thread.join()


def _shared_client_id(connection: Any) -> None:
    connection.send(id(aws.shared_client("sqs", region="us-east-1")))
    connection.close()


def test_a_forked_child_makes_its_own_aws_clients() -> None:
    # The parent's clients hold its open connections: a child using them would read the
    # answers to the parent's requests (and the parent the child's).
    parent = aws.shared_client("sqs", region="us-east-1")
    assert aws.shared_client("sqs", region="us-east-1") is parent
    assert _run_in_forked_child(_shared_client_id) != id(parent)
    assert aws.shared_client("sqs", region="us-east-1") is parent


def _io_pool_answer(connection: Any) -> None:
    from lambda_toolkit.core.threads import io_pool

    try:
        connection.send(io_pool().submit(lambda: "ran").result(timeout=10))
    except Exception as exc:
        connection.send(type(exc).__name__)
    connection.close()


def test_a_forked_child_runs_io_work_on_a_pool_of_its_own() -> None:
    # The parent's pool has idle threads, which do not exist in the child: a task handed
    # to that pool there would wait for them forever (async handlers' store calls).
    from lambda_toolkit.core.threads import io_pool

    assert io_pool().submit(lambda: "warm").result(timeout=10) == "warm"
    assert _run_in_forked_child(_io_pool_answer) == "ran"

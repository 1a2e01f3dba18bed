"""A forked child (Lambda Managed Instances fork their workers; so may a handler) fetches
for itself a parameter that another thread of the parent was fetching at the fork: the
fetching thread does not exist in the child, so waiting for it would wait forever."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from lambda_toolkit.parameters._flight import SingleFlight

flight = SingleFlight()


def _fetch_in_child(connection: Any) -> None:
    answers: list[str] = []
    worker = threading.Thread(target=lambda: answers.append(flight.run("db/url", lambda: "the child's")), daemon=True)
    worker.start()
    worker.join(10)
    connection.send(answers or ["hung waiting for the parent's fetch"])
    connection.close()


def test_a_child_forked_during_a_fetch_fetches_for_itself() -> None:
    started, release = threading.Event(), threading.Event()

    def slow_fetch() -> str:
        started.set()
        release.wait(30)
        return "the parent's"

    answers: list[str] = []
    fetching = threading.Thread(target=lambda: answers.append(flight.run("db/url", slow_fetch)))
    fetching.start()
    started.wait(10)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_fetch_in_child, args=(sending,))
    try:
        child.start()
        sending.close()
        assert receiving.poll(30)
        assert receiving.recv() == ["the child's"]
    finally:
        release.set()
        fetching.join()
        child.join(10)
    assert answers == ["the parent's"]  # the parent's own flight is untouched

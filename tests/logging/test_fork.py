"""A forked child (Lambda Managed Instances fork their workers; so may a handler) logs,
whatever another thread of the parent was doing with the logging locks at the fork."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from lambda_toolkit.logging import Logger, _config


def _log_in_child(connection: Any) -> None:
    done: list[str] = []

    def log_once() -> None:
        Logger(service="forked-child").info("hello from the child")
        done.append("logged")

    worker = threading.Thread(target=log_once, daemon=True)
    worker.start()
    worker.join(10)
    connection.send(done or ["hung on a lock held by the parent's thread"])
    connection.close()


def test_a_child_forked_while_another_thread_holds_the_registry_lock_can_log() -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with _config._registry_lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_log_in_child, args=(sending,))
    try:
        child.start()
        sending.close()
        assert receiving.poll(30)
        assert receiving.recv() == ["logged"]
    finally:
        release.set()
        holder.join()
        child.join(10)

"""Writes are whole lines on any stream the user passes, whatever the threads: a
block-buffered file from ``open(path, "w")`` (whose ``TextIOWrapper`` loses and splits
lines when written from many threads at once) included, and shared by every logger
writing to it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from lambda_toolkit.logging import Logger

THREADS = 32
LINES = 2_000


def _hammer(*loggers: Logger) -> None:
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        log = loggers[n % len(loggers)]
        start.wait()
        for i in range(LINES):
            log.info("line", thread=n, i=i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _check(path: Path) -> None:
    raw = path.read_text()
    assert raw.endswith("\n")
    seen = set()
    for text in raw.splitlines():
        line = json.loads(text)  # every line intact JSON
        assert line["message"] == "line"
        seen.add((line["thread"], line["i"]))
    assert len(raw.splitlines()) == THREADS * LINES  # none lost, none split in two
    assert seen == {(n, i) for n in range(THREADS) for i in range(LINES)}


def test_32_threads_writing_to_a_block_buffered_file_lose_and_split_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with open(path, "w") as stream:  # block-buffered: the case CPython does not make thread-safe
        _hammer(Logger(service="streams", stream=stream))
    _check(path)


def test_two_loggers_sharing_a_file_share_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with open(path, "w") as stream:
        _hammer(Logger(service="streams-a", stream=stream), Logger(service="streams-b", stream=stream))
    _check(path)

"""core.files: a file is replaced whole, by one writer, with nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.core.files import atomic_path, write_atomic


def _writer(barrier: Any, path: str, index: int) -> None:
    barrier.wait()
    for _ in range(20):
        write_atomic(path, f"writer {index}\n" * 20_000)


def test_sixteen_processes_writing_one_file_leave_one_writers_content_whole(tmp_path: Path) -> None:
    target = tmp_path / "cache.txt"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(17)
    writers = [context.Process(target=_writer, args=(barrier, str(target), index)) for index in range(16)]
    for writer in writers:
        writer.start()
    barrier.wait(60)
    seen = set()
    while any(writer.is_alive() for writer in writers):
        if target.exists():
            lines = set(target.read_text().splitlines())
            assert len(lines) == 1  # never empty, never two writers' lines mixed
            seen |= lines
    for writer in writers:
        writer.join(60)
    assert all(writer.exitcode == 0 for writer in writers)
    assert len(set(target.read_text().splitlines())) == 1
    assert seen <= {f"writer {index}" for index in range(16)}
    assert [path.name for path in tmp_path.iterdir()] == ["cache.txt"]


def test_threads_of_one_process_each_get_their_own_scratch_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    barrier = threading.Barrier(8)
    scratches: list[Path] = []

    def write() -> None:
        with atomic_path(target) as scratch:
            scratches.append(scratch)
            barrier.wait(10)  # every thread holds its scratch file at once
            scratch.write_bytes(b"x")

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(scratches)) == 8
    assert all(scratch.parent == tmp_path for scratch in scratches)  # same file system: the move is atomic
    assert [path.name for path in tmp_path.iterdir()] == ["out.bin"]


def test_a_failed_write_leaves_the_old_file_and_no_scratch(tmp_path: Path) -> None:
    target = tmp_path / "document.json"
    target.write_text("old")

    def write_half() -> None:
        with atomic_path(target) as scratch:
            scratch.write_text("half of the new")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["document.json"]


def test_text_and_bytes_are_written_and_the_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "text.txt", "héllo", encoding="utf-8")
        write_atomic(tmp_path / "raw.bin", b"\x00\x01")
    finally:
        os.umask(old)
    assert (tmp_path / "text.txt").read_bytes() == "héllo".encode()
    assert (tmp_path / "raw.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "raw.bin").stat().st_mode & 0o777 == 0o640  # as open() would make it, not 0o600

"""Files the CLI writes stay whole with 16 processes at once (Lambda Managed Instances run
16 worker processes per vCPU sharing /tmp; CI builds run in parallel): every writer
succeeds, the file read at any moment is one writer's whole output, no scratch is left."""

from __future__ import annotations

import json
import multiprocessing
import zipfile
from pathlib import Path
from typing import Any

from lambda_toolkit.cli import main
from lambda_toolkit.cli.layer import _write_zip

PROCESSES = 16
ROUNDS = 5

APP = """
from lambda_toolkit.http import App

app = App()

@app.get("/orders/{order_id}")
def get_order(order_id: int) -> dict:
    return {}
"""


def _zip_writer(barrier: Any, root: str, destination: str, errors: Any) -> None:
    barrier.wait()
    for _ in range(ROUNDS):
        try:
            _write_zip(Path(root), Path(destination))
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {exc}")


def _openapi_writer(barrier: Any, folder: str, output: str, errors: Any) -> None:
    import os
    import sys

    os.chdir(folder)
    sys.path.insert(0, folder)
    barrier.wait()
    for _ in range(ROUNDS):
        try:
            code = main(["openapi", "api_module:app", "--output", output])
        except BaseException as exc:
            errors.put(f"{type(exc).__name__}: {exc}")
        else:
            if code != 0:
                errors.put(f"exit code {code}")


def _run_writers(target: Any, *args: Any, read: Any) -> tuple[list[str], list[str]]:
    """Start the writers together; read the output as they write; (their errors, the bad reads)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES + 1)
    errors = context.Queue()
    writers = [context.Process(target=target, args=(barrier, *args, errors)) for _ in range(PROCESSES)]
    for writer in writers:
        writer.start()
    barrier.wait(60)
    bad_reads = []
    while any(writer.is_alive() for writer in writers):
        problem = read()
        if problem is not None:
            bad_reads.append(problem)
    for writer in writers:
        writer.join(60)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert all(writer.exitcode == 0 for writer in writers)
    return found, bad_reads


def test_sixteen_layer_builds_writing_one_zip_at_once_all_succeed_and_it_stays_whole(tmp_path: Path) -> None:
    root = tmp_path / "layer"
    for index in range(40):
        folder = root / "python" / f"package_{index}"
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_bytes(bytes(range(256)) * 64)
    destination = tmp_path / "layer.zip"
    expected = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())

    def read() -> str | None:
        try:
            with zipfile.ZipFile(destination) as archive:
                names = archive.namelist()
                archive.testzip()
        except FileNotFoundError:
            return None  # not written yet
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None if names == expected else f"{len(names)} members of {len(expected)}"

    errors, bad_reads = _run_writers(_zip_writer, str(root), str(destination), read=read)

    assert errors == []
    assert bad_reads == []
    assert read() is None
    assert [path.name for path in tmp_path.iterdir() if path.name != "layer"] == ["layer.zip"]


def test_sixteen_openapi_commands_writing_one_document_at_once_leave_it_whole(tmp_path: Path) -> None:
    (tmp_path / "api_module.py").write_text(APP)
    output = tmp_path / "openapi.json"

    def read() -> str | None:
        try:
            text = output.read_text()
        except FileNotFoundError:
            return None
        try:
            json.loads(text)
        except ValueError:
            return f"{len(text)} characters, not a whole document"
        return None

    errors, bad_reads = _run_writers(_openapi_writer, str(tmp_path), str(output), read=read)

    assert errors == []
    assert bad_reads == []
    assert json.loads(output.read_text())["paths"].keys() == {"/orders/{order_id}"}
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != "__pycache__") == [
        "api_module.py",
        "openapi.json",
    ]

"""Running `lambda-toolkit serve` in a subprocess on 127.0.0.1 for tests (a free port, a
readiness wait on its "serving" line, a clean stop)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """A running ``lambda-toolkit serve``: its process and base URL."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url
        self.stderr = ""
        self.returncode: int | None = None


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Lambda's variables, with the repository importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_X_AMZN", "_HANDLER"))}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@contextmanager
def serving(project: Path, handler: str, *options: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``lambda-toolkit serve HANDLER --port 0 OPTIONS`` run from ``project``, ready; stopped
    with SIGTERM on exit, its stderr then in ``server.stderr``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lambda_toolkit", "serve", handler, "--port", "0", *options],
        cwd=project,
        env=environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    server: Server | None = None
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while server is None:
            ready, _, _ = select.select([process.stderr], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"the server did not start: {seen.decode()}"
            line = process.stderr.readline()
            assert line, f"the server exited: {seen.decode()}"
            seen += line
            match = re.search(rb"on (http://127\.0\.0\.1:\d+) ", line)
            if match:
                server = Server(process, match.group(1).decode())
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        if server is not None:
            server.stderr = (seen + err).decode()
            server.returncode = process.returncode

"""A local Lambda Runtime API: run a function under the real runtime client, as Lambda does.

``RuntimeEmulator`` serves the Runtime API (version 2018-06-01) on 127.0.0.1 and starts the
function process the way Lambda starts it: ``python -m awslambdaric module.handler`` with
``AWS_LAMBDA_RUNTIME_API`` and the Lambda environment variables. Each ``invoke(event)``
queues one invocation, waits for the function's response or error, and returns it with
the lines the function wrote. At the invocation's deadline the process is killed, as
Lambda stops the sandbox mid-instruction, and the next invocation starts a new one (a
new cold start)::

    with RuntimeEmulator(handler="app.handler", task_root=path, timeout_ms=3000) as rt:
        result = rt.invoke({"order_id": "o-1"})
        assert result.response == {"statusCode": 200}

Endpoints: ``GET /runtime/invocation/next`` (blocks until an invocation is queued),
``POST /runtime/invocation/{id}/response``, ``POST /runtime/invocation/{id}/error`` and
``POST /runtime/init/error``. The runtime client (``awslambdaric``) must be installed in
the interpreter that runs the function (``python=``, default: this one).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

__all__ = ["InvokeResult", "RuntimeEmulator", "RuntimeEmulatorError"]

API_PREFIX = "/2018-06-01/runtime"
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
_PASSED_PREFIXES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "COV_", "COVERAGE_")
_POLL_S = 0.02


class RuntimeEmulatorError(LambdaToolkitError):
    """The emulator could not run the function (misconfiguration, or it is stopped)."""


@dataclass
class InvokeResult:
    """The outcome of one invocation.

    ``response``: the decoded JSON the function returned (``raw_response`` holds the
    bytes); ``error``: the error payload (``errorType``, ``errorMessage``, ...) when the
    function failed, could not start, or was killed at its deadline (``timed_out``).
    ``stdout``/``stderr``: the lines the function process wrote since the previous result
    (a cold start's init output included).
    """

    request_id: str
    response: Any = None
    raw_response: bytes | None = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    init_error: bool = False
    cold_start: bool = False
    duration_ms: float = 0.0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the function returned a response."""
        return self.error is None

    @property
    def logs(self) -> list[str]:
        """stdout then stderr lines."""
        return [*self.stdout, *self.stderr]


class _Pending:
    __slots__ = ("body", "deadline_ms", "dispatched_at", "done", "error", "error_type", "raw", "request_id", "trace")

    def __init__(self, body: bytes, trace: str) -> None:
        self.request_id = str(uuid.uuid4())
        self.body = body
        self.trace = trace
        self.deadline_ms = 0
        self.dispatched_at: float | None = None
        self.done = threading.Event()
        self.raw: bytes | None = None
        self.error: dict[str, Any] | None = None
        self.error_type: str | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the runtime client keeps its connection alive
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without it every small response waits on Nagle's algorithm (~40 ms per call).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _reply(self, status: int, payload: Any = None, headers: dict[str, str] | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload if payload is not None else {}).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", (headers or {}).get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        if self.path != f"{API_PREFIX}/invocation/next":
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"no such endpoint {self.path}"})
            return
        emulator = self.server.emulator
        pending = emulator._next_invocation()
        if pending is None:  # the emulator is stopping: the process is gone or going
            self.close_connection = True
            return
        self._reply(
            200,
            pending.body,
            {
                "Lambda-Runtime-Aws-Request-Id": pending.request_id,
                "Lambda-Runtime-Deadline-Ms": str(pending.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": emulator.function_arn,
                "Lambda-Runtime-Trace-Id": pending.trace,
            },
        )

    def do_POST(self) -> None:
        emulator = self.server.emulator
        body = self._body()
        path = self.path
        if path == f"{API_PREFIX}/init/error":
            emulator._init_failed(_decode_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type")))
            self._reply(202, {"status": "OK"})
            return
        parts = path[len(API_PREFIX) :].strip("/").split("/") if path.startswith(API_PREFIX) else []
        if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"no such endpoint {path}"})
            return
        pending = emulator._active.get(parts[1])
        if pending is None or pending.done.is_set():
            self._reply(400, {"errorType": "InvalidRequestID", "errorMessage": "unknown or finished request id"})
            return
        if parts[2] == "response":
            pending.raw = body
        else:
            pending.error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
            pending.error = _decode_error(body, pending.error_type)
        pending.done.set()
        self._reply(202, {"status": "OK"})


def _new_trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def _decode_error(body: bytes, error_type: str | None) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(payload, dict):
        payload = {"errorMessage": str(payload)}
    if error_type and not payload.get("errorType"):
        payload["errorType"] = error_type
    return payload


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: RuntimeEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A killed function process drops its connection mid-request: that is expected.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class RuntimeEmulator:
    """Serve the Lambda Runtime API locally and run one function process under it.

    ``handler`` is Lambda's ``module.function``; ``task_root`` the directory holding the
    module (the process's working directory and ``LAMBDA_TASK_ROOT``). ``env`` adds or
    overrides environment variables; the process otherwise gets Lambda's variables, PATH
    and the AWS credential variables of this process, nothing else.
    """

    def __init__(
        self,
        *,
        handler: str,
        task_root: str | os.PathLike[str],
        timeout_ms: int = 3000,
        memory_mb: int = 128,
        function_name: str = "test-function",
        env: dict[str, str] | None = None,
        python: str | None = None,
        init_timeout_ms: int = 10_000,
    ) -> None:
        if "." not in handler.strip(".") or " " in handler:
            raise ConfigurationError(f"RuntimeEmulator: handler must be module.function, got {handler!r}")
        for name, value in (("timeout_ms", timeout_ms), ("memory_mb", memory_mb), ("init_timeout_ms", init_timeout_ms)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigurationError(f"RuntimeEmulator: {name} must be a positive integer")
        root = Path(task_root)
        if not root.is_dir():
            raise ConfigurationError(f"RuntimeEmulator: task_root {str(root)!r} is not a directory")
        self.handler = handler
        self.task_root = root.resolve()
        self.timeout_ms = timeout_ms
        self.memory_mb = memory_mb
        self.function_name = function_name
        self.init_timeout_ms = init_timeout_ms
        self.python = python or sys.executable
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.function_arn = f"arn:aws:lambda:{self.region}:123456789012:function:{function_name}"
        self._extra_env = dict(env or {})
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._active: dict[str, _Pending] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._readers: list[threading.Thread] = []
        self._lines: list[tuple[str, str]] = []
        self._lines_lock = threading.Lock()
        self._cursor = 0
        self._init_error: dict[str, Any] | None = None
        self._stopping = threading.Event()
        self._invoke_lock = threading.Lock()
        self.cold_starts = 0

    # -- lifecycle -------------------------------------------------------------------
    @property
    def address(self) -> str:
        """``host:port`` of the Runtime API (the value of AWS_LAMBDA_RUNTIME_API)."""
        if self._server is None:
            raise RuntimeEmulatorError("RuntimeEmulator is not started")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def pid(self) -> int | None:
        """The function process id, or None when no process is running."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> RuntimeEmulator:
        """Start serving on a free port of 127.0.0.1 (the function starts at the first invoke)."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="runtime-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Kill the function process and stop serving."""
        self._stopping.set()
        self._kill()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> RuntimeEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the function process ----------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """The environment the function process gets."""
        env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
        env.update({k: v for k, v in os.environ.items() if k.startswith(_PASSED_PREFIXES)})
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": self.address,
                "_HANDLER": self.handler,
                "LAMBDA_TASK_ROOT": str(self.task_root),
                "LAMBDA_RUNTIME_DIR": str(self.task_root),
                "PYTHONPATH": str(self.task_root),
                "PYTHONUNBUFFERED": "1",
                "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(max(1, self.timeout_ms // 1000)),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "TZ": ":UTC",
            }
        )
        env.update(self._extra_env)
        return env

    def _spawn(self) -> None:
        self._init_error = None
        process = subprocess.Popen(
            [self.python, "-m", "awslambdaric", self.handler],
            cwd=self.task_root,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so the kill takes the whole process group, like a sandbox
        )
        self._process = process
        self.cold_starts += 1
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(process.stdout, "stdout"), daemon=True),
            threading.Thread(target=self._read, args=(process.stderr, "stderr"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes], name: str) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lines_lock:
                self._lines.append((name, line))
        stream.close()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):  # pragma: no cover - already gone
                process.kill()
        process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=2)
        self._readers = []

    # -- called by the HTTP handler ----------------------------------------------------------
    def _next_invocation(self) -> _Pending | None:
        while not self._stopping.is_set():
            try:
                pending = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            pending.deadline_ms = int(time.time() * 1000) + self.timeout_ms
            pending.dispatched_at = time.monotonic()
            self._active[pending.request_id] = pending
            return pending
        return None

    def _init_failed(self, error: dict[str, Any]) -> None:
        self._init_error = error

    # -- invoking ----------------------------------------------------------------------------
    def invoke(self, event: Any = None, *, trace_id: str | None = None) -> InvokeResult:
        """Run one invocation with ``event`` (JSON-serialisable, or bytes) and return its result."""
        if self._server is None:
            raise RuntimeEmulatorError("RuntimeEmulator is not started: use it as a context manager or call start()")
        body = event if isinstance(event, bytes) else json.dumps({} if event is None else event).encode()
        trace = (
            trace_id
            or f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
        )
        with self._invoke_lock:
            cold = self._process is None or self._process.poll() is not None
            if cold:
                self._kill()
                self._spawn()
            pending = _Pending(body, trace)
            self._queue.put(pending)
            result = self._wait(pending, cold)
            self._active.pop(pending.request_id, None)
            result.stdout, result.stderr = self._collect_lines()
            return result

    def _wait(self, pending: _Pending, cold: bool) -> InvokeResult:
        result = InvokeResult(pending.request_id, cold_start=cold)
        queued_at = time.monotonic()
        process = self._process
        assert process is not None
        while not pending.done.wait(_POLL_S):
            now = time.monotonic()
            if pending.dispatched_at is None:
                if self._init_error is not None or process.poll() is not None:
                    self._drain_queue(pending)
                    result.init_error = True
                    result.error = self._init_error or {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"Runtime exited with error: exit status {process.poll()}",
                    }
                    self._kill()
                    return result
                if now - queued_at > self.init_timeout_ms / 1000.0:
                    self._drain_queue(pending)
                    self._kill()
                    result.init_error = True
                    result.error = {
                        "errorType": "Runtime.InitTimeout",
                        "errorMessage": "the runtime never asked for work",
                    }
                    return result
                continue
            result.duration_ms = (now - pending.dispatched_at) * 1000.0
            if process.poll() is not None:
                result.error = {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {pending.request_id} Error: Runtime exited with error: "
                    f"exit status {process.poll()}",
                }
                self._kill()
                return result
            if result.duration_ms >= self.timeout_ms:
                self._kill()  # Lambda stops the sandbox at the deadline, whatever runs
                result.timed_out = True
                result.error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {pending.request_id} Error: Task timed out after "
                    f"{self.timeout_ms / 1000:.2f} seconds",
                }
                return result
        assert pending.dispatched_at is not None
        result.duration_ms = (time.monotonic() - pending.dispatched_at) * 1000.0
        if pending.error is not None:
            result.error = pending.error
        else:
            result.raw_response = pending.raw
            try:
                result.response = json.loads(pending.raw or b"null")
            except ValueError:
                result.response = (pending.raw or b"").decode("utf-8", "replace")
        return result

    def _drain_queue(self, pending: _Pending) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        pending.done.set()

    def _collect_lines(self) -> tuple[list[str], list[str]]:
        # The function flushes its output before it posts the result, but the reader
        # threads may not have taken it from the pipes yet: wait until they are quiet.
        deadline = time.monotonic() + 0.5
        seen = -1
        while time.monotonic() < deadline:
            with self._lines_lock:
                count = len(self._lines)
            if count == seen:
                break
            seen = count
            time.sleep(0.01)
        with self._lines_lock:
            taken, self._cursor = self._lines[self._cursor :], len(self._lines)
        return [line for name, line in taken if name == "stdout"], [line for name, line in taken if name == "stderr"]

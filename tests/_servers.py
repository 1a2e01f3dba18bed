"""Local servers for fault tests: bound to 127.0.0.1 only, started and stopped by fixtures."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class StalledEndpoint:
    """A TCP server that accepts connections, reads what they send, and never answers.

    It stands for an AWS endpoint that hangs (a network partition, a stuck load
    balancer): a client connects at once, sends its request, then waits on a read that
    only its own timeout (or an interruption) can end. ``url`` is its http address;
    ``connections`` counts the connections accepted (each retry of an SDK call opens a
    new one, the previous having been abandoned by its timeout). With ``answer_first=n``
    the first ``n`` requests get ``200 {}`` (a DynamoDB write that succeeded) before the
    endpoint hangs; ``requests`` counts the requests received in full.
    """

    def __init__(self, answer_first: int = 0) -> None:
        self._answers_left = answer_first
        self.requests = 0
        self._pending: dict[socket.socket, bytes] = {}
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._open: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="stalled-endpoint", daemon=True)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                self._read_all()
                continue
            except OSError:  # the listener was closed
                return
            conn.setblocking(False)  # one thread reads every connection between accepts
            self._open.append(conn)
            self.connections += 1
            self._read_all()

    def _read_all(self) -> None:
        for held in list(self._open):
            try:
                chunk = held.recv(65536)
            except (BlockingIOError, OSError):
                continue
            buffer = self._pending.get(held, b"") + chunk
            while (request := _one_request(buffer)) is not None:
                buffer = buffer[request:]
                self.requests += 1
                if self._answers_left > 0:
                    self._answers_left -= 1
                    held.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}"
                    )
            self._pending[held] = buffer

    def start(self) -> StalledEndpoint:
        self._thread.start()
        # Ready when a connection is accepted (listen() was done, but the thread must run).
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            pass
        for _ in range(500):
            if self.connections:
                break
            self._stopping.wait(0.01)
        self.connections = 0
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self._open:
            conn.close()
        self._open.clear()

    def __enter__(self) -> StalledEndpoint:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _one_request(buffer: bytes) -> int | None:
    """The length of the first complete HTTP request in ``buffer``, or None if incomplete."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    length = 0
    for line in buffer[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    end = head_end + 4 + length
    return end if len(buffer) >= end else None

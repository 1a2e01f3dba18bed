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
    new one, the previous having been abandoned by its timeout).
    """

    def __init__(self) -> None:
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
                continue
            except OSError:  # the listener was closed
                return
            conn.setblocking(False)  # the requests are read into the void, never answered
            self._open.append(conn)
            self.connections += 1
            for held in list(self._open):
                try:
                    held.recv(65536)
                except (BlockingIOError, OSError):
                    pass

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

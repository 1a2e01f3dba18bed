"""A small HTTP proxy on 127.0.0.1 in front of a DynamoDB endpoint that can lose responses.

``lose("PutItem")`` makes the next PutItem reach the server (which does the write) while
its response never reaches the caller: the proxy closes the connection instead, as a
network fault after the request would. botocore then retries the request.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "date", "server"})


class LossyProxy:
    """Forwards every request to ``upstream``; drops the responses it was told to lose."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or HOST
        self.upstream_port = parts.port or 80
        self.seen: list[str] = []  # the actions forwarded, in order
        self.lost: list[str] = []  # the actions whose response was dropped
        self._to_lose: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="lossy-proxy", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def lose(self, action: str, times: int = 1) -> None:
        """Drop the responses of the next ``times`` requests of ``action`` (after the server handled them)."""
        with self._lock:
            self._to_lose[action] = self._to_lose.get(action, 0) + times

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _forwarded(self, action: str) -> bool:
        """Record ``action``; True when its response must reach the caller."""
        with self._lock:
            self.seen.append(action)
            if self._to_lose.get(action, 0) > 0:
                self._to_lose[action] -= 1
                self.lost.append(action)
                return False
            return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_POST(self) -> None:
        proxy: LossyProxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        action = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=30)
        try:
            upstream.request("POST", self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            status = response.status
            response_headers = response.getheaders()
        finally:
            upstream.close()
        if not proxy._forwarded(action):
            # The server did the work; the caller hears nothing and sees the connection close.
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return

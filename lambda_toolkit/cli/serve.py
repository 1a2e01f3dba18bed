"""``lambda-toolkit serve``: a local HTTP server in front of a Lambda handler.

Each request is turned into the event of the chosen trigger (API Gateway HTTP API or REST
API, ALB, function URL) with the event factories of ``lambda_toolkit.testing.events``,
the handler runs as ``invoke`` runs it (Lambda's environment variables, a fresh context
per request with the function's timeout, a fresh trace id, a coroutine handler run to
completion), and its answer goes back to the client as that trigger's front end would
send it. Requests are served one at a time, as one Lambda sandbox does. No Docker, no
AWS account; the server listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from lambda_toolkit.cli.invoke import (
    FunctionInitError,
    _json_default,
    _split_handler,
    add_function_options,
    apply_environment,
    call_handler,
    error_payload,
    function_name_for,
    import_handler,
    new_context,
    user_environment,
)

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

__all__ = ["TRIGGERS", "build_event", "register", "response_parts", "run"]

TRIGGERS = ("api-gateway-http", "api-gateway-rest", "alb", "function-url")
INIT_ERROR = 1
# Headers the server writes itself (the body is always sent whole, with its length).
_HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})
_TEXT_TYPES = ("json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv", "graphql")


def register(subparsers: Any) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser("serve", help="serve an HTTP handler locally, as one HTTP trigger would")
    parser.add_argument("handler", metavar="MODULE:APP", help="the handler, e.g. app:app or orders.api:handler")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000, 0 for any free)")
    parser.add_argument(
        "--trigger", choices=TRIGGERS, default="api-gateway-http", help="the event shape (default api-gateway-http)"
    )
    add_function_options(parser, timeout_help="function timeout per request (default 3000)")
    parser.set_defaults(run=run)


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


def _is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return content_type.startswith("text/") or any(kind in content_type for kind in _TEXT_TYPES)


def build_event(
    trigger: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event ``trigger`` delivers for an HTTP request (``target`` is the request line's
    path and query). A body is sent as text when its content type is textual and it is
    UTF-8, base64-encoded otherwise, as the HTTP front ends do."""
    from lambda_toolkit.testing import events

    parts = urlsplit(target)
    path = parts.path or "/"
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        multi.setdefault(name, []).append(value)
        # HTTP APIs and function URLs join repeated headers with commas; REST and ALB keep the last
        joined = name in single and trigger in ("api-gateway-http", "function-url")
        single[name] = f"{single[name]},{value}" if joined else value
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    payload: str | bytes | None = None
    if body:
        payload = body
        if _is_text(content_type):
            with contextlib.suppress(UnicodeDecodeError):
                payload = body.decode("utf-8")
    if trigger in ("api-gateway-http", "function-url"):
        # Payload 2.0 moves the cookies out of the headers into their own list.
        cookies = [
            cookie.strip()
            for name, value in headers
            if name.lower() == "cookie"
            for cookie in value.split(";")
            if cookie.strip()
        ]
        v2_headers = {name: value for name, value in single.items() if name.lower() != "cookie"}
        query = _query(parts.query, decode=True)
        overrides: dict[str, Any] = {"rawQueryString": parts.query, "requestContext": {"http": {"sourceIp": source_ip}}}
        if trigger == "api-gateway-http":
            event = events.api_gateway_http_event(
                method, path, v2_headers, payload, query, route_key="$default", cookies=cookies, **overrides
            )
        else:
            event = events.function_url_event(method, path, v2_headers, payload, query, cookies=cookies, **overrides)
        if not parts.query:
            event.pop("queryStringParameters", None)
        return event
    if trigger == "api-gateway-rest":
        event = events.api_gateway_rest_event(
            method,
            path,
            single,
            payload,
            _query(parts.query, decode=True),
            # a catch-all proxy resource, as `sam local` and most REST APIs in front of a router
            resource="/{proxy+}" if path != "/" else "/",
            path_parameters={"proxy": path.lstrip("/")} if path != "/" else None,
            requestContext={"identity": {"sourceIp": source_ip}},
        )
        event["multiValueHeaders"] = {name: list(values) for name, values in multi.items()}
        return event
    # ALB hands the query string over as the client sent it, still percent-encoded.
    event = events.alb_event(method, path, single, payload, _query(parts.query, decode=False))
    return event


def _query(raw: str, *, decode: bool) -> dict[str, str | list[str]]:
    pairs: list[tuple[str, str]]
    if decode:
        pairs = parse_qsl(raw, keep_blank_values=True)
    else:
        pairs = [(name, value) for name, _, value in (item.partition("=") for item in raw.split("&") if item)]
    query: dict[str, list[str]] = {}
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in query.items()}


def response_parts(trigger: str, response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) the trigger's front end sends for the handler's ``response``.

    HTTP APIs and function URLs take a response without ``statusCode`` as a JSON body with
    status 200; REST APIs and ALBs answer 502 to anything that is not a proxy response.
    """
    if not (isinstance(response, dict) and "statusCode" in response):
        if trigger in ("api-gateway-http", "function-url") and response is not None:
            return 200, [("Content-Type", "application/json")], json.dumps(response).encode("utf-8")
        return _bad_gateway(trigger)
    status = response.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return _bad_gateway(trigger)
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    cookies = response.get("cookies") or [] if trigger in ("api-gateway-http", "function-url") else []
    body = response.get("body")
    if not isinstance(single, dict) or not isinstance(multi, dict) or not isinstance(cookies, list):
        return _bad_gateway(trigger)
    headers: list[tuple[str, str]] = []
    multi_names = {str(name).lower() for name in multi}
    for name, value in single.items():
        if str(name).lower() not in multi_names:
            headers.append((str(name), str(value)))
    for name, values in multi.items():
        for value in values if isinstance(values, list) else [values]:
            headers.append((str(name), str(value)))
    headers.extend(("Set-Cookie", str(cookie)) for cookie in cookies)
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    if body is None:
        data = b""
    elif response.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(str(body), validate=True)
        except ValueError:
            return _bad_gateway(trigger)
    else:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
    return status, headers, data


def _bad_gateway(trigger: str) -> tuple[int, list[tuple[str, str]], bytes]:
    # What the front end answers when the function fails or answers something it cannot use.
    if trigger == "alb":
        return 502, [("Content-Type", "text/html")], b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    return 502, [("Content-Type", "application/json")], b'{"message":"Internal Server Error"}'


class _Function:
    """The loaded handler and what each invocation needs."""

    def __init__(self, handler: Callable[..., Any], args: argparse.Namespace, name: str) -> None:
        self.handler = handler
        self.trigger: str = args.trigger
        self.timeout_ms: int = args.timeout_ms
        self.memory_mb: int = args.memory_mb
        self.name = name

    def invoke(self, event: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        context = new_context(self.timeout_ms, self.memory_mb, self.name)
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["response"] = call_handler(self.handler, event, context)
            except (Exception, SystemExit) as exc:
                outcome["error"] = error_payload(exc, context.aws_request_id)

        # The handler runs in its own thread so that the server can answer at the deadline;
        # unlike Lambda it cannot be stopped there, so it finishes in the background.
        worker = threading.Thread(target=call, name=f"invocation-{context.aws_request_id}", daemon=True)
        worker.start()
        worker.join(self.timeout_ms / 1000.0)
        if worker.is_alive():
            seconds = self.timeout_ms / 1000.0
            _log(f"{context.aws_request_id} Task timed out after {seconds:.2f} seconds")
            return _bad_gateway(self.trigger) if self.trigger == "alb" else _timed_out()
        if "error" in outcome:
            _log(json.dumps(outcome["error"]))
            return _bad_gateway(self.trigger)
        # The front end gets the response as Lambda serialises it (Decimal as a number, a
        # tuple as a list); what cannot be serialised fails the invocation, as on Lambda.
        try:
            response = json.loads(json.dumps(outcome["response"], default=_json_default))
        except (TypeError, ValueError, RecursionError) as exc:
            error = {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": context.aws_request_id,
                "stackTrace": [],
            }
            _log(json.dumps(error))
            return _bad_gateway(self.trigger)
        return response_parts(self.trigger, response)


def _timed_out() -> tuple[int, list[tuple[str, str]], bytes]:
    return 504, [("Content-Type", "application/json")], b'{"message":"Endpoint request timed out"}'


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _request_handler(function: _Function) -> type[BaseHTTPRequestHandler]:
    # Imported here: every command builds the parser, which imports this module.
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        server_version = "lambda-toolkit-serve"
        # HTTP/1.1 so that clients sending "Expect: 100-continue" (curl, for large bodies)
        # get their answer at once; every connection is closed after its answer, since
        # requests are served one at a time and an idle keep-alive would hold the server.
        protocol_version = "HTTP/1.1"

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():  # trailers, up to the blank line
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()  # the CRLF after each chunk
            length = int(self.headers.get("Content-Length") or 0)  # ValueError: answered 400
            return self.rfile.read(length) if length > 0 else b""

        def _serve(self) -> None:
            started = time.perf_counter()
            self.close_connection = True
            try:
                body = self._read_body()
            except ValueError:
                self.send_error(400, "Malformed Content-Length or chunk size")
                return
            event = build_event(
                function.trigger, self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
            status, headers, data = function.invoke(event)
            # The path without its query string, which can carry tokens.
            elapsed = (time.perf_counter() - started) * 1000
            _log(f"{self.command} {urlsplit(self.path).path} {status} {elapsed:.1f} ms")
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request is written by _serve

    return Handler


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit code."""
    if args.timeout_ms <= 0 or args.memory_mb <= 0:
        raise _command_error("--timeout-ms and --memory-mb must be positive")
    if not 0 <= args.port <= 65535:
        raise _command_error(f"--port must be between 0 and 65535, got {args.port}")
    module_name, function_name = _split_handler(args.handler)
    variables = user_environment(args.env_file, args.env, args.log_format)
    name = function_name_for(module_name, args.function_name)
    apply_environment(variables, name, args.memory_mb, f"{module_name}.{function_name}")
    with contextlib.redirect_stdout(sys.stderr):
        try:
            handler = import_handler(args.handler)
        except FunctionInitError as exc:
            _log(json.dumps(exc.payload))
            return INIT_ERROR
    from http.server import HTTPServer

    try:
        server = HTTPServer((args.host, args.port), _request_handler(_Function(handler, args, name)))
    except OSError as exc:
        raise _command_error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = server.server_address[:2]
    _log(f"serving {args.handler} as {args.trigger} on http://{host!s}:{port} (Ctrl+C to stop)")
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server as Ctrl+C does
    # What the function prints goes to the terminal's stderr, as invoke sends it; a call
    # still running past its deadline keeps printing there too.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0

"""Fixtures for the parameters tests: moto in-process, call counting, a fake extension.

``aws`` starts ``moto.mock_aws`` and makes the SDK providers the default, with boto3
clients whose API calls are counted through botocore's ``before-call`` event.
``extension`` runs a local HTTP server on 127.0.0.1 (a free port) that answers the API of
the AWS Parameters and Secrets Lambda Extension in its real response format (the JSON of
GetParameter / GetSecretValue) and checks the session token header.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lambda_toolkit.parameters import (
    AutoProvider,
    SecretsProvider,
    SSMProvider,
    clear_cache,
    configure_cache,
    set_default_provider,
)
from lambda_toolkit.testing import FakeClock


class _Raw:
    """The raw body of a canned botocore response."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def fail_calls(client: Any, operation: str, code: str, *, status: int = 400) -> Counter[str]:
    """Make every ``operation`` call of ``client`` fail with the service error ``code``.

    The answer is given at ``before-send``, so botocore's retry logic sees it as the
    service's and retries as it would. Returns a counter of the sends.
    """
    from botocore.awsrequest import AWSResponse

    sends: Counter[str] = Counter()

    def answer(request: Any, **_: Any) -> Any:
        sends[operation] += 1
        body = json.dumps({"__type": code, "message": f"{code} raised by the test"}).encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"before-send.{service}.{operation}", answer)
    return sends


@dataclass
class Aws:
    """The moto-backed clients and the count of API calls made through them."""

    ssm: Any
    secrets: Any
    calls: Counter[str] = field(default_factory=Counter)

    def count(self, operation: str | None = None) -> int:
        return sum(self.calls.values()) if operation is None else self.calls[operation]

    def watch(self, client: Any) -> None:
        def record(model: Any, **_: Any) -> None:
            self.calls[model.name] += 1

        client.meta.events.register("before-call.*.*", record)


@pytest.fixture
def clock() -> FakeClock:
    """The cache's monotonic clock, moved by hand; the cache has no jitter."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _fresh_cache(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in (
        "LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE",
        "LAMBDA_TOOLKIT_PARAMETERS_PROVIDER",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
        "AWS_LAMBDA_FUNCTION_NAME",
    ):
        monkeypatch.delenv(variable, raising=False)
    configure_cache(max_entries=1024, jitter=0.0, stale_on_error=0.0, clock=clock)
    yield
    clear_cache()
    set_default_provider(None)


@pytest.fixture
def aws() -> Iterator[Aws]:
    """moto in-process; the default provider reads through counted boto3 clients."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        found = Aws(
            ssm=boto3.client("ssm", region_name="us-east-1"),
            secrets=boto3.client("secretsmanager", region_name="us-east-1"),
        )
        # Calls made to seed the services are not counted: watch after set-up in tests.
        set_default_provider(AutoProvider(ssm=SSMProvider(found.ssm), secrets=SecretsProvider(found.secrets)))
        yield found


@pytest.fixture
def counted(aws: Aws) -> Aws:
    """``aws`` with call counting on (seed the services before asking for it, or reset)."""
    aws.watch(aws.ssm)
    aws.watch(aws.secrets)
    return aws


# -- the fake Parameters and Secrets extension --------------------------------------------------


@dataclass
class FakeExtension:
    """State and record of the local extension server."""

    port: int
    token: str = "testing"
    parameters: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, value)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"string"|"binary", stages}
    requests: list[dict[str, Any]] = field(default_factory=list)
    forced_status: int | None = None
    forced_body: str = ""
    token_status: int = 401

    def put_parameter(self, name: str, value: str, type_: str = "String") -> None:
        self.parameters[name] = (type_, value)

    def put_secret(self, name: str, value: str | bytes, *, stage: str = "AWSCURRENT", version: str = "v1") -> None:
        self.secrets.setdefault(name, {})[stage] = (value, version)


def _handler_for(state: FakeExtension) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return None

        def _send(self, status: int, body: str | dict[str, Any], content_type: str = "application/json") -> None:
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            token = self.headers.get("X-Aws-Parameters-Secrets-Token")
            state.requests.append({"path": url.path, "query": query, "token": token})
            if token != state.token:
                self._send(state.token_status, "Unauthorized", "text/plain")
                return
            if state.forced_status is not None:
                self._send(state.forced_status, state.forced_body, "text/plain")
                return
            if url.path == "/systemsmanager/parameters/get":
                self._parameter(query)
            elif url.path == "/secretsmanager/get":
                self._secret(query)
            else:
                self._send(404, "not found", "text/plain")

        def _parameter(self, query: dict[str, str]) -> None:
            name = query.get("name", "")
            if name not in state.parameters:
                self._send(400, f"ParameterNotFound: parameter {name} not found", "text/plain")
                return
            type_, value = state.parameters[name]
            decrypt = query.get("withDecryption") == "true"
            shown = (
                value
                if type_ != "SecureString" or decrypt
                else "ENCRYPTED:" + base64.b64encode(value.encode()).decode()
            )
            selector = (
                f":{query['version']}" if "version" in query else (f":{query['label']}" if "label" in query else None)
            )
            self._send(
                200,
                {
                    "Parameter": {
                        "ARN": f"arn:aws:ssm:us-east-1:123456789012:parameter{name}",
                        "DataType": "text",
                        "LastModifiedDate": "2026-01-01T00:00:00Z",
                        "Name": name,
                        "Selector": selector,
                        "SourceResult": None,
                        "Type": type_,
                        "Value": shown,
                        "Version": 1,
                    },
                    "ResultMetadata": {},
                },
            )

        def _secret(self, query: dict[str, str]) -> None:
            name = query.get("secretId", "")
            stage = query.get("versionStage", "AWSCURRENT")
            versions = state.secrets.get(name, {})
            if stage not in versions:
                self._send(
                    400, "ResourceNotFoundException: Secrets Manager can't find the specified secret.", "text/plain"
                )
                return
            value, version = versions[stage]
            self._send(
                200,
                {
                    "ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf",
                    "CreatedDate": "2026-01-01T00:00:00Z",
                    "Name": name,
                    "SecretBinary": base64.b64encode(value).decode() if isinstance(value, bytes) else None,
                    "SecretString": value if isinstance(value, str) else None,
                    "VersionId": version,
                    "VersionStages": [stage],
                    "ResultMetadata": {},
                },
            )

    return Handler


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExtension]:
    """A fake extension on 127.0.0.1 (free port), ready before the test and stopped after it.

    ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` points at it; the token is the session token
    the shared conftest sets (``testing``).
    """
    state = FakeExtension(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _wait_ready(state.port)
    state.requests.clear()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(state.port))
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _wait_ready(port: int) -> None:
    import socket
    import time

    deadline = time.monotonic() + 5
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

"""The AWS Parameters and Secrets Lambda Extension: HTTP on localhost, no SDK.

The extension (a Lambda layer) serves ``GET /systemsmanager/parameters/get?name=...`` and
``GET /secretsmanager/get?secretId=...`` on ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``
(default 2773), answering with the JSON of the GetParameter and GetSecretValue APIs. Each
request carries the ``X-Aws-Parameters-Secrets-Token`` header set to the function's
``AWS_SESSION_TOKEN``. Only the standard library is used, so neither boto3 nor botocore
is imported on this path.
"""

from __future__ import annotations

import io  # loaded by the interpreter at startup: free
import os
import time

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_count, check_seconds
from lambda_toolkit.parameters._errors import (
    ParameterAccessDeniedError,
    ParameterError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
)
from lambda_toolkit.parameters._masked import MaskedBytes
from lambda_toolkit.parameters._sdk import error_for_code, parameter_value, secret_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    from collections.abc import Sequence
    from typing import Any

    from lambda_toolkit.parameters._provider import BatchResult

__all__ = [
    "DEFAULT_PORT",
    "ExtensionProvider",
    "ExtensionUnavailableError",
    "extension_port",
    "http_errors",
    "port_from_environment",
    "request",
]

DEFAULT_PORT = 2773
# The largest answer read: a secret is at most 64 KiB, in base64 and JSON well under this.
MAX_ANSWER = 1024 * 1024
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"

_ERROR_CODES = (
    "ParameterVersionLabelNotFound",
    "ParameterVersionNotFound",
    "ParameterNotFound",
    "ResourceNotFoundException",
    "AccessDeniedException",
    "DecryptionFailure",
    "ThrottlingException",
    "TooManyRequestsException",
)


class ExtensionUnavailableError(ParameterFetchError):
    """Nothing answers on an extension's port (not installed, or not started yet): the
    Parameters and Secrets extension, or AppConfig's."""


def port_from_environment(variable: str, default: int) -> int:
    """An extension's port from ``variable`` (blank: ``default``); anything but 1-65535 is refused."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ConfigurationError(f"environment variable {variable} must be a port number (1-65535)")
    return port


def extension_port() -> int:
    """The extension's port: ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``, default 2773."""
    return port_from_environment(PORT_VARIABLE, DEFAULT_PORT)


class ExtensionProvider:
    """Parameters and secrets through the Lambda extension on ``host:port``.

    ``port`` defaults to ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` (read at each request
    when not given), ``timeout`` bounds one request in seconds. The extension has no batch
    or path API: batches are one request per name (the extension caches each), and
    ``get_parameters_by_path`` raises ``ParameterFetchError``. ``timeout`` is a deadline for
    the whole request (connect, send, every read), not a bound on each read. An answer that
    is not the API's JSON (no string ``Value``, a ``SecretString`` that is not a string)
    is a ``ParameterFetchError``, never a value.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 5.0) -> None:
        if not isinstance(host, str) or not host:
            raise ConfigurationError("ExtensionProvider host must be a non-empty string")
        self.host = host
        self.port = None if port is None else check_count("ExtensionProvider port", port, maximum=65535)
        self.timeout = check_seconds("ExtensionProvider timeout", timeout, allow_zero=False)

    def get_parameter(self, name: str, *, decrypt: bool) -> str | bytes:
        """One parameter (the role needs ``ssm:GetParameter``, and ``kms:Decrypt`` for a SecureString)."""
        query: dict[str, str] = {"withDecryption": "true" if decrypt else "false"}
        base, selector = _split_selector(name)
        query["name"] = base
        if selector:
            query["version" if selector.isdigit() else "label"] = selector
        answer = self._get("/systemsmanager/parameters/get", query, name=name, what="parameter")
        parameter = answer.get("Parameter")
        if not isinstance(parameter, dict):
            raise ParameterFetchError(f"parameter {name!r}: the extension's answer has no Parameter", name=name)
        return parameter_value(parameter, name=name, source="the extension's answer")

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """Several parameters, one request each."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        for name in dict.fromkeys(names):
            try:
                values[name] = self.get_parameter(name, decrypt=decrypt)
            except ExtensionUnavailableError:
                raise
            except ParameterError as exc:
                failures[name] = exc
        return values, failures

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        """Not offered by the extension: raises ``ParameterFetchError`` (use the SDK provider)."""
        raise ParameterFetchError(
            f"parameter path {path!r}: the Parameters and Secrets extension cannot read by path", name=path
        )

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str | bytes:
        """One secret (the role needs ``secretsmanager:GetSecretValue``)."""
        query = {"secretId": name}
        if version_id:
            query["versionId"] = version_id
        if version_stage:
            query["versionStage"] = version_stage
        answer = self._get("/secretsmanager/get", query, name=name, what="secret")
        if answer.get("SecretString") is None and isinstance(answer.get("SecretBinary"), str):
            # On the wire (JSON) SecretBinary is base64 text; the SDK hands out the bytes.
            import base64

            try:
                return MaskedBytes(base64.b64decode(answer["SecretBinary"], validate=True))
            except ValueError:
                raise ParameterFetchError(
                    f"secret {name!r}: the extension's SecretBinary is not base64", name=name
                ) from None
        return secret_value(answer, name=name, source="the extension's answer")

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        """Several secrets, one request each."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        for name in dict.fromkeys(names):
            try:
                values[name] = self.get_secret(name, version_id=None, version_stage=None)
            except ExtensionUnavailableError:
                raise
            except ParameterError as exc:
                failures[name] = exc
        return values, failures

    def _get(self, path: str, query: dict[str, str], *, name: str, what: str) -> dict[str, Any]:
        import json
        from urllib.parse import urlencode

        port = self.port or extension_port()
        target = f"{path}?{urlencode(query)}"
        try:
            status, body = request(
                self.host, port, target, self.timeout, {TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")}
            )
        except (OSError, http_errors()) as exc:
            within = f" within {self.timeout:g} s" if isinstance(exc, TimeoutError) else ""
            raise ExtensionUnavailableError(
                f"{what} {name!r}: the Parameters and Secrets extension did not answer{within} on "
                f"{self.host}:{port} ({type(exc).__name__})",
                name=name,
            ) from None
        if len(body) > MAX_ANSWER:
            raise ParameterFetchError(
                f"{what} {name!r}: the extension's answer is longer than {MAX_ANSWER} bytes", name=name
            )
        if status >= 400:
            raise _error_for_status(status, body[:2048].decode("utf-8", "replace"), name=name, what=what)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ParameterFetchError(f"{what} {name!r}: the extension's answer is not a JSON object", name=name)
        return answer

    def __repr__(self) -> str:
        return f"ExtensionProvider(host={self.host!r}, port={self.port or extension_port()})"


def http_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def request(
    host: str, port: int, target: str, timeout: float, headers: dict[str, str], *, limit: int = MAX_ANSWER
) -> tuple[int, bytes]:
    """GET ``target`` from ``host:port`` with ``headers``; the status and body, all within
    ``timeout`` seconds (the local extensions' HTTP: this one and AppConfig's).

    A socket timeout bounds each read, so a server sending one byte at a time could hold
    a call for ever: every read here waits only for what is left of one deadline. At most
    ``limit + 1`` bytes of the body are read. Plain ``http.client`` (no urllib opener):
    no proxy setting ever sees the token or the names.
    """
    import http.client
    import socket

    deadline = time.monotonic() + timeout
    raw = socket.create_connection((host, port), timeout=timeout)
    connection = http.client.HTTPConnection(host, port)
    connection.sock = _DeadlineSocket(raw, deadline)
    try:
        connection.request("GET", target, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read(limit + 1)
    finally:
        connection.close()
        raw.close()


class _DeadlineSocket:
    """The parts of a socket ``http.client`` uses, each bounded by what is left until ``deadline``."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _arm(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self._sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def recv_into(self, buffer: Any, size: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, size)

    def makefile(self, mode: str = "rb", **_: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        # http.client closes its socket as soon as the headers say the connection will
        # close, before the body is read: the socket is closed by ``_request`` instead.
        pass


class _DeadlineReader(io.RawIOBase):
    """The raw stream ``http.client`` parses the answer from, read through ``_DeadlineSocket``."""

    def __init__(self, sock: _DeadlineSocket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


def _split_selector(name: str) -> tuple[str, str]:
    """'/app/key:3' -> ('/app/key', '3'); ARNs and names without a selector are kept whole."""
    if name.startswith("arn:") or ":" not in name:
        return name, ""
    base, _, selector = name.rpartition(":")
    return base, selector


def _error_for_status(status: int, detail: str, *, name: str, what: str) -> ParameterError:
    """The utility's error for an HTTP error of the extension (the body holds the service's error code)."""
    action = "ssm:GetParameter" if what == "parameter" else "secretsmanager:GetSecretValue"
    for code in _ERROR_CODES:
        if code in detail:
            return error_for_code(code, name=name, what=what, action=action)
    where = f"{what} {name!r}"
    if status in (401, 403):
        return ParameterAccessDeniedError(
            f"{where}: the Parameters and Secrets extension refused the request (HTTP {status}): "
            f"the {TOKEN_HEADER} header must be the function's AWS_SESSION_TOKEN",
            name=name,
        )
    if status == 404:
        return ParameterNotFoundError(f"{where} not found (HTTP 404 from the extension)", name=name)
    if status == 429:
        return ParameterThrottledError(f"{where}: throttled (HTTP 429 from the extension)", name=name)
    return ParameterFetchError(f"{where}: the Parameters and Secrets extension answered HTTP {status}", name=name)

"""The AWS Parameters and Secrets Lambda Extension: HTTP on localhost, no SDK.

The extension (a Lambda layer) serves ``GET /systemsmanager/parameters/get?name=...`` and
``GET /secretsmanager/get?secretId=...`` on ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``
(default 2773), answering with the JSON of the GetParameter and GetSecretValue APIs. Each
request carries the ``X-Aws-Parameters-Secrets-Token`` header set to the function's
``AWS_SESSION_TOKEN``. Only the standard library is used, so neither boto3 nor botocore
is imported on this path.
"""

from __future__ import annotations

import os

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
    from collections.abc import Sequence
    from typing import Any

    from lambda_toolkit.parameters._provider import BatchResult

__all__ = ["DEFAULT_PORT", "ExtensionProvider", "ExtensionUnavailable", "extension_port"]

DEFAULT_PORT = 2773
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


class ExtensionUnavailable(ParameterFetchError):  # noqa: N818 (reads as a state, like InvocationTimeout)
    """Nothing answers on the extension's port (not installed, or not started yet)."""


def extension_port() -> int:
    """The extension's port: ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``, default 2773."""
    raw = os.environ.get(PORT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        from lambda_toolkit.core.errors import ConfigurationError

        raise ConfigurationError(f"environment variable {PORT_VARIABLE} must be a port number (1-65535)")
    return port


class ExtensionProvider:
    """Parameters and secrets through the Lambda extension on ``host:port``.

    ``port`` defaults to ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` (read at each request
    when not given), ``timeout`` bounds one request in seconds. The extension has no batch
    or path API: batches are one request per name (the extension caches each), and
    ``get_parameters_by_path`` raises ``ParameterFetchError``.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._opener: Any = None

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
        return parameter_value(parameter)

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """Several parameters, one request each."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        for name in dict.fromkeys(names):
            try:
                values[name] = self.get_parameter(name, decrypt=decrypt)
            except ExtensionUnavailable:
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
        return secret_value(answer, name=name)

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        """Several secrets, one request each."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        for name in dict.fromkeys(names):
            try:
                values[name] = self.get_secret(name, version_id=None, version_stage=None)
            except ExtensionUnavailable:
                raise
            except ParameterError as exc:
                failures[name] = exc
        return values, failures

    def _get(self, path: str, query: dict[str, str], *, name: str, what: str) -> dict[str, Any]:
        import json
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        port = self.port or extension_port()
        url = f"http://{self.host}:{port}{path}?{urlencode(query)}"
        request = urllib.request.Request(url, headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")})
        if self._opener is None:
            # Never through a proxy: HTTP_PROXY must not see the token or the names.
            self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            status, detail = exc.code, exc.read(2048).decode("utf-8", "replace")
            exc.close()
            raise _error_for_status(status, detail, name=name, what=what) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ExtensionUnavailable(
                f"{what} {name!r}: the Parameters and Secrets extension did not answer on "
                f"{self.host}:{port} ({type(reason).__name__})",
                name=name,
            ) from None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ParameterFetchError(f"{what} {name!r}: the extension's answer is not a JSON object", name=name)
        return answer

    def __repr__(self) -> str:
        return f"ExtensionProvider(host={self.host!r}, port={self.port or extension_port()})"


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

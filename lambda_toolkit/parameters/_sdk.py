"""Providers on the AWS SDK: SSM Parameter Store and Secrets Manager through boto3.

The boto3 client is injectable; otherwise the package's shared client of the service is
taken on first use (``core.aws.LazyClient``: never at import, one per service and region
for the whole process), with botocore's standard retry mode, so throttling is retried
with backoff before it becomes a ``ParameterThrottledError``. Service errors are mapped to the utility's errors
by their code; the service's message is not repeated (it may name resources, never
values, but the code says enough).
"""

from __future__ import annotations

from lambda_toolkit.core.aws import LazyClient
from lambda_toolkit.parameters._errors import (
    ParameterAccessDeniedError,
    ParameterError,
    ParameterExistsError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    ParameterWriteError,
)
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from lambda_toolkit.parameters._provider import BatchResult

__all__ = ["SSMProvider", "SecretsProvider", "error_for_code"]

GET_PARAMETERS_LIMIT = 10  # GetParameters accepts at most 10 names
BATCH_SECRETS_LIMIT = 20  # BatchGetSecretValue accepts at most 20 secret ids

_NOT_FOUND = frozenset(
    {"ParameterNotFound", "ParameterVersionNotFound", "ParameterVersionLabelNotFound", "ResourceNotFoundException"}
)
_DENIED = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "KMSAccessDeniedException", "DecryptionFailure"}
)
_THROTTLED = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyUpdates",
    }
)
_EXISTS = frozenset({"ParameterAlreadyExists", "ResourceExistsException"})


def error_for_code(code: str, *, name: str, what: str, action: str) -> ParameterError:
    """The utility's error for a service error ``code`` raised while reading ``name``."""
    where = f"{what} {name!r}"
    if code in _NOT_FOUND:
        return ParameterNotFoundError(f"{where} not found ({code})", name=name)
    if code in _DENIED:
        return ParameterAccessDeniedError(f"access denied to {where} ({code}): the role needs {action}", name=name)
    if code in _THROTTLED:
        return ParameterThrottledError(f"{where}: still throttled after retries ({code})", name=name)
    return ParameterFetchError(f"{where}: {action} failed ({code})", name=name)


def _call(client: Any, operation: str, *, name: str, what: str, action: str, **params: Any) -> Any:
    """Run one SDK call, turning botocore's exceptions into the utility's errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, operation)(**params)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        error: ParameterError = error_for_code(code, name=name, what=what, action=action)
    except BotoCoreError as exc:
        error = ParameterFetchError(f"{what} {name!r}: {action} failed ({type(exc).__name__})", name=name)
    raise error


def _write(client: Any, operation: str, *, name: str, what: str, action: str, **params: Any) -> Any:
    """Run one SDK call that writes, turning botocore's exceptions into the utility's errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, operation)(**params)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        if code in _EXISTS:
            error: ParameterError = ParameterExistsError(f"{what} {name!r} exists already ({code})", name=name)
        elif code in _NOT_FOUND or code in _DENIED or code in _THROTTLED:
            error = error_for_code(code, name=name, what=what, action=action)
        else:
            error = ParameterWriteError(f"{what} {name!r}: {action} failed ({code})", name=name)
    except BotoCoreError as exc:
        error = ParameterWriteError(f"{what} {name!r}: {action} failed ({type(exc).__name__})", name=name)
    raise error


class SSMProvider:
    """SSM Parameter Store through boto3 (``client``: a boto3 SSM client, else the shared one, made on first use)."""

    def __init__(self, client: Any = None, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        self._client = LazyClient("ssm", client=client, region=region, endpoint_url=endpoint_url)

    @property
    def client(self) -> Any:
        """The boto3 SSM client (created now if it was not yet)."""
        return self._client.get()

    def get_parameter(self, name: str, *, decrypt: bool) -> str | bytes:
        """One parameter (``ssm:GetParameter``; ``kms:Decrypt`` for a SecureString)."""
        answer = _call(
            self._client.get(),
            "get_parameter",
            name=name,
            what="parameter",
            action="ssm:GetParameter",
            Name=name,
            WithDecryption=decrypt,
        )
        return parameter_value(answer["Parameter"], name=name)

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """Several parameters, in ``ssm:GetParameters`` calls of at most 10 names."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        client = self._client.get()
        for chunk in _chunks(list(dict.fromkeys(names)), GET_PARAMETERS_LIMIT):
            try:
                answer = _call(
                    client,
                    "get_parameters",
                    name=", ".join(chunk),
                    what="parameters",
                    action="ssm:GetParameters",
                    Names=chunk,
                    WithDecryption=decrypt,
                )
            except ParameterError as exc:
                for name in chunk:
                    failures[name] = type(exc)(str(exc), name=name)
                continue
            found = _BatchAnswer(answer.get("Parameters", []))
            for name in chunk:
                value = found.lookup(name)
                if value is not None:
                    values[name] = value
                else:
                    failures[name] = ParameterNotFoundError(f"parameter {name!r} not found", name=name)
        return values, failures

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        """Every parameter under ``path`` (``ssm:GetParametersByPath``, paginated)."""
        client = self._client.get()
        values: dict[str, str | bytes] = {}
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Path": path, "Recursive": recursive, "WithDecryption": decrypt}
            if token:
                params["NextToken"] = token
            answer = _call(
                client,
                "get_parameters_by_path",
                name=path,
                what="parameter path",
                action="ssm:GetParametersByPath",
                **params,
            )
            for parameter in answer.get("Parameters", []):
                values[parameter["Name"]] = parameter_value(parameter, name=parameter["Name"])
            token = answer.get("NextToken")
            if not token:
                return values

    def put_parameter(
        self,
        name: str,
        value: str,
        *,
        overwrite: bool,
        type: str,  # the name of the option in set_parameter
        kms_key_id: str | None = None,
        tier: str | None = None,
    ) -> int | None:
        """Write the parameter (``ssm:PutParameter``; ``kms:Encrypt`` for a SecureString under a
        customer managed key); its new version."""
        params: dict[str, Any] = {"Name": name, "Value": value, "Type": type, "Overwrite": overwrite}
        if kms_key_id:
            params["KeyId"] = kms_key_id
        if tier:
            params["Tier"] = tier
        answer = _write(
            self._client.get(), "put_parameter", name=name, what="parameter", action="ssm:PutParameter", **params
        )
        version = answer.get("Version")
        return version if isinstance(version, int) else None

    def __repr__(self) -> str:
        return "SSMProvider()"


class SecretsProvider:
    """Secrets Manager through boto3 (``client``: a boto3 Secrets Manager client, else the shared one,
    made on first use)."""

    def __init__(self, client: Any = None, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        self._client = LazyClient("secretsmanager", client=client, region=region, endpoint_url=endpoint_url)

    @property
    def client(self) -> Any:
        """The boto3 Secrets Manager client (created now if it was not yet)."""
        return self._client.get()

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str | bytes:
        """One secret (``secretsmanager:GetSecretValue``; ``kms:Decrypt`` with a customer managed key)."""
        params: dict[str, Any] = {"SecretId": name}
        if version_id:
            params["VersionId"] = version_id
        if version_stage:
            params["VersionStage"] = version_stage
        answer = _call(
            self._client.get(),
            "get_secret_value",
            name=name,
            what="secret",
            action="secretsmanager:GetSecretValue",
            **params,
        )
        return secret_value(answer, name=name)

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        """Several secrets, in ``secretsmanager:BatchGetSecretValue`` calls of at most 20 ids."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        client = self._client.get()
        for chunk in _chunks(list(dict.fromkeys(names)), BATCH_SECRETS_LIMIT):
            found: dict[str, str | bytes] = {}
            errors: dict[str, ParameterError] = {}
            try:
                for page in _pages(client, chunk):
                    for secret in page.get("SecretValues", []):
                        value = secret_value(secret, name=secret.get("Name", "?"))
                        for key in ("Name", "ARN"):
                            if key in secret:
                                found[secret[key]] = value
                    for item in page.get("Errors", []):
                        secret_id = str(item.get("SecretId", ""))
                        errors[secret_id] = error_for_code(
                            str(item.get("ErrorCode", "Unknown")),
                            name=secret_id,
                            what="secret",
                            action="secretsmanager:GetSecretValue",
                        )
            except ParameterError as exc:
                for name in chunk:
                    failures[name] = type(exc)(str(exc), name=name)
                continue
            for name in chunk:
                if name in found:
                    values[name] = found[name]
                else:
                    failures[name] = errors.get(name) or ParameterNotFoundError(f"secret {name!r} not found", name=name)
        return values, failures

    def put_secret(
        self, name: str, value: str | bytes, *, create: bool = True, client_request_token: str | None = None
    ) -> str | None:
        """Store ``value`` as the secret's new current version (``secretsmanager:PutSecretValue``);
        a secret that does not exist is created when ``create`` (``secretsmanager:CreateSecret``).
        The new version's id."""
        content: dict[str, Any] = {"SecretString": value} if isinstance(value, str) else {"SecretBinary": value}
        if client_request_token:
            content["ClientRequestToken"] = client_request_token
        client = self._client.get()
        try:
            answer = _write(
                client,
                "put_secret_value",
                name=name,
                what="secret",
                action="secretsmanager:PutSecretValue",
                SecretId=name,
                **content,
            )
        except ParameterNotFoundError:
            if not create:
                raise
            answer = _write(
                client,
                "create_secret",
                name=name,
                what="secret",
                action="secretsmanager:CreateSecret",
                Name=name,
                **content,
            )
        version = answer.get("VersionId")
        return version if isinstance(version, str) else None

    def __repr__(self) -> str:
        return "SecretsProvider()"


class _BatchAnswer:
    """Matches the records of a GetParameters answer to the names asked for.

    AWS tags a record read through a ``:version`` or ``:label`` selector with ``Selector``;
    a record without one is matched by name (and by version for a numeric selector, as
    some emulators leave ``Selector`` out).
    """

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.exact: dict[str, str] = {}
        self.versions: dict[tuple[str, int], str] = {}
        self.latest: dict[str, tuple[int, str]] = {}
        for record in records:
            value = parameter_value(record, name=record["Name"])
            names = [record["Name"], *([record["ARN"]] if "ARN" in record else [])]
            selector = record.get("Selector")
            version = int(record.get("Version", 0))
            for name in names:
                if selector:
                    self.exact[name + selector] = value
                self.versions[(name, version)] = value
                if not selector and version >= self.latest.get(name, (-1, ""))[0]:
                    self.latest[name] = (version, value)

    def lookup(self, name: str) -> str | None:
        if name in self.exact:
            return self.exact[name]
        base, _, selector = name.rpartition(":")
        if base and selector.isdigit() and (base, int(selector)) in self.versions:
            return self.versions[(base, int(selector))]
        latest = self.latest.get(name)
        return None if latest is None else latest[1]


def _pages(client: Any, chunk: list[str]) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"SecretIdList": chunk}
        if token:
            params["NextToken"] = token
        page = _call(
            client,
            "batch_get_secret_value",
            name=", ".join(chunk),
            what="secrets",
            action="secretsmanager:BatchGetSecretValue and secretsmanager:GetSecretValue",
            **params,
        )
        yield page
        token = page.get("NextToken")
        if not token:
            return


def parameter_value(parameter: dict[str, Any], *, name: str, source: str = "the answer") -> str:
    """The value of a GetParameter(s) ``Parameter`` record, masked when it is a SecureString.

    A record whose ``Value`` is missing or not a string is a ``ParameterFetchError`` (an
    emulator's or proxy's malformed answer), never a value made up from it."""
    value = parameter.get("Value")
    if not isinstance(value, str):
        # The type only: a malformed value may still hold the secret.
        raise ParameterFetchError(
            f"parameter {name!r}: {source} has no string Value ({type(value).__name__})", name=name
        )
    return MaskedStr(value) if parameter.get("Type") == "SecureString" else value


def secret_value(answer: dict[str, Any], *, name: str, source: str = "the answer") -> str | bytes:
    """The value of a GetSecretValue answer: ``SecretString`` or ``SecretBinary``, masked.

    A ``SecretString`` that is not a string or a ``SecretBinary`` that is not bytes is a
    ``ParameterFetchError``."""
    string = answer.get("SecretString")
    if string is not None:
        if not isinstance(string, str):
            raise ParameterFetchError(
                f"secret {name!r}: {source} has a SecretString that is not a string ({type(string).__name__})",
                name=name,
            )
        return MaskedStr(string)
    binary = answer.get("SecretBinary")
    if binary is not None:
        if not isinstance(binary, (bytes, bytearray)):
            raise ParameterFetchError(
                f"secret {name!r}: {source} has a SecretBinary that is not bytes ({type(binary).__name__})",
                name=name,
            )
        return MaskedBytes(binary)
    raise ParameterFetchError(f"secret {name!r} has neither SecretString nor SecretBinary", name=name)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

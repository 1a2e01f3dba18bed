"""Choosing the source: the Lambda extension when it answers, the AWS SDK otherwise.

``AutoProvider`` sends a lookup to the extension when one can be there (inside Lambda, or
with ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` set, and with a session token to present).
If nothing answers on the port, it uses the SDK and asks the extension again only after
``retry_after`` seconds (it may still have been starting). Reads by path always use the
SDK: the extension has no such API. ``LAMBDA_TOOLKIT_PARAMETERS_PROVIDER`` forces a source:
``extension``, ``sdk`` or ``auto`` (the default).
"""

from __future__ import annotations

import os
import time
from threading import Lock

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_seconds
from lambda_toolkit.parameters._extension import PORT_VARIABLE, ExtensionProvider, ExtensionUnavailableError
from lambda_toolkit.parameters._sdk import SecretsProvider, SSMProvider

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    from lambda_toolkit.parameters._provider import BatchResult

    T = TypeVar("T")

__all__ = ["PROVIDER_VARIABLE", "AutoProvider"]

PROVIDER_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_PROVIDER"


class AutoProvider:
    """Reads through the extension when it answers, through boto3 otherwise.

    ``extension``, ``ssm`` and ``secrets`` default to an ``ExtensionProvider``, an
    ``SSMProvider`` and a ``SecretsProvider`` (their boto3 clients made on first use).
    """

    def __init__(
        self,
        *,
        extension: ExtensionProvider | None = None,
        ssm: SSMProvider | None = None,
        secrets: SecretsProvider | None = None,
        retry_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.extension = extension or ExtensionProvider()
        self.ssm = ssm or SSMProvider()
        self.secrets = secrets or SecretsProvider()
        self.retry_after = check_seconds("AutoProvider retry_after", retry_after)
        self._clock = clock
        self._lock = Lock()
        self._unavailable_until: float | None = None

    def uses_extension(self) -> bool:
        """True when the next lookup will be sent to the extension."""
        mode = os.environ.get(PROVIDER_VARIABLE, "auto").strip().lower() or "auto"
        if mode == "sdk":
            return False
        if mode == "extension":
            return True
        if mode != "auto":
            raise ConfigurationError(f"environment variable {PROVIDER_VARIABLE} must be auto, extension or sdk")
        if not os.environ.get("AWS_SESSION_TOKEN"):
            return False
        if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ and PORT_VARIABLE not in os.environ:
            return False
        until = self._unavailable_until
        return until is None or self._clock() >= until

    def _route(self, through_extension: Callable[[], T], through_sdk: Callable[[], T]) -> T:
        if self.uses_extension():
            forced = os.environ.get(PROVIDER_VARIABLE, "").strip().lower() == "extension"
            try:
                result = through_extension()
            except ExtensionUnavailableError:
                if forced:
                    raise
                with self._lock:
                    self._unavailable_until = self._clock() + self.retry_after
                import logging

                logging.getLogger("lambda_toolkit.parameters").info(
                    "parameters: the Parameters and Secrets extension did not answer, using the AWS SDK"
                )
            else:
                self._unavailable_until = None
                return result
        return through_sdk()

    def get_parameter(self, name: str, *, decrypt: bool) -> str | bytes:
        """One parameter, through the extension or ``ssm:GetParameter``."""
        return self._route(
            lambda: self.extension.get_parameter(name, decrypt=decrypt),
            lambda: self.ssm.get_parameter(name, decrypt=decrypt),
        )

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """Several parameters, through the extension (one request each) or ``ssm:GetParameters``."""
        return self._route(
            lambda: self.extension.get_parameters(names, decrypt=decrypt),
            lambda: self.ssm.get_parameters(names, decrypt=decrypt),
        )

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        """Every parameter under ``path``: always ``ssm:GetParametersByPath``."""
        return self.ssm.get_parameters_by_path(path, decrypt=decrypt, recursive=recursive)

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str | bytes:
        """One secret, through the extension or ``secretsmanager:GetSecretValue``."""
        return self._route(
            lambda: self.extension.get_secret(name, version_id=version_id, version_stage=version_stage),
            lambda: self.secrets.get_secret(name, version_id=version_id, version_stage=version_stage),
        )

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        """Several secrets, through the extension (one request each) or ``secretsmanager:BatchGetSecretValue``."""
        return self._route(lambda: self.extension.get_secrets(names), lambda: self.secrets.get_secrets(names))

    def __repr__(self) -> str:
        return f"AutoProvider(extension={self.extension!r})"

"""Choosing the source: the Lambda extension when it answers, the AWS SDK otherwise.

``AutoProvider`` sends a lookup to the extension when one can be there (inside Lambda, or
with ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` set, and with a session token to present).
If nothing answers on the port, it uses the SDK and asks the extension again only after
``retry_after`` seconds (it may still have been starting). Reads by path always use the
SDK: the extension has no such API. ``LAMBDA_TOOLKIT_PARAMETERS_PROVIDER`` forces a source:
``extension``, ``sdk`` or ``auto`` (the default).

AppConfig profiles follow the same rule with the AppConfig extension (inside Lambda, or
with ``AWS_APPCONFIG_EXTENSION_HTTP_PORT`` set; it needs no token), tried and skipped
apart from the Parameters and Secrets one: a function may have either layer.
"""

from __future__ import annotations

import os
import time
import weakref
from threading import Lock

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_seconds
from lambda_toolkit.core.state import on_restore
from lambda_toolkit.parameters._extension import PORT_VARIABLE, ExtensionProvider, ExtensionUnavailableError
from lambda_toolkit.parameters._sdk import SecretsProvider, SSMProvider

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    from lambda_toolkit.parameters._appconfig import AppConfigExtensionProvider, AppConfigProvider
    from lambda_toolkit.parameters._provider import BatchResult

    T = TypeVar("T")

__all__ = ["APPCONFIG_PORT_VARIABLE", "PROVIDER_VARIABLE", "AutoProvider"]

PROVIDER_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_PROVIDER"
APPCONFIG_PORT_VARIABLE = "AWS_APPCONFIG_EXTENSION_HTTP_PORT"  # the AppConfig extension's port (default 2772)


class _Switch:
    """Whether to try one extension now: the environment's rule, and a pause after it failed to answer."""

    def __init__(self, port_variable: str, needs_token: bool, label: str, owner: AutoProvider) -> None:
        self.port_variable = port_variable
        self.needs_token = needs_token
        self.label = label
        self._owner = owner
        self._lock = Lock()
        self.unavailable_until: float | None = None

    def uses_extension(self) -> bool:
        mode = _mode()
        if mode != "auto":
            return mode == "extension"
        if self.needs_token and not os.environ.get("AWS_SESSION_TOKEN"):
            return False
        if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ and self.port_variable not in os.environ:
            return False
        until = self.unavailable_until
        return until is None or self._owner._clock() >= until

    def route(self, through_extension: Callable[[], T], through_sdk: Callable[[], T]) -> T:
        if self.uses_extension():
            try:
                result = through_extension()
            except ExtensionUnavailableError:
                if _mode() == "extension":
                    raise
                with self._lock:
                    self.unavailable_until = self._owner._clock() + self._owner.retry_after
                import logging

                logging.getLogger("lambda_toolkit.parameters").info(
                    "parameters: the %s extension did not answer, using the AWS SDK", self.label
                )
            else:
                self.unavailable_until = None
                return result
        return through_sdk()


def _mode() -> str:
    mode = os.environ.get(PROVIDER_VARIABLE, "auto").strip().lower() or "auto"
    if mode not in ("auto", "extension", "sdk"):
        raise ConfigurationError(f"environment variable {PROVIDER_VARIABLE} must be auto, extension or sdk")
    return mode


class AutoProvider:
    """Reads through the extensions when they answer, through boto3 otherwise.

    ``extension``, ``ssm`` and ``secrets`` default to an ``ExtensionProvider``, an
    ``SSMProvider`` and a ``SecretsProvider``; ``appconfig_extension`` and ``appconfig``
    to an ``AppConfigExtensionProvider`` and an ``AppConfigProvider``, made on the first
    AppConfig read (boto3 clients made on first use). Writes (``set_parameter``,
    ``set_secret``) always use boto3.
    """

    def __init__(
        self,
        *,
        extension: ExtensionProvider | None = None,
        ssm: SSMProvider | None = None,
        secrets: SecretsProvider | None = None,
        appconfig_extension: AppConfigExtensionProvider | None = None,
        appconfig: AppConfigProvider | None = None,
        retry_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.extension = extension or ExtensionProvider()
        self.ssm = ssm or SSMProvider()
        self.secrets = secrets or SecretsProvider()
        self._appconfig_extension = appconfig_extension
        self._appconfig = appconfig
        self.retry_after = check_seconds("AutoProvider retry_after", retry_after)
        self._clock = clock
        self._appconfig_lock = Lock()
        self._parameters_switch = _Switch(PORT_VARIABLE, True, "Parameters and Secrets", self)
        self._appconfig_switch = _Switch(APPCONFIG_PORT_VARIABLE, False, "AppConfig", self)
        _providers.add(self)

    @property
    def appconfig_extension(self) -> AppConfigExtensionProvider:
        """The AppConfig extension provider (made on first use: most functions read no AppConfig)."""
        if self._appconfig_extension is None:
            from lambda_toolkit.parameters._appconfig import AppConfigExtensionProvider

            self._appconfig_extension = AppConfigExtensionProvider()
        return self._appconfig_extension

    @property
    def appconfig(self) -> AppConfigProvider:
        """The AppConfig Data provider (made on first use)."""
        if self._appconfig is None:
            from lambda_toolkit.parameters._appconfig import AppConfigProvider

            with self._appconfig_lock:  # one provider: its sessions hold single-use tokens
                if self._appconfig is None:
                    self._appconfig = AppConfigProvider()
        return self._appconfig

    def uses_extension(self) -> bool:
        """True when the next parameter or secret lookup will be sent to the extension."""
        return self._parameters_switch.uses_extension()

    def uses_appconfig_extension(self) -> bool:
        """True when the next AppConfig read will be sent to the AppConfig extension."""
        return self._appconfig_switch.uses_extension()

    def _route(self, through_extension: Callable[[], T], through_sdk: Callable[[], T]) -> T:
        return self._parameters_switch.route(through_extension, through_sdk)

    def get_configuration(self, application: str, environment: str, profile: str) -> bytes:
        """An AppConfig profile's content, through the AppConfig extension or AppConfig Data."""
        return self._appconfig_switch.route(
            lambda: self.appconfig_extension.get_configuration(application, environment, profile),
            lambda: self.appconfig.get_configuration(application, environment, profile),
        )

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
        """Write a parameter through ``ssm:PutParameter`` (the extension only reads)."""
        return self.ssm.put_parameter(name, value, overwrite=overwrite, type=type, kms_key_id=kms_key_id, tier=tier)

    def put_secret(
        self, name: str, value: str | bytes, *, create: bool = True, client_request_token: str | None = None
    ) -> str | None:
        """Write a secret through ``secretsmanager:PutSecretValue`` (or ``CreateSecret``)."""
        return self.secrets.put_secret(name, value, create=create, client_request_token=client_request_token)

    def __repr__(self) -> str:
        return f"AutoProvider(extension={self.extension!r})"


_providers: weakref.WeakSet[AutoProvider] = weakref.WeakSet()


@on_restore
def _ask_the_extensions_again() -> None:
    # A pause after an extension did not answer was timed on a clock that need not have
    # run while the snapshot was stored, and the restored sandbox's extensions are new.
    for provider in list(_providers):
        provider._parameters_switch.unavailable_until = None
        provider._appconfig_switch.unavailable_until = None

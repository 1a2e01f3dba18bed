"""The provider protocols: where values come from, apart from how they are cached.

A provider fetches and nothing else: no cache, no transform. Values come back as ``str``
(a plain parameter), ``MaskedStr`` (a SecureString or a secret string) or ``MaskedBytes``
(a binary secret). Batch calls return what they read and, apart, an error per name that
failed, so one missing name does not hide the others.

This module imports ``typing`` and is loaded only when a protocol is asked for (type
checks, ``isinstance``), not by the lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

from lambda_toolkit.parameters._inject import Parameter, Secret
from lambda_toolkit.parameters._provider import BatchResult

__all__ = ["BatchResult", "ConfigurationProvider", "Lookup", "ParameterProvider", "SecretProvider", "Transform"]

Transform: TypeAlias = Literal["json", "binary"] | Callable[[Any], Any] | Any | None
"""What ``transform=`` accepts: None (the value as fetched), ``"json"``, ``"binary"``
(base64 text to bytes), a pydantic model class or ``TypeAdapter``, or a callable of the value."""

Lookup: TypeAlias = str | Parameter | Secret
"""What ``with_parameters`` takes for each argument: a parameter name, ``Parameter(...)`` or ``Secret(...)``."""


@runtime_checkable
class ParameterProvider(Protocol):
    """Reads SSM Parameter Store parameters."""

    def get_parameter(self, name: str, *, decrypt: bool) -> str | bytes:
        """The value of one parameter (``name`` may carry a ``:version`` or ``:label`` selector)."""
        ...

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """The values of several parameters, and an error for each name that failed."""
        ...

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        """Every parameter under ``path``, by full name."""
        ...


@runtime_checkable
class SecretProvider(Protocol):
    """Reads Secrets Manager secrets."""

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str | bytes:
        """The value of one secret (its current version unless a version id or stage is given)."""
        ...

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        """The current values of several secrets, and an error for each name that failed."""
        ...


@runtime_checkable
class ConfigurationProvider(Protocol):
    """Reads AWS AppConfig configuration profiles."""

    def get_configuration(self, application: str, environment: str, profile: str) -> bytes:
        """The current content of ``profile`` deployed to ``environment`` of ``application``."""
        ...

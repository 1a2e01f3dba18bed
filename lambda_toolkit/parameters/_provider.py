"""The provider protocols: where values come from, apart from how they are cached.

A provider fetches and nothing else: no cache, no transform. Values come back as ``str``
(a plain parameter), ``MaskedStr`` (a SecureString or a secret string) or ``MaskedBytes``
(a binary secret). Batch calls return what they read and, apart, an error per name that
failed, so one missing name does not hide the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from lambda_toolkit.parameters._errors import InvalidParameterNameError, ParameterError

__all__ = [
    "BatchResult",
    "ParameterProvider",
    "SecretProvider",
    "check_parameter_name",
    "check_path",
    "check_secret_name",
]

BatchResult = tuple[dict[str, "str | bytes"], dict[str, ParameterError]]

_MAX_NAME = 2048
# Parameter Store: letters, digits, . _ - / ; ':' for version/label selectors and ARNs.
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_.\-/:]+")
# Secrets Manager: letters, digits, / _ + = . @ - ; ':' and '!' appear in ARNs.
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@\-:!]+")


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


def _check(name: object, what: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(name, str):
        raise InvalidParameterNameError(f"{what} name must be a string, got {type(name).__name__}")
    if not name:
        raise InvalidParameterNameError(f"{what} name must not be empty")
    if len(name) > _MAX_NAME:
        raise InvalidParameterNameError(f"{what} name is longer than {_MAX_NAME} characters", name=name[:80])
    if not pattern.fullmatch(name):
        # The name is not a secret, but it may hold control characters: show its repr.
        raise InvalidParameterNameError(
            f"invalid {what} name {name!r}: it has characters AWS does not allow", name=name
        )
    return name


def check_parameter_name(name: object) -> str:
    """Return ``name`` if it can be a Parameter Store name, else raise ``InvalidParameterNameError``."""
    return _check(name, "parameter", _PARAMETER_NAME)


def check_secret_name(name: object) -> str:
    """Return ``name`` if it can be a Secrets Manager name or ARN, else raise ``InvalidParameterNameError``."""
    return _check(name, "secret", _SECRET_NAME)


def check_path(path: object) -> str:
    """Return ``path`` if it can be a parameter hierarchy path (starts with '/')."""
    checked = _check(path, "parameter path", _PARAMETER_NAME)
    if not checked.startswith("/"):
        raise InvalidParameterNameError(f"parameter path {checked!r} must start with '/'", name=checked)
    return checked

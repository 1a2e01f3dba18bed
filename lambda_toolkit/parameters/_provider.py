"""What every provider shares: the batch result shape and the checks of names.

Names are checked before any request, so a typo fails at once and clearly rather than as
a service's validation error. The protocols themselves live in ``_protocols`` (loaded
only when asked for: they need ``typing``).
"""

from __future__ import annotations

from lambda_toolkit.parameters._errors import InvalidParameterNameError, ParameterError

__all__ = ["BatchResult", "check_parameter_name", "check_path", "check_profile", "check_secret_name"]

BatchResult = tuple[dict[str, "str | bytes"], dict[str, ParameterError]]

_MAX_NAME = 2048
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
# Parameter Store: letters, digits, . _ - / ; ':' for version/label selectors and ARNs.
_PARAMETER_CHARS = _ALNUM | frozenset("_.-/:")
# Secrets Manager: letters, digits, / _ + = . @ - ; ':' and '!' appear in ARNs.
_SECRET_CHARS = _ALNUM | frozenset("/_+=.@-:!")
_MAX_IDENTIFIER = 128  # AppConfig's Identifier: a name or an id, 1 to 128 characters


def _check(name: object, what: str, allowed: frozenset[str]) -> str:
    if not isinstance(name, str):
        raise InvalidParameterNameError(f"{what} name must be a string, got {type(name).__name__}")
    if not name:
        raise InvalidParameterNameError(f"{what} name must not be empty")
    if len(name) > _MAX_NAME:
        raise InvalidParameterNameError(f"{what} name is longer than {_MAX_NAME} characters", name=name[:80])
    if not allowed.issuperset(name):
        # The name is not a secret, but it may hold control characters: show its repr.
        raise InvalidParameterNameError(
            f"invalid {what} name {name!r}: it has characters AWS does not allow", name=name
        )
    return name


def check_parameter_name(name: object) -> str:
    """Return ``name`` if it can be a Parameter Store name, else raise ``InvalidParameterNameError``."""
    return _check(name, "parameter", _PARAMETER_CHARS)


def check_secret_name(name: object) -> str:
    """Return ``name`` if it can be a Secrets Manager name or ARN, else raise ``InvalidParameterNameError``."""
    return _check(name, "secret", _SECRET_CHARS)


def check_path(path: object) -> str:
    """Return ``path`` if it can be a parameter hierarchy path (starts with '/')."""
    checked = _check(path, "parameter path", _PARAMETER_CHARS)
    if not checked.startswith("/"):
        raise InvalidParameterNameError(f"parameter path {checked!r} must start with '/'", name=checked)
    return checked


def check_profile(application: object, environment: object, profile: object) -> str:
    """The name of a profile in messages and errors (``application/environment/profile``);
    raises ``InvalidParameterNameError`` for an identifier AppConfig cannot take."""
    for what, value in (("application", application), ("environment", environment), ("profile", profile)):
        if not isinstance(value, str):
            raise InvalidParameterNameError(f"AppConfig {what} must be a string, got {type(value).__name__}")
        if not value or len(value) > _MAX_IDENTIFIER:
            raise InvalidParameterNameError(f"AppConfig {what} must have 1 to {_MAX_IDENTIFIER} characters")
        if not value.isprintable():
            raise InvalidParameterNameError(f"AppConfig {what} {value!r} has control characters", name=value)
    return f"{application}/{environment}/{profile}"

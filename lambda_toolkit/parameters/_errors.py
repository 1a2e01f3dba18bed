"""The errors of the parameters utility.

Every message names the parameter or secret and what went wrong, never its value: a
value is never formatted into an error, and errors raised while transforming a value are
raised outside the ``except`` block so the original exception (whose text may quote the
value) is not chained.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import LambdaToolkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "InvalidParameterNameError",
    "InvalidParameterValueError",
    "ParameterAccessDeniedError",
    "ParameterBatchError",
    "ParameterError",
    "ParameterExistsError",
    "ParameterFetchError",
    "ParameterNotFoundError",
    "ParameterThrottledError",
    "ParameterWriteError",
    "TransformError",
]


class ParameterError(LambdaToolkitError):
    """Root of the parameters utility's errors; ``name`` is the parameter or secret concerned."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class ParameterNotFoundError(ParameterError, LookupError):
    """The parameter or secret (or the version asked for) does not exist."""


class ParameterAccessDeniedError(ParameterError, PermissionError):
    """The function's role may not read the parameter or secret (or decrypt it)."""


class ParameterThrottledError(ParameterError):
    """The service kept throttling the requests after the SDK's retries."""


class ParameterFetchError(ParameterError):
    """The lookup failed for another reason (network, service error, unexpected answer)."""


class InvalidParameterNameError(ParameterError, ValueError):
    """The name cannot be a parameter or secret name (rejected before any request)."""


class InvalidParameterValueError(ParameterError, ValueError):
    """A value to write has a type the store cannot hold (rejected before any request)."""


class ParameterWriteError(ParameterError):
    """A write (``set_parameter``, ``set_secret``) failed (network, service error)."""


class ParameterExistsError(ParameterWriteError):
    """``set_parameter(..., overwrite=False)``: the parameter exists already."""


class TransformError(ParameterError, ValueError):
    """The value could not be transformed (invalid JSON, base64 or model); the value is not quoted."""


class ParameterBatchError(ParameterError):
    """Some lookups of a batch failed.

    ``failures`` maps each failed name to its error; ``values`` holds what was read.
    """

    def __init__(self, what: str, failures: Mapping[str, ParameterError], values: Mapping[str, Any]) -> None:
        total = len(failures) + len(values)
        details = ", ".join(f"{name} ({_reason(error)})" for name, error in failures.items())
        super().__init__(f"{len(failures)} of {total} {what} could not be read: {details}")
        self.failures: dict[str, ParameterError] = dict(failures)
        self.values: dict[str, Any] = dict(values)


def _reason(error: ParameterError) -> str:
    if isinstance(error, ParameterNotFoundError):
        return "not found"
    if isinstance(error, ParameterAccessDeniedError):
        return "access denied"
    if isinstance(error, ParameterThrottledError):
        return "throttled"
    if isinstance(error, TransformError):
        return "transform failed"
    if isinstance(error, InvalidParameterNameError):
        return "invalid name"
    return "fetch failed"

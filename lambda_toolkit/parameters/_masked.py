"""Secret values whose ``repr`` is masked.

``MaskedStr`` and ``MaskedBytes`` behave exactly as ``str`` and ``bytes`` (pass them to a
database driver, compare them, format them on purpose), but their ``repr`` never shows
the value, so a secret does not leak through a traceback's locals, a debugger, a logged
dict or a test failure report.
"""

from __future__ import annotations

from lambda_toolkit.core.secrets import SECRET_MASK, register_secret_type

__all__ = ["MASK", "MaskedBytes", "MaskedStr", "is_masked"]

MASK = SECRET_MASK


@register_secret_type
class MaskedStr(str):
    """A ``str`` holding a secret: equal to and usable as the value, masked in ``repr``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MaskedStr('{MASK}')"


@register_secret_type
class MaskedBytes(bytes):
    """A ``bytes`` holding a secret: equal to and usable as the value, masked in ``repr``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MaskedBytes(b'{MASK}')"


def is_masked(value: object) -> bool:
    """True when ``value`` is a masked secret string or bytes."""
    return isinstance(value, (MaskedStr, MaskedBytes))

"""Which values are secrets, for every utility that writes something out.

The parameters utility hands secrets out as ``MaskedStr``/``MaskedBytes``; logging,
tracing and metrics must recognise them without importing parameters (utilities never
import each other). So the secret types register themselves here, and writers ask
``is_secret``: one set look-up of the exact type, cheap enough for a logging hot path.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TypeVar

    _T = TypeVar("_T", bound=type)

__all__ = ["SECRET_MASK", "any_secret", "is_secret", "mask_secrets", "register_secret_type"]

SECRET_MASK = "**********"

_secret_types: set[type] = set()


def register_secret_type(kind: _T) -> _T:
    """Mark ``kind`` (a ``str`` or ``bytes`` subclass holding a secret) as never written in
    clear by the library; returns it, so it can decorate the class."""
    _secret_types.add(kind)
    return kind


def is_secret(value: object) -> bool:
    """True when ``value`` is of a registered secret type."""
    return type(value) in _secret_types


def any_secret(values: Iterable[object]) -> bool:
    """True when one of ``values`` (not looking inside them) is of a registered secret type:
    one C-level pass, for a hot path such as a log call's ``%`` arguments."""
    return not _secret_types.isdisjoint(map(type, values))


def mask_secrets(value: object, _depth: int = 0) -> object:
    """``value`` with every secret inside dicts, lists and tuples replaced by the mask.

    Containers without a secret come back as they are (no copy), so the common case costs
    one walk and no allocation. Nesting past 64 levels is left to the writer's own limits.
    """
    if type(value) in _secret_types:
        return SECRET_MASK
    if _depth > 64:
        return value
    if isinstance(value, dict):
        changed = False
        masked: dict[object, object] = {}
        for key, item in value.items():
            new = mask_secrets(item, _depth + 1)
            new_key = SECRET_MASK if type(key) in _secret_types else key
            changed = changed or new is not item or new_key is not key
            masked[new_key] = new
        return masked if changed else value
    if isinstance(value, (list, tuple)):
        items = [mask_secrets(item, _depth + 1) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return items if isinstance(value, list) else tuple(items)
        return value
    return value

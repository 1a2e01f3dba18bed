"""Read-only values: what the cache hands out cannot be changed by one caller for the next.

A cached value is shared by every lookup of the sandbox, so a caller that changed a JSON
secret in place (``db["password"] = ...``) would change it for every later invocation.
Dicts and lists (what the ``json`` transform builds) are frozen once, when the value is
cached, into ``ReadOnlyDict`` and ``ReadOnlyList``: subclasses of ``dict`` and ``list``
(``isinstance``, ``==``, ``json.dumps`` and ``**`` work unchanged) whose mutating methods
raise ``TypeError``. Handing them out costs nothing per lookup. ``copy.copy``,
``copy.deepcopy`` and pickling give plain, mutable ``dict`` and ``list`` values.

Anything else that may be mutable (a pydantic model, a set or object from a callable
transform) is deep-copied for each caller instead: the cache keeps the original.
"""

from __future__ import annotations

from lambda_toolkit.parameters._errors import ParameterError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

__all__ = ["ReadOnlyDict", "ReadOnlyList", "readonly"]

# Values of these types cannot change in place: shared as they are.
_IMMUTABLE = (str, bytes, int, float, complex, type(None))


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(
        f"a cached parameter value is read-only ({type(self).__name__}): "
        "take a mutable copy with copy.deepcopy(value) to change it"
    )


def _thaw(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_thaw(item) for item in value]
    return value


class ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A ``dict`` that refuses changes (``TypeError``); copies of it are plain dicts."""

    __slots__ = ()

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def copy(self) -> dict[Any, Any]:
        """A plain, mutable shallow copy."""
        return dict(self)

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return _thaw(self)  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return dict, (dict(self),)


class ReadOnlyList(list):  # type: ignore[type-arg]
    """A ``list`` that refuses changes (``TypeError``); copies of it are plain lists."""

    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def copy(self) -> list[Any]:
        """A plain, mutable shallow copy."""
        return list(self)

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return _thaw(self)  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return list, (list(self),)


class _OpaqueValueError(ParameterError):
    """Raised inside ``_freeze`` at the first value it cannot make read-only (``readonly``
    catches it; a ParameterError all the same, like everything the utility raises)."""


def _freeze(value: Any) -> Any:
    cls = type(value)
    if cls is dict or cls is ReadOnlyDict:
        return ReadOnlyDict({key: _freeze(item) for key, item in value.items()})
    if cls is list or cls is ReadOnlyList:
        return ReadOnlyList([_freeze(item) for item in value])
    if cls is tuple:
        return tuple(_freeze(item) for item in value)
    if isinstance(value, _IMMUTABLE) and not hasattr(value, "__dict__"):
        return value
    raise _OpaqueValueError(f"a {cls.__name__} cannot be made read-only")


def readonly(value: Any) -> tuple[Any, Callable[[Any], Any] | None]:
    """``value`` made safe to share, and the copy to make for each reader (None: share it)."""
    try:
        return _freeze(value), None
    except _OpaqueValueError:
        import copy

        return value, copy.deepcopy

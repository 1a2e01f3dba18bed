"""One way to check the numeric options of every utility.

Callables that the library calls synchronously (a hook, a transform, a key function) go
through ``check_sync_callable``: an ``async def`` there would hand back a coroutine that
nothing awaits, so it is refused when the option is set, by name.

Durations are seconds as a float everywhere (``_ms`` only where Lambda itself speaks
milliseconds); sizes are integers. NaN and infinity are refused: a NaN compares false to
everything, so a ``max_age=nan`` would pass a ``< 0`` check and then never expire (or
always), which no caller means. ``bool`` is not a number here, although Python makes it an
``int``. Errors name the option and the allowed range; the values checked are numbers
(never secrets), so the message may show them.
"""

from __future__ import annotations

import sys
from functools import partial
from math import inf, isfinite

from lambda_toolkit.core.errors import ConfigurationError

__all__ = [
    "check_count",
    "check_fraction",
    "check_milliseconds",
    "check_seconds",
    "check_sync_callable",
    "is_async_callable",
]

# The code flags of inspect (CO_COROUTINE, CO_ASYNC_GENERATOR): inspect costs milliseconds
# at cold start, and these checks run when a module sets its options up.
_ASYNC_FLAGS = 0x80 | 0x200


def _shown(value: object) -> str:
    # A number is shown as given; anything else only by its type (it could be anything).
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return f"a {type(value).__name__}"


def _duration(name: str, value: object, unit: str, allow_zero: bool, error: type[ConfigurationError]) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int past the range of a float: no finite duration
            number = inf
        if isfinite(number) and (number > 0 or (number == 0 and allow_zero)):
            return number
    bound = ">= 0" if allow_zero else "> 0"
    raise error(f"{name} must be a finite number of {unit} {bound}, got {_shown(value)}")


def check_seconds(
    name: str,
    value: object,
    *,
    allow_zero: bool = True,
    error: type[ConfigurationError] = ConfigurationError,
) -> float:
    """``value`` as a float number of seconds: finite, ``>= 0`` (``> 0`` without ``allow_zero``).

    ``name`` is how the caller sees the option (``"CachedStore max_age"``); ``error`` is
    the ConfigurationError subclass to raise (a utility's own).
    """
    return _duration(name, value, "seconds", allow_zero, error)


def check_milliseconds(
    name: str,
    value: object,
    *,
    allow_zero: bool = True,
    error: type[ConfigurationError] = ConfigurationError,
) -> float:
    """``value`` as a float number of milliseconds, checked as ``check_seconds`` checks
    seconds: for the ``_ms`` options, cut from the time Lambda reports in milliseconds."""
    return _duration(name, value, "milliseconds", allow_zero, error)


def check_count(
    name: str,
    value: object,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    error: type[ConfigurationError] = ConfigurationError,
) -> int:
    """``value`` as an integer ``>= minimum`` (and ``<= maximum`` when given); a float, even
    ``3.0``, is refused."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= minimum
        and (maximum is None or value <= maximum)
    ):
        return int(value)
    bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    raise error(f"{name} must be an integer {bound}, got {_shown(value)}")


def check_fraction(
    name: str,
    value: object,
    *,
    include_one: bool = False,
    error: type[ConfigurationError] = ConfigurationError,
) -> float:
    """``value`` as a float fraction in ``[0, 1)`` (a share of a duration, such as a jitter),
    or in ``[0, 1]`` with ``include_one`` (a probability, such as a sampling rate)."""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value >= 0.0
        and (value <= 1.0 if include_one else value < 1.0)
    ):
        return float(value)  # NaN fails the comparisons above
    bound = "[0, 1]" if include_one else "[0, 1)"
    raise error(f"{name} must be a fraction in {bound}, got {_shown(value)}")


def is_async_callable(fn: object) -> bool:
    """True for an ``async def`` function (or async generator function), a partial of one,
    or an object whose ``__call__`` is one."""
    while isinstance(fn, partial):
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is None and callable(fn):  # an object: its class's __call__
        code = getattr(type(fn).__call__, "__code__", None)
    if code is not None and code.co_flags & _ASYNC_FLAGS:
        return True
    # A sync function marked as a coroutine function: whoever marks one has imported inspect.
    inspect = sys.modules.get("inspect")
    return inspect is not None and bool(inspect.iscoroutinefunction(fn))


def check_sync_callable(name: str, value: object, *, error: type[ConfigurationError] = ConfigurationError) -> None:
    """Refuse an ``async def`` for an option the library calls synchronously (``name`` says
    which): its coroutine would never be awaited, and its result would be lost."""
    if is_async_callable(value):
        shown = getattr(value, "__qualname__", type(value).__name__)
        raise error(
            f"{name} is called synchronously and cannot be an async function ({shown} is async def): "
            "its coroutine would never be awaited; pass a plain function"
        )

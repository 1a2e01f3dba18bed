"""The shared option checks: finite non-negative seconds, integer counts, fractions."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_count, check_fraction, check_milliseconds, check_seconds


class OwnError(ConfigurationError):
    """A utility's own configuration error."""


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (0.0, 0.0), (3, 3.0), (2.5, 2.5), (10**6, 1e6)])
def test_seconds_are_floats(value: Any, expected: float) -> None:
    found = check_seconds("timeout", value)
    assert found == expected and type(found) is float


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1, -0.5, 10**400])
def test_seconds_must_be_finite_and_not_negative(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^CachedStore max_age must be a finite number of seconds >= 0, got "):
        check_seconds("CachedStore max_age", value)


def test_zero_seconds_can_be_refused() -> None:
    assert check_seconds("wait", 0) == 0.0
    with pytest.raises(ConfigurationError, match=r"expires_after must be a finite number of seconds > 0, got 0$"):
        check_seconds("expires_after", 0, allow_zero=False)
    assert check_seconds("expires_after", 0.001, allow_zero=False) == 0.001


@pytest.mark.parametrize("value", [True, False, "5", None, [1], b"1"])
def test_a_bool_or_anything_else_is_not_seconds_and_only_its_type_is_shown(value: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_seconds("max_age", value)
    assert str(caught.value).endswith(f"got a {type(value).__name__}")


def test_the_message_shows_the_number() -> None:
    with pytest.raises(ConfigurationError, match=r"got nan$"):
        check_seconds("max_age", math.nan)


def test_a_utility_raises_its_own_error_class() -> None:
    with pytest.raises(OwnError):
        check_seconds("x", -1, error=OwnError)
    with pytest.raises(OwnError):
        check_count("x", 0, error=OwnError)
    with pytest.raises(OwnError):
        check_fraction("x", 1, error=OwnError)


def test_counts_are_integers_from_the_minimum() -> None:
    assert check_count("max_entries", 1) == 1
    assert check_count("retries", 0, minimum=0) == 0
    with pytest.raises(ConfigurationError, match=r"^max_entries must be an integer >= 1, got 0$"):
        check_count("max_entries", 0)
    with pytest.raises(ConfigurationError, match=r"retries must be an integer >= 0, got -1$"):
        check_count("retries", -1, minimum=0)


@pytest.mark.parametrize("value", [True, 2.0, math.nan, math.inf, "3", None])
def test_a_count_is_never_a_bool_a_float_or_text(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_entries must be an integer >= 1"):
        check_count("max_entries", value)


def test_fractions_are_in_zero_to_one() -> None:
    assert check_fraction("jitter", 0) == 0.0
    assert check_fraction("jitter", 0.5) == 0.5
    for bad in (1, 1.0, -0.1, math.nan, math.inf, True, "0.1"):
        with pytest.raises(ConfigurationError, match=r"jitter must be a fraction in \[0, 1\)"):
            check_fraction("jitter", bad)


def test_a_count_can_have_a_maximum() -> None:
    assert check_count("port", 65535, maximum=65535) == 65535
    with pytest.raises(ConfigurationError, match=r"^port must be an integer in \[1, 65535\], got 65536$"):
        check_count("port", 65536, maximum=65535)


@pytest.mark.parametrize("value", [math.nan, math.inf, -1, -0.5, True, "500"])
def test_milliseconds_are_checked_like_seconds_and_say_their_unit(value: Any) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^timeout_guard: margin_ms must be a finite number of milliseconds >= 0"
    ):
        check_milliseconds("timeout_guard: margin_ms", value)
    assert check_milliseconds("margin_ms", 500) == 500.0
    assert type(check_milliseconds("margin_ms", 0)) is float


def test_a_fraction_can_include_one() -> None:
    assert check_fraction("sample_rate", 1, include_one=True) == 1.0
    for bad in (1.01, -0.1, math.nan, math.inf, True):
        with pytest.raises(ConfigurationError, match=r"^sample_rate must be a fraction in \[0, 1\], got "):
            check_fraction("sample_rate", bad, include_one=True)


# -- callables the library calls synchronously ----------------------------------------------


async def _coroutine_function(value: Any) -> Any:
    return value


async def _async_generator_function(value: Any) -> Any:
    yield value


class _AsyncCallable:
    async def __call__(self, value: Any) -> Any:
        return value


class _SyncCallable:
    def __call__(self, value: Any) -> Any:
        return value


@pytest.mark.parametrize(
    "value",
    [
        _coroutine_function,
        _async_generator_function,
        _AsyncCallable(),
        __import__("functools").partial(_coroutine_function),
    ],
    ids=["async def", "async generator", "async __call__", "partial"],
)
def test_an_async_callable_is_refused_where_it_would_be_called_synchronously(value: Any) -> None:
    from lambda_toolkit.core.options import check_sync_callable, is_async_callable

    assert is_async_callable(value)
    with pytest.raises(ConfigurationError, match=r"on_outcome is called synchronously and cannot be an async function"):
        check_sync_callable("on_outcome", value)


@pytest.mark.parametrize(
    "value", [lambda value: value, _SyncCallable(), len, str], ids=["lambda", "object", "builtin", "type"]
)
def test_sync_callables_pass(value: Any) -> None:
    from lambda_toolkit.core.options import check_sync_callable, is_async_callable

    assert not is_async_callable(value)
    check_sync_callable("on_outcome", value)


def test_the_refusal_uses_the_utilitys_own_error_class() -> None:
    from lambda_toolkit.core.options import check_sync_callable

    class OwnError(ConfigurationError):
        pass

    with pytest.raises(OwnError):
        check_sync_callable("transform", _coroutine_function, error=OwnError)

"""The TTL cache: freshness on a monotonic clock, jitter, stale-on-error window, bound, threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.parameters import clear_cache, configure_cache, get_parameter, get_secret
from lambda_toolkit.parameters._cache import MISSING, Entry, ParameterCache
from lambda_toolkit.testing import FakeClock

from .conftest import Aws, fail_calls


def test_a_value_is_fresh_for_max_age_then_gone() -> None:
    clock = FakeClock()
    cache = ParameterCache(jitter=0, clock=clock)
    cache.put("k", "v", 10)
    assert cache.fresh("k") == "v"
    clock.advance(seconds=9.9)
    assert cache.fresh("k") == "v"
    clock.advance(seconds=0.1)
    assert cache.fresh("k") is MISSING
    assert cache.stale("k") is MISSING


def test_max_age_zero_caches_nothing() -> None:
    cache = ParameterCache(clock=FakeClock())
    cache.put("k", "v", 0)
    assert cache.fresh("k") is MISSING
    assert len(cache) == 0


def test_a_caller_max_age_shorter_than_the_entry_wins() -> None:
    clock = FakeClock()
    cache = ParameterCache(jitter=0, clock=clock)
    cache.put("k", "v", 100)
    clock.advance(seconds=20)
    assert cache.fresh("k", 30) == "v"
    assert cache.fresh("k", 10) is MISSING


def test_jitter_shortens_freshness_by_up_to_its_share() -> None:
    clock = FakeClock()
    draws = iter([0.0, 0.5, 0.999])
    cache = ParameterCache(jitter=0.2, clock=clock, rand=lambda: next(draws))
    for key in ("none", "half", "most"):
        cache.put(key, key, 100)
    clock.advance(seconds=79.9)  # 100 * (1 - 0.2 * 0.999) is just above 80 s
    assert [cache.fresh(k) for k in ("none", "half", "most")] == ["none", "half", "most"]
    clock.advance(seconds=10.2)  # 90.1 s: past 100 * (1 - 0.2 * 0.5)
    assert [cache.fresh(k) for k in ("none", "half", "most")] == ["none", MISSING, MISSING]
    clock.advance(seconds=10)
    assert cache.fresh("none") is MISSING


def test_the_default_jitter_spreads_expiries_across_entries() -> None:
    clock = FakeClock()
    cache = ParameterCache(clock=clock)  # jitter 0.1 and a real random draw
    for number in range(50):
        cache.put(number, number, 100)
    expiries = {cache._index[number].fresh_until - clock() for number in range(50)}
    assert len(expiries) > 1
    assert all(90 <= expiry <= 100 for expiry in expiries)


def test_a_stale_value_is_kept_for_stale_on_error_seconds() -> None:
    clock = FakeClock()
    cache = ParameterCache(jitter=0, stale_on_error=30, clock=clock)
    cache.put("k", "v", 10)
    clock.advance(seconds=15)
    assert cache.fresh("k") is MISSING
    assert cache.stale("k") == "v"
    clock.advance(seconds=25)
    assert cache.stale("k") is MISSING


def test_the_cache_is_bounded_and_expired_entries_are_dropped() -> None:
    clock = FakeClock()
    cache = ParameterCache(max_entries=3, jitter=0, clock=clock)
    for number in range(5):
        cache.put(number, number, 100)
    assert len(cache) == 3
    assert [cache.fresh(n) for n in range(5)] == [MISSING, MISSING, 2, 3, 4]
    clock.advance(seconds=101)
    cache.put("new", "v", 100)  # writing sweeps what has expired
    assert len(cache) == 1


def test_replacing_discarding_and_clearing() -> None:
    clock = FakeClock()
    cache = ParameterCache(jitter=0, clock=clock)
    cache.put("k", "old", 10)
    cache.put("k", "new", 10)
    assert cache.fresh("k") == "new"
    assert len(cache) == 1
    cache.discard("k")
    cache.discard("never-there")
    assert cache.fresh("k") is MISSING
    cache.put("a", 1, 10)
    clock.advance(seconds=11)
    cache.discard("a")  # already expired in the store: still forgotten
    assert len(cache) == 0
    cache.put("b", 2, 10)
    cache.clear()
    assert cache.fresh("b") is MISSING
    assert "entries=0" in repr(cache)


def test_entries_never_show_their_value() -> None:
    entry = Entry("hunter2", 0.0, 1.0, 2.0)
    assert "hunter2" not in repr(entry)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_entries": 0}, r"max_entries must be an integer >= 1, got 0$"),
        ({"max_entries": True}, r"max_entries must be an integer >= 1, got a bool$"),
        ({"jitter": 1.0}, r"jitter must be a fraction in \[0, 1\), got 1.0$"),
        ({"jitter": -0.1}, r"jitter must be a fraction"),
        ({"jitter": float("nan")}, r"jitter must be a fraction in \[0, 1\), got nan$"),
        ({"jitter": "0.1"}, r"jitter must be a fraction in \[0, 1\), got a str$"),
        ({"stale_on_error": -1}, r"stale_on_error must be a finite number of seconds >= 0, got -1$"),
        ({"stale_on_error": float("nan")}, r"stale_on_error must be a finite number of seconds >= 0, got nan$"),
        ({"stale_on_error": float("inf")}, r"stale_on_error must be a finite number of seconds >= 0, got inf$"),
    ],
)
def test_invalid_settings_are_configuration_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ParameterCache(**options)


def test_threads_share_the_cache_safely() -> None:
    cache = ParameterCache(max_entries=64, clock=FakeClock())
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for number in range(2000):
                key = (offset + number) % 200
                if cache.fresh(key) is MISSING:
                    cache.put(key, key, 100)
                value = cache.fresh(key)
                assert value is MISSING or value == key
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n * 37,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 64
    assert len(cache._index) == len(cache._store or {})


# -- the shared cache, through the functions -----------------------------------------------------


def test_clear_cache_makes_the_next_lookup_fetch(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    counted.calls.clear()
    get_parameter("/app/a")
    get_parameter("/app/a")
    clear_cache()
    get_parameter("/app/a")
    assert counted.count() == 2


def test_force_fetch_skips_the_cache_and_refreshes_it(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    counted.calls.clear()
    get_parameter("/app/a")
    get_parameter("/app/a", force_fetch=True)
    get_parameter("/app/a")
    assert counted.count() == 2


def test_a_failed_fetch_is_not_cached_and_the_previous_value_is_kept(counted: Aws, clock: FakeClock) -> None:
    counted.secrets.create_secret(Name="prod/db", SecretString="good")
    counted.calls.clear()
    assert get_secret("prod/db", max_age=10) == "good"
    sends = fail_calls(counted.secrets, "GetSecretValue", "AccessDeniedException")
    from lambda_toolkit.parameters import ParameterAccessDeniedError

    with pytest.raises(ParameterAccessDeniedError):
        get_secret("prod/db", max_age=10, force_fetch=True)
    assert get_secret("prod/db", max_age=10) == "good"  # still the cached good value
    clock.advance(seconds=11)
    with pytest.raises(ParameterAccessDeniedError):  # stale_on_error is off by default
        get_secret("prod/db", max_age=10)
    assert sends["GetSecretValue"] == 2


def test_stale_on_error_covers_an_outage_but_not_a_deleted_secret(
    counted: Aws, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda seconds: None)
    configure_cache(stale_on_error=120)
    counted.secrets.create_secret(Name="prod/db", SecretString="good")
    counted.secrets.create_secret(Name="prod/old", SecretString="old")
    assert get_secret("prod/db", max_age=10) == "good"
    assert get_secret("prod/old", max_age=10) == "old"
    counted.secrets.delete_secret(SecretId="prod/old", ForceDeleteWithoutRecovery=True)
    fail_calls(counted.secrets, "GetSecretValue", "InternalServiceError", status=500)
    clock.advance(seconds=60)
    assert get_secret("prod/db", max_age=10) == "good"
    from lambda_toolkit.parameters import ParameterFetchError

    clock.advance(seconds=71)
    with pytest.raises(ParameterFetchError):
        get_secret("prod/db", max_age=10)


def test_stale_on_error_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.parameters import _api

    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_STALE_ON_ERROR", "45")
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_JITTER", "0.25")
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_CACHE_SIZE", "7")
    cache = _api._cache_from_environment()
    assert (cache.stale_on_error, cache.jitter, cache.max_entries) == (45.0, 0.25, 7)

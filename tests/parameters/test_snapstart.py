"""SnapStart: what a restore does to cached parameters and secrets.

Every sandbox restored from one snapshot shares what init cached, maybe days before, so
after a restore values older than ``restore_max_age`` (default 0: all) are fetched anew;
the ones kept keep what was left of their freshness, measured on the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambda_toolkit.core import snapstart
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.parameters import AutoProvider, SSMProvider, configure_cache, get_parameter, get_secret
from lambda_toolkit.parameters._api import _cache_from_environment
from lambda_toolkit.parameters._cache import MISSING, ParameterCache
from lambda_toolkit.testing import FakeClock, simulate_restore
from tests.parameters.conftest import Aws, free_port


@pytest.fixture(autouse=True)
def _default_restore_max_age(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(snapstart, "_disabled", False)
    monkeypatch.delenv("LAMBDA_TOOLKIT_SNAPSTART", raising=False)
    yield
    configure_cache(restore_max_age=0)  # configure_cache keeps what the next test does not set


class WallClock:
    """A wall clock (``time.time``) moved by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_restore_makes_every_cached_value_fetched_again(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    aws.secrets.create_secret(Name="prod/db", SecretString="hunter2")
    aws.watch(aws.ssm)
    aws.watch(aws.secrets)
    assert get_parameter("/app/table") == "orders"
    assert get_secret("prod/db") == "hunter2"
    get_parameter("/app/table")
    assert aws.count() == 2  # cached
    aws.secrets.put_secret_value(SecretId="prod/db", SecretString="rotated")
    simulate_restore()
    assert get_parameter("/app/table") == "orders"
    assert get_secret("prod/db") == "rotated"
    assert aws.count("GetParameter") == 2 and aws.count("GetSecretValue") == 2


def test_values_younger_than_restore_max_age_are_kept(aws: Aws) -> None:
    configure_cache(restore_max_age=3600)
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    aws.watch(aws.ssm)
    get_parameter("/app/table")
    simulate_restore()
    get_parameter("/app/table")
    assert aws.count("GetParameter") == 1


def test_without_the_hooks_the_snapshots_values_stay(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    aws.watch(aws.ssm)
    get_parameter("/app/table")
    snapstart.disable()
    simulate_restore()
    get_parameter("/app/table")
    assert aws.count("GetParameter") == 1


def test_the_cache_drops_entries_as_old_as_restore_max_age_measured_on_the_wall_clock() -> None:
    clock, wall = FakeClock(), WallClock()
    cache = ParameterCache(jitter=0, clock=clock, wall_clock=wall, restore_max_age=600)
    cache.put("old", "a", max_age=3600)
    wall.now += 500
    cache.put("young", "b", max_age=3600)
    wall.now += 200  # the snapshot was stored: the monotonic clock did not run
    assert cache.after_restore() == 1
    assert cache.fresh("old") is MISSING
    assert cache.fresh("young") == "b"
    assert len(cache) == 1


def test_a_kept_entry_keeps_only_what_was_left_of_its_freshness() -> None:
    clock, wall = FakeClock(), WallClock()
    cache = ParameterCache(jitter=0, clock=clock, wall_clock=wall, restore_max_age=3600)
    cache.put("key", "value", max_age=400)
    wall.now += 300  # 300 s in the snapshot, not seen by the monotonic clock
    clock.advance(seconds=1)
    cache.after_restore()
    clock.advance(seconds=99)
    assert cache.fresh("key") == "value"
    clock.advance(seconds=2)
    assert cache.fresh("key") is MISSING
    assert cache.fresh("key", max_age=10) is MISSING  # its age counts the snapshot's time too


def test_a_kept_entry_stays_a_stale_fallback_for_its_remaining_time() -> None:
    clock, wall = FakeClock(), WallClock()
    cache = ParameterCache(jitter=0, stale_on_error=100, clock=clock, wall_clock=wall, restore_max_age=3600)
    cache.put("key", "value", max_age=10)
    wall.now += 50  # fresh until 10, kept until 110: 60 s of fallback left
    cache.after_restore()
    assert cache.fresh("key") is MISSING
    clock.advance(seconds=59)
    assert cache.stale("key") == "value"
    clock.advance(seconds=2)
    assert cache.stale("key") is MISSING


def test_restore_max_age_zero_drops_everything_even_just_fetched() -> None:
    cache = ParameterCache(clock=FakeClock(), wall_clock=WallClock())
    cache.put("key", "value", max_age=60)
    assert cache.after_restore() == 1
    assert len(cache) == 0 and cache.fresh("key") is MISSING


def test_restore_max_age_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_RESTORE_MAX_AGE", "120")
    assert _cache_from_environment().restore_max_age == 120.0
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_RESTORE_MAX_AGE", "-1")
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_PARAMETERS_RESTORE_MAX_AGE"):
        _cache_from_environment()


def test_a_negative_restore_max_age_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="restore_max_age"):
        ParameterCache(restore_max_age=-5)


def test_a_restore_asks_the_extension_again(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(free_port()))  # nothing answers
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    clock = FakeClock()
    provider = AutoProvider(ssm=SSMProvider(aws.ssm), clock=clock, retry_after=60)
    assert provider.get_parameter("/app/table", decrypt=True) == "orders"  # through the SDK
    assert provider.uses_extension() is False  # not asked again for a minute
    simulate_restore()
    assert provider.uses_extension() is True

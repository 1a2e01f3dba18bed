"""Async lookups: provider calls off the event loop, one fetch for every concurrent caller."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.parameters import (
    BatchResult,
    MaskedStr,
    ParameterNotFoundError,
    Secret,
    aget_app_config,
    aget_parameter,
    aget_parameters,
    aget_parameters_by_name,
    aget_secret,
    aget_secrets,
    aset_parameter,
    aset_secret,
    get_parameter,
    with_parameters,
)
from lambda_toolkit.testing import FakeContext
from tests._ticking import Ticker, run_ticking

from .conftest import Aws


class SlowProvider:
    """A provider whose every fetch holds until ``release`` is set (or ``patience`` passed).

    It records what each fetch saw: the loop's ticks during it (0 when the fetch blocked
    the loop's own thread), its thread, and the invocation it ran for.
    """

    def __init__(self, *, ticker: Ticker | None = None, patience: float = 2.0) -> None:
        self.ticker = ticker
        self.release = threading.Event()
        self.entered = threading.Event()
        self.patience = patience
        self.fetches = 0
        self.ticks_during: list[int] = []
        self.threads: list[str] = []
        self.request_ids: list[str | None] = []
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def _hold(self, value: Any) -> Any:
        with self._lock:
            self.fetches += 1
        invocation = current_invocation()
        self.request_ids.append(None if invocation is None else invocation.request_id)
        self.threads.append(threading.current_thread().name)
        start = self.ticker.ticks if self.ticker else 0
        self.entered.set()
        if self.ticker is not None:
            waited = 0.0
            while self.ticker.ticks < start + 3 and waited < self.patience:
                threading.Event().wait(0.005)
                waited += 0.005
            self.ticks_during.append(self.ticker.ticks - start)
        else:
            self.release.wait(self.patience)
        if self.fail_with is not None:
            raise self.fail_with
        return value

    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        return self._hold(f"value of {name}")  # type: ignore[no-any-return]

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        return self._hold(({name: f"value of {name}" for name in names}, {}))  # type: ignore[no-any-return]

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        return self._hold({f"{path}/a": "1", f"{path}/b": "2"})  # type: ignore[no-any-return]

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str:
        return self._hold(MaskedStr(f"secret of {name}"))  # type: ignore[no-any-return]

    def get_secrets(self, names: Sequence[str]) -> BatchResult:
        return self._hold(({name: MaskedStr(f"secret of {name}") for name in names}, {}))  # type: ignore[no-any-return]

    def get_configuration(self, application: str, environment: str, profile: str) -> bytes:
        return self._hold(b'{"flag": true}')  # type: ignore[no-any-return]

    def put_parameter(self, name: str, value: str, **options: Any) -> int:
        return self._hold(1)  # type: ignore[no-any-return]

    def put_secret(self, name: str, value: Any, **options: Any) -> str:
        return self._hold("version-2")  # type: ignore[no-any-return]


def test_aget_parameter_fetches_off_the_loop_then_answers_from_the_cache() -> None:
    async def main(ticker: Ticker) -> list[Any]:
        provider = SlowProvider(ticker=ticker)
        values = [await aget_parameter("/app/table", provider=provider) for _ in range(3)]
        return [values, provider]

    values, provider = run_ticking(main)
    assert values == ["value of /app/table"] * 3
    assert provider.fetches == 1
    assert provider.ticks_during[0] >= 3  # the loop ran while the provider was called
    assert provider.threads[0].startswith("lambda-toolkit-io")


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        (lambda p: aget_secret("prod/db", provider=p), "secret of prod/db"),
        (lambda p: aget_parameters("/app", provider=p), {"a": "1", "b": "2"}),
        (lambda p: aget_parameters_by_name(["/x", "/y"], provider=p), {"/x": "value of /x", "/y": "value of /y"}),
        (lambda p: aget_secrets(["s1", "s2"], provider=p), {"s1": "secret of s1", "s2": "secret of s2"}),
        (lambda p: aget_app_config("app", "prod", "flags", transform="json", provider=p), {"flag": True}),
        (lambda p: aset_parameter("/app/new", "v", provider=p), 1),
        (lambda p: aset_secret("prod/db", {"user": "app"}, provider=p), "version-2"),
    ],
    ids=["secret", "path", "by_name", "secrets", "app_config", "set_parameter", "set_secret"],
)
def test_every_async_lookup_calls_its_provider_off_the_loop(
    lookup: Callable[[Any], Awaitable[Any]], expected: Any
) -> None:
    async def main(ticker: Ticker) -> list[Any]:
        provider = SlowProvider(ticker=ticker)
        first = await lookup(provider)
        return [first, provider]

    value, provider = run_ticking(main)
    assert value == expected
    assert provider.fetches == 1
    assert provider.ticks_during[0] >= 3


def test_async_batch_lookups_answer_from_the_cache_without_a_fetch() -> None:
    async def main(ticker: Ticker) -> Any:
        provider = SlowProvider(ticker=ticker)
        await aget_parameters_by_name(["/x", "/y"], provider=provider)
        await aget_secrets(["s1"], provider=provider)
        again = await aget_parameters_by_name(["/y", "/x"], provider=provider)
        secrets = await aget_secrets(["s1"], provider=provider)
        return again, secrets, provider.fetches

    again, secrets, fetches = run_ticking(main)
    assert again == {"/y": "value of /y", "/x": "value of /x"}
    assert secrets == {"s1": "secret of s1"}
    assert fetches == 2


def test_the_provider_runs_in_the_callers_invocation() -> None:
    provider = SlowProvider()
    provider.release.set()

    @with_parameters(secret=Secret("prod/db", provider=provider))
    async def handler(event: Any, context: Any, *, secret: str) -> str:
        return str(secret)

    assert asyncio.run(handler({}, FakeContext(aws_request_id="req-8"))) == "secret of prod/db"
    assert provider.request_ids == ["req-8"]
    assert provider.threads[0].startswith("lambda-toolkit-io")


def test_with_parameters_on_an_async_handler_does_not_block_the_loop() -> None:
    from lambda_toolkit.parameters import Parameter

    holder: dict[str, SlowProvider] = {}

    async def main(ticker: Ticker) -> Any:
        provider = holder["p"] = SlowProvider(ticker=ticker)

        @with_parameters(table=Parameter("/app/table", provider=provider), db=Secret("prod/db", provider=provider))
        async def handler(event: Any, context: Any, *, table: str, db: str) -> tuple[str, str]:
            return table, str(db)

        return await handler({}, FakeContext())

    assert run_ticking(main) == ("value of /app/table", "secret of prod/db")
    assert len(holder["p"].ticks_during) == 2 and min(holder["p"].ticks_during) >= 3


# -- single flight -----------------------------------------------------------------------------


def test_concurrent_async_callers_of_one_uncached_key_make_one_fetch() -> None:
    async def main(ticker: Ticker) -> Any:
        provider = SlowProvider()
        callers = [asyncio.ensure_future(aget_parameter("/app/key", provider=provider)) for _ in range(10)]
        await asyncio.sleep(0.05)  # every caller is waiting on the one fetch
        provider.release.set()
        return await asyncio.gather(*callers), provider.fetches

    values, fetches = run_ticking(main)
    assert values == ["value of /app/key"] * 10
    assert fetches == 1


def test_the_fetch_error_is_shared_by_the_waiting_coroutines() -> None:
    async def main(ticker: Ticker) -> Any:
        provider = SlowProvider()
        provider.fail_with = ParameterNotFoundError("parameter '/app/key' not found", name="/app/key")
        callers = [asyncio.ensure_future(aget_parameter("/app/key", provider=provider)) for _ in range(4)]
        await asyncio.sleep(0.05)
        provider.release.set()
        return await asyncio.gather(*callers, return_exceptions=True), provider.fetches

    outcomes, fetches = run_ticking(main)
    assert fetches == 1
    assert all(isinstance(outcome, ParameterNotFoundError) for outcome in outcomes)


def test_a_cancelled_leader_still_answers_the_coroutines_waiting_on_its_fetch() -> None:
    async def main(ticker: Ticker) -> Any:
        provider = SlowProvider()
        leader = asyncio.ensure_future(aget_parameter("/app/key", provider=provider))
        await asyncio.sleep(0.02)
        follower = asyncio.ensure_future(aget_parameter("/app/key", provider=provider))
        await asyncio.sleep(0.02)
        leader.cancel()
        await asyncio.sleep(0.02)
        provider.release.set()
        with pytest.raises(asyncio.CancelledError):
            await leader
        return await follower, provider.fetches

    assert run_ticking(main) == ("value of /app/key", 1)


def test_threads_wait_on_an_async_leaders_fetch() -> None:
    provider = SlowProvider()

    async def main(ticker: Ticker) -> Any:
        leader = asyncio.ensure_future(aget_parameter("/app/key", provider=provider))
        await asyncio.to_thread(provider.entered.wait, 2.0)
        with ThreadPoolExecutor(3) as pool:
            threads = [pool.submit(get_parameter, "/app/key", provider=provider) for _ in range(3)]
            await asyncio.sleep(0.05)  # the threads are waiting on the fetch in flight
            provider.release.set()
            return [await leader, *[thread.result() for thread in threads]]

    assert run_ticking(main) == ["value of /app/key"] * 4
    assert provider.fetches == 1


def test_coroutines_wait_on_a_threads_fetch_without_blocking_the_loop() -> None:
    provider = SlowProvider()

    async def main(ticker: Ticker) -> Any:
        with ThreadPoolExecutor(1) as pool:
            thread = pool.submit(get_parameter, "/app/key", provider=provider)
            await asyncio.to_thread(provider.entered.wait, 2.0)
            callers = [asyncio.ensure_future(aget_parameter("/app/key", provider=provider)) for _ in range(5)]
            await asyncio.sleep(0.02)
            ticks = ticker.ticks
            await asyncio.sleep(0.02)
            assert ticker.ticks > ticks  # the waiting coroutines hold no thread and no loop
            provider.release.set()
            return [thread.result(), *await asyncio.gather(*callers)]

    assert run_ticking(main) == ["value of /app/key"] * 6
    assert provider.fetches == 1


def test_an_interrupted_fetch_is_not_shared_the_waiting_coroutines_fetch_again() -> None:
    class FailingOnce(SlowProvider):
        def get_parameter(self, name: str, *, decrypt: bool) -> str:
            if self.fetches == 0:
                self.fetches += 1
                self.release.wait(2.0)
                raise InvocationTimeout("stop", remaining_ms=100)  # not a ParameterError: not shared
            return super().get_parameter(name, decrypt=decrypt)

    async def main(ticker: Ticker) -> Any:
        provider = FailingOnce()
        callers = [asyncio.ensure_future(aget_parameter("/app/key", provider=provider)) for _ in range(3)]
        await asyncio.sleep(0.05)
        provider.release.set()
        return await asyncio.gather(*callers, return_exceptions=True), provider.fetches

    outcomes, fetches = run_ticking(main)
    assert sum(isinstance(outcome, InvocationTimeout) for outcome in outcomes) == 1  # the leader only
    assert outcomes.count("value of /app/key") == 2
    assert fetches == 2


# -- against moto ------------------------------------------------------------------------------


def test_aget_secret_and_aget_parameter_read_aws(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    counted.secrets.create_secret(Name="prod/db", SecretString='{"user": "app"}')
    counted.calls.clear()

    async def main(ticker: Ticker) -> Any:
        table, db = await asyncio.gather(aget_parameter("/app/table"), aget_secret("prod/db", transform="json"))
        again = await aget_parameter("/app/table")
        return table, db, again

    assert run_ticking(main) == ("orders", {"user": "app"}, "orders")
    assert counted.calls == {"GetParameter": 1, "GetSecretValue": 1}


def test_async_lookups_check_their_options_before_any_fetch() -> None:
    provider = SlowProvider()
    with pytest.raises(ConfigurationError):
        asyncio.run(aget_parameter("/app/key", provider=provider, transform="yaml"))
    assert provider.fetches == 0


async def async_transform(value: Any) -> Any:
    return value


def test_an_async_transform_is_refused_before_any_fetch() -> None:
    # A transform is called synchronously: an async one would cache a coroutine as the value.
    provider = SlowProvider()
    provider.release.set()
    with pytest.raises(ConfigurationError, match=r"transform is called synchronously and cannot be an async function"):
        get_parameter("/app/key", provider=provider, transform=async_transform)
    with pytest.raises(ConfigurationError, match=r"transform is called synchronously"):
        asyncio.run(aget_parameter("/app/key", provider=provider, transform=async_transform))
    with pytest.raises(ConfigurationError, match=r"transform is called synchronously"):
        with_parameters(table=Secret("prod/db", transform=async_transform))
    assert provider.fetches == 0


def test_aget_app_config_names_a_provider_that_cannot_read_appconfig() -> None:
    class ParametersOnly:
        def get_parameter(self, name: str, *, decrypt: bool) -> str:
            return "value"

    with pytest.raises(ConfigurationError, match=r"the provider ParametersOnly cannot read AppConfig"):
        asyncio.run(aget_app_config("app", "prod", "flags", provider=ParametersOnly()))  # type: ignore[arg-type]


def test_a_fetch_outliving_its_event_loop_still_ends_its_flight() -> None:
    # asyncio.run() ends (its loop closed) while the cancelled leader's fetch is still out:
    # the fetch must still share its value and leave the flight, or every later caller of
    # the key would wait for it forever.
    provider = SlowProvider()

    async def main() -> None:
        leader = asyncio.ensure_future(aget_parameter("/app/key", provider=provider))
        await asyncio.to_thread(provider.entered.wait, 2.0)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader

    asyncio.run(main())
    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(get_parameter, "/app/key", provider=provider)
        provider.release.set()
        assert later.result(timeout=10) == "value of /app/key"
    assert provider.fetches == 1

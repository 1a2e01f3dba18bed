"""Single flight: threads that miss one key at the same time share one fetch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambda_toolkit.core.errors import InvocationTimeout
from lambda_toolkit.parameters import BatchResult, ParameterFetchError, get_parameter

THREADS = 6


class Gate:
    """A provider whose fetches wait until every caller has started one, or a second has passed.

    Without single flight every thread reaches the provider and they all go through at
    once; with it only one fetch runs, waits out the second and answers for all.
    """

    def __init__(self, answer: Callable[[int], str]) -> None:
        self.answer = answer
        self.fetches = 0
        self._lock = threading.Lock()
        self._all_in = threading.Event()

    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        with self._lock:
            self.fetches += 1
            number = self.fetches
            if number >= THREADS:
                self._all_in.set()
        self._all_in.wait(1.0)
        return self.answer(number)

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        raise AssertionError("not used")

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        raise AssertionError("not used")


def _race(call: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def one() -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _: one(), range(THREADS)))


def test_concurrent_misses_of_one_key_make_one_fetch() -> None:
    provider = Gate(lambda number: f"v{number}")
    results = _race(lambda: get_parameter("/app/key", provider=provider))
    assert provider.fetches == 1
    assert results == ["v1"] * THREADS


def test_the_fetch_error_is_shared_and_each_thread_raises_its_own_copy() -> None:
    def fail(number: int) -> str:
        raise ParameterFetchError("'/app/key': the service failed", name="/app/key")

    provider = Gate(fail)
    results = _race(lambda: get_parameter("/app/key", provider=provider))
    assert provider.fetches == 1
    assert all(isinstance(result, ParameterFetchError) for result in results)
    assert len({id(result) for result in results}) == THREADS
    assert {str(result) for result in results} == {"'/app/key': the service failed"}


def test_an_interrupted_fetch_is_not_shared_the_waiting_threads_fetch_again() -> None:
    def interrupted_first(number: int) -> str:
        if number == 1:
            raise InvocationTimeout("stop", remaining_ms=100)
        return "value"

    provider = Gate(interrupted_first)
    results = _race(lambda: get_parameter("/app/key", provider=provider))
    assert sum(isinstance(result, InvocationTimeout) for result in results) == 1  # only the interrupted thread
    assert results.count("value") == THREADS - 1
    assert provider.fetches == 2  # one of the waiting threads fetched for the others


def test_a_caller_whose_flight_starts_after_another_flight_filled_the_cache_takes_that_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The late caller misses the cache, then is held between its miss and its flight until
    # another caller's whole fetch has ended and cached the value.
    from lambda_toolkit.parameters._transforms import check_transform as real_check

    provider = Gate(lambda number: f"v{number}")
    provider._all_in.set()  # no waiting for other callers here
    missed, first_done = threading.Event(), threading.Event()

    def held_check(transform: Any) -> None:
        real_check(transform)
        if threading.current_thread().name == "late":
            missed.set()
            first_done.wait(2.0)

    monkeypatch.setattr("lambda_toolkit.parameters._api.check_transform", held_check)
    late_result: list[Any] = []
    late = threading.Thread(
        target=lambda: late_result.append(get_parameter("/app/key", provider=provider)), name="late"
    )
    late.start()
    assert missed.wait(2.0)
    assert get_parameter("/app/key", provider=provider) == "v1"
    first_done.set()
    late.join(2.0)
    assert late_result == ["v1"]
    assert provider.fetches == 1


def test_force_fetch_fetches_even_when_the_cache_is_fresh() -> None:
    provider = Gate(lambda number: f"v{number}")
    provider._all_in.set()
    assert get_parameter("/app/key", provider=provider) == "v1"
    assert get_parameter("/app/key", provider=provider, force_fetch=True) == "v2"
    assert provider.fetches == 2


def test_different_keys_do_not_wait_for_each_other() -> None:
    provider = Gate(lambda number: "value")
    names = [f"/app/key{index}" for index in range(THREADS)]
    index = iter(range(THREADS))
    lock = threading.Lock()

    def next_name() -> str:
        with lock:
            return names[next(index)]

    results = _race(lambda: get_parameter(next_name(), provider=provider))
    assert results == ["value"] * THREADS
    assert provider.fetches == THREADS


@pytest.mark.parametrize("copied", [False, True])
def test_each_waiting_thread_gets_its_own_copy_of_a_mutable_value(copied: bool) -> None:
    provider = Gate(lambda number: '{"a": [1]}')
    transform: Any = (lambda value: set(value)) if copied else "json"
    results = _race(lambda: get_parameter("/app/key", provider=provider, transform=transform))
    assert provider.fetches == 1
    if copied:  # a set cannot be frozen: every caller has its own copy
        assert len({id(result) for result in results}) == THREADS
    else:  # frozen JSON is shared
        assert len({id(result) for result in results}) == 1

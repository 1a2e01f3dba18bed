"""The current batch record: its own correlation id, isolation per thread and task, and
the invocation's view of the records in flight."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from lambda_toolkit.core import (
    Middleware,
    RecordInFlight,
    current_invocation,
    current_record,
    get_correlation_id,
    middleware,
    set_correlation_id,
)
from lambda_toolkit.core.state import begin_record, end_record
from lambda_toolkit.testing import FakeContext


@middleware
def layer() -> Middleware:
    return Middleware("layer")


def test_outside_a_record_there_is_none() -> None:
    assert current_record() is None


def test_a_record_with_its_own_id_overrides_the_invocations_correlation_id() -> None:
    @layer
    def handler(event: Any, context: Any) -> list[str | None]:
        set_correlation_id("invocation-id")
        seen = [get_correlation_id()]
        token = begin_record(RecordInFlight(0, "m-1", "record-id"))
        seen.append(get_correlation_id())
        end_record(token)
        seen.append(get_correlation_id())
        return seen

    assert handler({}, FakeContext()) == ["invocation-id", "record-id", "invocation-id"]


def test_a_record_without_its_own_id_keeps_the_invocations() -> None:
    @layer
    def handler(event: Any, context: Any) -> str | None:
        set_correlation_id("invocation-id")
        token = begin_record(RecordInFlight(3, "m-4"))
        try:
            return get_correlation_id()
        finally:
            end_record(token)

    assert handler({}, FakeContext()) == "invocation-id"


def test_records_in_flight_lists_the_current_records_until_they_end() -> None:
    @layer
    def handler(event: Any, context: Any) -> list[list[int]]:
        invocation = current_invocation()
        assert invocation is not None
        first = begin_record(RecordInFlight(0, "a"))
        seen = [sorted(invocation.records_in_flight)]
        end_record(first)
        seen.append(sorted(invocation.records_in_flight))
        return seen

    assert handler({}, FakeContext()) == [[0], []]


def test_records_in_threads_do_not_see_each_other() -> None:
    barrier = threading.Barrier(4)
    seen: dict[int, str | None] = {}

    def work(index: int) -> None:
        token = begin_record(RecordInFlight(index, f"m-{index}", f"c-{index}"))
        barrier.wait()
        seen[index] = get_correlation_id()
        end_record(token)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {n: f"c-{n}" for n in range(4)}


def test_records_in_asyncio_tasks_do_not_see_each_other() -> None:
    async def work(index: int) -> str | None:
        token = begin_record(RecordInFlight(index, f"m-{index}", f"c-{index}"))
        await asyncio.sleep(0)
        try:
            return get_correlation_id()
        finally:
            end_record(token)

    async def main() -> list[str | None]:
        return await asyncio.gather(*(work(n) for n in range(5)))

    assert asyncio.run(main()) == [f"c-{n}" for n in range(5)]


def test_a_record_repr_names_position_and_id_only() -> None:
    assert repr(RecordInFlight(2, "m-3", "secret-ish")) == "RecordInFlight(index=2, record_id='m-3')"


def test_setting_the_correlation_id_while_a_record_runs_sets_the_records_only() -> None:
    @layer
    def handler(event: Any, context: Any) -> list[str | None]:
        set_correlation_id("invocation-id")
        token = begin_record(RecordInFlight(0, "m-1", "record-id"))
        set_correlation_id("set-in-the-record")
        seen = [get_correlation_id()]
        end_record(token)
        seen.append(get_correlation_id())
        return seen

    assert handler({}, FakeContext()) == ["set-in-the-record", "invocation-id"]

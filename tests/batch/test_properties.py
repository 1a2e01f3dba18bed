"""Property tests: for random batches, failures, sources and modes, nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_toolkit.batch import BatchOutcome, BatchProcessingError, process_batch

from . import _events

SOURCES = ["sqs", "sqs-fifo", "kinesis-stream", "dynamodb-stream", "kafka"]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(SOURCES))
    count = draw(st.integers(min_value=1, max_value=25))
    keys = draw(st.lists(st.sampled_from(["0", "1", "2"]), min_size=count, max_size=count))
    failing = draw(st.sets(st.integers(min_value=0, max_value=count - 1)))
    mode = draw(st.sampled_from(["sequential", "threads", "async"]))
    return {
        "source": source,
        "count": count,
        "keys": keys,
        "failing": failing,
        "mode": mode,
        "concurrency": 1 if mode == "sequential" else draw(st.integers(min_value=2, max_value=4)),
        "stop_on_first_failure": draw(st.booleans()),
        "fifo_stop": draw(st.sampled_from(["batch", "group"])),
        "all_failed": draw(st.sampled_from(["raise", "report"])),
    }


def _event(scenario: dict[str, Any]) -> dict[str, Any]:
    source, count, keys = scenario["source"], scenario["count"], scenario["keys"]
    if source == "sqs-fifo":
        return _events.sqs(count, fifo=True, groups=keys)
    return _events.make(source, count, keys=keys)


def _run(scenario: dict[str, Any]) -> tuple[BatchOutcome, list[int], list[dict[str, Any]]]:
    source = "sqs" if scenario["source"] == "sqs-fifo" else scenario["source"]
    event = _event(scenario)
    records = _events.raw_records(source, event)
    calls: list[int] = []
    lock = threading.Lock()

    def call(record: Any) -> int:
        n = _events.payload_n(source, record)
        with lock:
            calls.append(n)
        if n in scenario["failing"]:
            raise ValueError(f"record {n}")
        return n

    async def call_async(record: Any) -> int:
        await asyncio.sleep(0)
        return call(record)

    try:
        outcome = process_batch(
            event,
            call_async if scenario["mode"] == "async" else call,
            source=source,  # type: ignore[arg-type]
            concurrency=scenario["concurrency"],
            stop_on_first_failure=scenario["stop_on_first_failure"],
            fifo_stop=scenario["fifo_stop"],
            all_failed=scenario["all_failed"],
        )
    except BatchProcessingError as error:
        assert scenario["all_failed"] == "raise"
        outcome = error.outcome
        assert outcome.all_failed
    # records in batch order: their payload n (DynamoDB and Kafka regroup them)
    order = [_events.payload_n(source, _typed(source, record)) for record in records]
    return outcome, calls, [{"n": n, "record": record} for n, record in zip(order, records, strict=True)]


def _typed(source: str, record: dict[str, Any]) -> Any:
    from lambda_toolkit.batch._records import record_converter

    return record_converter(source)(record)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_record_is_either_reported_failed_or_processed_successfully_exactly_once(
    scenario: dict[str, Any],
) -> None:
    source = "sqs" if scenario["source"] == "sqs-fifo" else scenario["source"]
    outcome, calls, batch_order = _run(scenario)
    reported = [_events.failures(outcome.response)]
    assert reported[0] == [f.item_id for f in outcome.failures]
    reported_n = {batch_order[f.index]["n"] for f in outcome.failures}
    succeeded_n = {batch_order[s.index]["n"] for s in outcome.successes}

    assert len(calls) == len(set(calls))  # nothing runs twice
    assert reported_n | succeeded_n == set(range(scenario["count"]))  # nothing is lost
    assert not reported_n & succeeded_n  # nothing is both
    assert succeeded_n == set(calls) - scenario["failing"]  # a success is a record that ran and did not raise
    assert reported_n >= set(calls) & scenario["failing"]  # every record that raised is reported
    # the response names each failed record once, in batch order
    ids = [_events.item_id(source, item["record"]) for item in batch_order]
    assert reported[0] == [ids[i] for i in sorted(f.index for f in outcome.failures)]
    for failure in outcome.failures:
        ran = batch_order[failure.index]["n"] in calls
        assert failure.reason == ("error" if ran else "skipped")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_order_rules_hold(scenario: dict[str, Any]) -> None:
    outcome, calls, batch_order = _run(scenario)
    source, keys = scenario["source"], scenario["keys"]
    failing = scenario["failing"]
    reported = {batch_order[f.index]["n"] for f in outcome.failures}
    positions = {item["n"]: index for index, item in enumerate(batch_order)}

    # records sharing an ordering key start in batch order
    if source != "sqs":
        for key in set(keys):
            started = [n for n in calls if keys[n] == key]
            assert started == sorted(started, key=positions.__getitem__)

    stops = source == "sqs-fifo" or scenario["stop_on_first_failure"]
    if not stops:
        # nothing is skipped: exactly the failing records are reported
        assert sorted(calls) == list(range(scenario["count"]))
        assert reported == failing
        return

    if source == "sqs-fifo" or source == "kafka":
        # within a message group (FIFO) or a partition (Kafka), the reported records are a
        # suffix: nothing after a failure was processed
        per_key_scope = source == "kafka" or scenario["fifo_stop"] == "group"
        for key in set(keys):
            members = sorted((n for n in range(scenario["count"]) if keys[n] == key), key=positions.__getitem__)
            flags = [n in reported for n in members]
            assert flags == sorted(flags)
            if per_key_scope:
                first_failure = next((n for n in members if n in failing), None)
                expected = set() if first_failure is None else set(members[members.index(first_failure) :])
                assert {n for n in members if n in reported} == expected

    if scenario["mode"] == "sequential" and not (
        source == "kafka" or (scenario["fifo_stop"] == "group" and source == "sqs-fifo")
    ):
        # one checkpoint for the whole batch: the first failure and everything after it
        in_order = [item["n"] for item in batch_order]
        first = next((i for i, n in enumerate(in_order) if n in failing), None)
        assert reported == (set() if first is None else set(in_order[first:]))

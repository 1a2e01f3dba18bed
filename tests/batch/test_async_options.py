"""An async function where batch can only call a sync one is refused at set-up, by name."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_toolkit.batch import batch, process_batch, process_batch_async
from lambda_toolkit.core.errors import ConfigurationError

from . import _events


async def handle(record: Any) -> None:
    return None


def sync_handle(record: Any) -> None:
    return None


async def report(outcome: Any) -> None:
    return None


def test_processes_refuse_an_async_record_function_in_every_entry_point() -> None:
    message = "processes= runs CPU-bound sync record functions; an async def record function takes concurrency="
    with pytest.raises(ConfigurationError, match=message):
        batch("sqs", processes=2)(handle)
    with pytest.raises(ConfigurationError, match=message):
        process_batch(_events.sqs(1), handle, source="sqs", processes=2)
    with pytest.raises(ConfigurationError, match=message):
        asyncio.run(process_batch_async(_events.sqs(1), handle, source="sqs", processes=2))


def test_an_async_on_outcome_is_refused_when_the_decorator_is_set_up() -> None:
    # on_outcome is called synchronously: an async one would never run, silently.
    with pytest.raises(ConfigurationError, match=r"batch: on_outcome is called synchronously .*report is async def"):
        batch("sqs", on_outcome=report)
    with pytest.raises(ConfigurationError, match=r"process_batch: on_outcome is called synchronously"):
        process_batch(_events.sqs(1), sync_handle, source="sqs", on_outcome=report)
    with pytest.raises(ConfigurationError, match=r"process_batch_async: on_outcome is called synchronously"):
        asyncio.run(process_batch_async(_events.sqs(1), handle, source="sqs", on_outcome=report))


def test_process_batch_async_refuses_a_sync_record_function() -> None:
    with pytest.raises(ConfigurationError, match="process_batch_async: record_handler must be an async function"):
        asyncio.run(process_batch_async(_events.sqs(1), sync_handle, source="sqs"))  # type: ignore[arg-type]


async def stream(record: Any) -> Any:
    yield record


def test_an_async_generator_record_function_is_refused_by_name() -> None:
    # Calling one only makes an async generator object: every record would count as done
    # without any of its code having run.
    message = r"the record function .*stream is an async generator function"
    with pytest.raises(ConfigurationError, match=rf"batch: {message}"):
        batch("sqs")(stream)
    with pytest.raises(ConfigurationError, match=rf"process_batch: {message}"):
        process_batch(_events.sqs(1), stream, source="sqs")
    with pytest.raises(ConfigurationError, match=rf"process_batch_async: {message}"):
        asyncio.run(process_batch_async(_events.sqs(1), stream, source="sqs"))

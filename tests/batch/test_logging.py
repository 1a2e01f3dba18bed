"""What the batch utility logs: one WARNING per failed record (id, index, reason, exception
type) and one summary per batch, through the stdlib logger ``lambda_toolkit.batch``;
never a payload, never an exception's message."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_toolkit.batch import batch
from lambda_toolkit.core import InvocationTimeout
from lambda_toolkit.testing import FakeContext

from . import _events

SECRET = "4111-1111-1111-1111"


def _read(record: Any, model: Any) -> int:
    if model is None:
        return int(record.json_body()["n"])
    return int(record["n"])


# every runner: the typed sequential loop, the general one (a model), threads, asyncio
RUNNERS = ["sequential", "sequential-model", "threads", "asyncio"]


def _handler(runner: str, process: Any, **options: Any) -> Any:
    model = dict if runner == "sequential-model" else None
    if runner == "threads":
        options["concurrency"] = 2
    if runner == "asyncio":

        async def record_function(record: Any) -> None:
            process(_read(record, model))

        return batch("sqs", all_failed="report", **options)(record_function)

    def sync_record_function(record: Any) -> None:
        process(_read(record, model))

    return batch("sqs", model=model, all_failed="report", **options)(sync_record_function)


def _batch_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "lambda_toolkit.batch"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_failed_record_is_a_warning_naming_its_id_index_and_exception_type_only(
    caplog: pytest.LogCaptureFixture, runner: str
) -> None:
    caplog.set_level(logging.INFO, logger="lambda_toolkit.batch")

    def process(n: int) -> None:
        if n in (1, 3):
            raise ValueError(f"card {SECRET} declined for order {n}")

    handler = _handler(runner, process)
    handler(_events.sqs(4), FakeContext(timeout_ms=60_000))
    lines = _batch_lines(caplog)
    assert ("WARNING", "sqs record m1 (index 1) failed (error): ValueError") in lines
    assert ("WARNING", "sqs record m3 (index 3) failed (error): ValueError") in lines
    assert ("INFO", "sqs batch: 2 of 4 records failed (error: 2)") in lines
    assert SECRET not in caplog.text and "declined" not in caplog.text
    assert '"n"' not in caplog.text


def test_an_invalid_record_is_logged_like_any_failed_record_without_its_field_paths(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pydantic import BaseModel

    class Order(BaseModel):
        quantities: dict[str, int]

    event = _events.sqs(2)
    event["Records"][0]["body"] = '{"quantities": {}}'
    # a key of the payload is part of the error's field path: it stays out of the log
    event["Records"][1]["body"] = '{"quantities": {"jane@example.com": "many"}}'
    received: list[Any] = []
    batch("sqs", model=Order)(received.append)(event, FakeContext())
    assert ("WARNING", "sqs record m1 (index 1) failed (invalid): RecordValidationError") in _batch_lines(caplog)
    assert "jane@example.com" not in caplog.text


def test_an_interrupted_batch_warns_once_with_the_reasons(caplog: pytest.LogCaptureFixture) -> None:
    def process(n: int) -> None:
        if n == 1:
            raise InvocationTimeout(f"{SECRET}")

    _handler("sequential", process)(_events.sqs(4), FakeContext(timeout_ms=60_000))
    lines = _batch_lines(caplog)
    assert lines == [
        ("WARNING", "sqs record m1 (index 1) failed (interrupted): InvocationTimeout"),
        ("WARNING", "sqs batch stopped before its deadline: 3 of 4 records failed (interrupted: 1, deadline: 2)"),
    ]
    assert SECRET not in caplog.text


def test_a_kafka_record_is_named_by_its_partition_and_offset(caplog: pytest.LogCaptureFixture) -> None:
    def fail(record: Any) -> None:
        raise KeyError(SECRET)

    batch("kafka", all_failed="report")(fail)(_events.kafka(1), FakeContext())
    ((_, line),) = [entry for entry in _batch_lines(caplog) if entry[0] == "WARNING"]
    assert line.startswith("kafka record ") and line.endswith(" (index 0) failed (error): KeyError")
    assert "offset" in line and SECRET not in caplog.text


def test_a_failed_record_line_carries_its_fields_and_honours_the_log_record_factory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="lambda_toolkit.batch")
    default = logging.getLogRecordFactory()

    def tagged(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = default(*args, **kwargs)
        record.tag = "from-the-factory"
        return record

    logging.setLogRecordFactory(tagged)
    try:
        handler = batch("sqs")(lambda record: int(record.json_body()["n"]) // 0)
        with pytest.raises(Exception, match="all 1 records failed"):
            handler(_events.sqs(1), FakeContext(timeout_ms=60_000))
    finally:
        logging.setLogRecordFactory(default)
    (line,) = [r for r in caplog.records if r.name == "lambda_toolkit.batch" and r.levelno == logging.WARNING]
    assert (line.batch_item_index, line.batch_failure, line.batch_error) == (0, "error", "ZeroDivisionError")  # type: ignore[attr-defined]
    assert line.tag == "from-the-factory"  # type: ignore[attr-defined]
    assert line.funcName == "log_failure" and line.pathname.endswith("_processor.py")

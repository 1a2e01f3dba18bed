"""Routing stdlib ``logging`` records into the service's JSON lines, each written once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.logging._stdlib import ToolkitHandler
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


@pytest.fixture(autouse=True)
def _restore_stdlib_loggers() -> Iterator[None]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    names = ["botocore", "urllib3", "app.module"]
    saved = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate) for name in names}
    yield
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(logging.NOTSET)


def test_a_captured_library_logger_writes_json_lines(out: Capture) -> None:
    log = Logger(service="std", stream=out)
    log.capture_stdlib("botocore", level="INFO")
    logging.getLogger("botocore.credentials").info("found %s credentials", "env", extra={"attempt": 1})
    line = out.last()
    assert line["message"] == "found env credentials"
    assert line["logger"] == "botocore.credentials"
    assert line["service"] == "std"
    assert line["attempt"] == 1
    assert line["location"].startswith("test_stdlib:test_a_captured_library_logger_writes_json_lines:")


def test_records_are_written_once_even_with_a_root_handler(out: Capture) -> None:
    root_capture = Capture()
    root = logging.getLogger()
    root.addHandler(logging.StreamHandler(root_capture))
    log = Logger(service="std", stream=out)
    log.capture_stdlib("urllib3", level="DEBUG")
    log.capture_stdlib("urllib3", level="DEBUG")  # twice: still one handler
    logging.getLogger("urllib3").warning("retrying")
    assert len(out.lines()) == 1
    assert root_capture.getvalue() == ""
    assert sum(isinstance(h, ToolkitHandler) for h in logging.getLogger("urllib3").handlers) == 1


def test_capturing_the_root_logger_replaces_its_handlers(out: Capture) -> None:
    other = Capture()
    logging.getLogger().addHandler(logging.StreamHandler(other))
    log = Logger(service="std", stream=out)
    log.capture_stdlib(level=logging.INFO)
    logging.getLogger("app.module").info("from user code")
    assert out.last()["message"] == "from user code"
    assert other.getvalue() == ""


def test_stdlib_records_follow_the_service_level_and_buffer(out: Capture) -> None:
    log = Logger(service="std", stream=out, buffer_size=10)
    log.capture_stdlib("app.module", level="DEBUG")
    library = logging.getLogger("app.module")

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        library.debug("library detail")
        library.error("library failure")

    handler({}, FakeContext(aws_request_id="r-std"))
    lines = out.lines()
    assert [line["message"] for line in lines] == ["library detail", "library failure"]
    assert all(line["correlation_id"] == "r-std" for line in lines)
    library.debug("outside, below the level")
    assert len(out.lines()) == 2


def test_stdlib_exceptions_and_bad_format_arguments(out: Capture) -> None:
    log = Logger(service="std", stream=out)
    log.capture_stdlib("app.module")
    library = logging.getLogger("app.module")
    try:
        raise OSError("disk full")
    except OSError:
        library.exception("write failed")
    assert out.last()["exception"]["type"] == "OSError"
    library.warning("bad %d", "x")
    assert out.last()["message"] == "bad %d ('x',)"


def test_stdlib_filters_are_honoured(out: Capture) -> None:
    log = Logger(service="std", stream=out)
    log.capture_stdlib("app.module")
    handler = logging.getLogger("app.module").handlers[0]
    handler.addFilter(lambda record: "secret" not in record.getMessage())
    logging.getLogger("app.module").warning("a secret thing")
    logging.getLogger("app.module").warning("a public thing")
    assert [line["message"] for line in out.lines()] == ["a public thing"]


def test_stdlib_records_below_the_level_outside_an_invocation(out: Capture) -> None:
    log = Logger(service="std", stream=out, sample_rate=1.0)
    log.capture_stdlib("app.module", level="DEBUG")
    logging.getLogger("app.module").debug("dropped")

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        logging.getLogger("app.module").debug("sampled in")

    handler({}, FakeContext())
    assert [line["message"] for line in out.lines()] == ["sampled in"]


def test_stdlib_debug_is_dropped_in_an_unsampled_invocation(out: Capture) -> None:
    log = Logger(service="std", stream=out, sample_rate=0.0, buffer_size=0)
    log.capture_stdlib("app.module", level="DEBUG")
    log.set_level("INFO")

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        logging.getLogger("app.module").debug("not sampled")

    handler({}, FakeContext())
    assert out.lines() == []

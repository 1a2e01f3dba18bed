"""Fixtures for the logging tests: a logger writing to memory, and every line parsed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.logging import _logger


class Capture(io.StringIO):
    """A stream that keeps what was written; ``lines()`` parses every line as JSON."""

    def lines(self) -> list[dict[str, Any]]:
        text = self.getvalue()
        assert text == "" or text.endswith("\n"), "every line ends with a newline"
        parsed = []
        for raw in text.splitlines():
            record = json.loads(raw)  # every line written is one JSON object
            assert isinstance(record, dict)
            parsed.append(record)
        return parsed

    def last(self) -> dict[str, Any]:
        return self.lines()[-1]


@pytest.fixture(autouse=True)
def _clean_logging_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "LOG_LEVEL",
        "AWS_LAMBDA_LOG_LEVEL",
        "AWS_LAMBDA_LOG_FORMAT",
        "LOG_SAMPLE_RATE",
        "LAMBDA_TOOLKIT_SERVICE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "LOG_FORMAT",  # a developer's terminal setting must not change the lines the tests read
    ):
        monkeypatch.delenv(name, raising=False)
    _logger._warned.clear()
    yield
    _logger._warned.clear()


@pytest.fixture
def out() -> Capture:
    return Capture()

"""Logging scenarios: line throughput, and the per-invocation cost of inject_context.

(a) 100,000 info lines with three extra keys to a discarded stream (lines/s), outside
and inside an invocation; the extra row is the stdlib ``logging`` module with a
``json.dumps`` formatter, the usual hand-rolled alternative.
(b) the per-invocation overhead of the context decorator plus one info line, on an API
Gateway REST event with correlation by request id, minus the bare handler call.
"""

from __future__ import annotations

import io
import json
import logging
import time
from typing import Any

from _harness import Scenario, cold_import, per_call

from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_rest_event

LINES = 100_000
EVENT = api_gateway_rest_event("POST", "/orders", body={"order_id": "o-1"})
CONTEXT = FakeContext(timeout_ms=900_000)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _throughput(emit: Any) -> float:
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(LINES):
            emit("order paid", order_id="o-1", amount=12.5, currency="EUR")
        best = max(best, LINES / (time.perf_counter() - start))
    return best


def _ours_lines() -> float:
    return _throughput(Logger(service="bench-lines", stream=_Discard()).info)


def _theirs_logger(service: str) -> Any:
    from aws_lambda_powertools import Logger as PowertoolsLogger

    return PowertoolsLogger(service=service, stream=_Discard())


def _theirs_lines() -> float:
    return _throughput(_theirs_logger("bench-lines-pt").info)


def _in_invocation(make_emit: Any, decorate: Any) -> float:
    result: list[float] = []

    def handler(event: Any, context: Any) -> None:
        result.append(_throughput(make_emit))

    decorate(handler)(EVENT, CONTEXT)
    return result[0]


def _ours_lines_in_invocation() -> float:
    log = Logger(service="bench-inv", stream=_Discard())
    return _in_invocation(log.info, log.inject_context)


def _theirs_lines_in_invocation() -> float:
    log = _theirs_logger("bench-inv-pt")
    return _in_invocation(log.info, log.inject_lambda_context)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": self.formatTime(record),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "location": f"{record.module}:{record.funcName}:{record.lineno}",
        }
        line.update(getattr(record, "fields", {}))
        return json.dumps(line)


def _stdlib_lines() -> float:
    logger = logging.getLogger("bench.stdlib")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(_Discard())
    handler.setFormatter(_JsonFormatter())
    logger.handlers[:] = [handler]

    def emit(message: str, **fields: Any) -> None:
        logger.info(message, extra={"fields": fields})

    return _throughput(emit)


def _bare(event: Any, context: Any) -> Any:
    return None


def _overhead_us(handler: Any) -> float:
    bare = per_call(lambda: _bare(EVENT, CONTEXT))
    total = per_call(lambda: handler(EVENT, CONTEXT))
    return (total - bare) * 1e6


def _ours_invocation() -> float:
    log = Logger(service="bench-call", stream=_Discard())

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("order received", order_id="o-1")

    return _overhead_us(handler)


def _theirs_invocation() -> float:
    from aws_lambda_powertools.logging import correlation_paths

    log = _theirs_logger("bench-call-pt")

    @log.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: Any, context: Any) -> None:
        log.info("order received", order_id="o-1")

    return _overhead_us(handler)


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "logging: cold import of the logging package",
            "ms",
            lambda: cold_import("import lambda_toolkit.logging") * 1e3,
            lambda: cold_import("import aws_lambda_powertools.logging") * 1e3,
            goal="lower",
        ),
        Scenario(
            "logging (a): 100k info lines, 3 extra keys, discarded stream",
            "lines/s",
            _ours_lines,
            _theirs_lines,
            goal=">= 2.5x",
            higher_is_better=True,
            extra={"stdlib logging + json.dumps formatter": _stdlib_lines},
        ),
        Scenario(
            "logging (a'): the same lines inside an invocation",
            "lines/s",
            _ours_lines_in_invocation,
            _theirs_lines_in_invocation,
            goal=">= 2.5x",
            higher_is_better=True,
        ),
        Scenario(
            "logging (b): inject_context + 1 info line, per invocation",
            "µs",
            _ours_invocation,
            _theirs_invocation,
            goal="<= 0.4x",
        ),
    ]

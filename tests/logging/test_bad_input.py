"""Bad input never breaks a log call and never breaks the one-JSON-object-per-line format."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import io
import json
import math
import os
import signal
import subprocess
import sys
import threading
import uuid
from typing import Any

from lambda_toolkit.logging import Logger
from tests.logging.conftest import Capture


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


class Label(str, enum.Enum):
    NEW = "new"


def test_values_json_cannot_hold_get_a_fallback(out: Capture) -> None:
    log = Logger(service="bad", stream=out)
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    log.info(
        "x",
        when=when,
        day=dt.date(2026, 1, 2),
        amount=decimal.Decimal("12.50"),
        tags={"b", "a"},
        raw=b"\x00\xff",
        ident=uuid.UUID(int=1),
        colour=Colour.RED,
        size=Size.BIG,
        label=Label.NEW,
        nan=math.nan,
        inf=-math.inf,
        ratio=Size.BIG / 2,
        broken=Unprintable(),
        keyed={1: "int key", (1, 2): "tuple key"},
        obj=object,
    )
    line = out.last()
    assert line["when"] == "2026-01-02T03:04:05+00:00"
    assert line["day"] == "2026-01-02"
    assert line["amount"] == "12.50"
    assert line["tags"] == ["a", "b"]
    assert line["raw"] == "b'\\x00\\xff'"
    assert line["ident"] == "00000000-0000-0000-0000-000000000001"
    assert line["colour"] == "Colour.RED"
    assert line["size"] == 3
    assert line["label"] == "new"
    assert line["nan"] == "nan"
    assert line["inf"] == "-inf"
    assert line["ratio"] == 1.5
    assert line["broken"] == "<unprintable Unprintable>"
    assert line["keyed"] == {"1": "int key", "(1, 2)": "tuple key"}
    assert line["obj"] == "<class 'object'>"


def test_a_log_call_that_cannot_be_formatted_writes_a_line_saying_so(out: Capture) -> None:
    class BrokenMapping(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("broken")

    log = Logger(service="bad", stream=out)
    log.info("x", extra=BrokenMapping(a=1))
    log.info("y", extra=["not", "a", "mapping"])  # type: ignore[arg-type]
    first, second = out.lines()
    assert first["message"] == "log call failed: RuntimeError while formatting the line"
    assert second["message"] == "log call failed: AttributeError while formatting the line"
    assert first["level"] == "INFO" and first["service"] == "bad"


def test_a_stdlib_record_that_cannot_be_formatted(out: Capture) -> None:
    import logging

    log = Logger(service="bad", stream=out)
    record = logging.LogRecord("lib", logging.WARNING, __file__, 1, "m", (), None)
    record.name = ["unhashable"]  # type: ignore[assignment]
    log._emit_record(record)
    assert out.last()["message"] == "log call failed: TypeError while formatting the line"
    assert out.last()["logger"] == "['unhashable']"


def test_a_failing_model_dump_falls_back_to_str(out: Capture) -> None:
    class Model:
        def model_dump(self, mode: str) -> dict[str, Any]:
            raise ValueError("cannot")

        def __str__(self) -> str:
            return "Model()"

    Logger(service="bad", stream=out).info("x", model=Model())
    assert out.last()["model"] == "Model()"


def test_a_self_referencing_structure(out: Capture) -> None:
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop
    Logger(service="bad", stream=out).info("x", loop=loop)
    value = out.last()["loop"]
    depth = 0
    while isinstance(value, dict):
        value, depth = value["self"], depth + 1
    assert value == "[max depth reached]"
    assert depth > 10


def test_a_key_set_directly_in_a_scope_that_json_cannot_encode(out: Capture) -> None:
    # scoped keys are cleaned on entry; this reaches the encoder's own fallback
    from lambda_toolkit.logging._formatter import encode
    from lambda_toolkit.logging._redaction import Redactor

    assert json.loads(encode({"n": math.nan, "o": object, "k": {(1,): 1}}, Redactor())) == {
        "n": "nan",
        "o": "<class 'object'>",
        "k": {"(1,)": 1},
    }


def test_long_fields_are_cut_and_marked(out: Capture) -> None:
    log = Logger(service="bad", stream=out, max_field_chars=10)
    log.info("m" * 25, note="n" * 15, nested={"deep": ["d" * 11]}, short="ok")
    line = out.last()
    assert line["message"] == "m" * 10 + "...[truncated 15 chars]"
    assert line["note"] == "n" * 10 + "...[truncated 5 chars]"
    assert line["nested"] == {"deep": ["d" * 10 + "...[truncated 1 chars]"]}
    assert line["short"] == "ok"


def test_a_line_over_the_cap_keeps_its_standard_fields(out: Capture) -> None:
    log = Logger(service="bad", stream=out, max_field_chars=100_000, max_line_chars=1000)
    log.info("start " + "x" * 5000, blob="y" * 5000, other=1)
    raw = out.getvalue().splitlines()[-1]
    assert len(raw) <= 1000
    line = json.loads(raw)
    assert line["truncated"] is True
    assert line["dropped_fields"] == ["blob", "other"]
    assert line["message"].startswith("start xxx")
    assert line["message"].endswith("...[truncated]")
    assert line["level"] == "INFO" and line["service"] == "bad"


def test_a_line_cap_with_an_escape_heavy_or_structured_message(out: Capture) -> None:
    log = Logger(service="bad", stream=out, max_field_chars=100_000, max_line_chars=600)
    log.info("\x01" * 3000)
    assert len(out.getvalue().splitlines()[-1]) <= 600
    assert out.last()["truncated"] is True
    log.info({"k": "v" * 3000})
    assert len(out.getvalue().splitlines()[-1]) <= 600
    assert out.last()["message"].startswith('{"k":"vvv')


def test_a_line_cap_too_small_for_any_message(out: Capture) -> None:
    from lambda_toolkit.logging._formatter import fit_line
    from lambda_toolkit.logging._redaction import Redactor

    record = {"timestamp": "t", "level": "INFO", "message": "x" * 100, "service": "s" * 400}
    line = fit_line(record, json.dumps(record), 300, Redactor())
    assert json.loads(line)["message"] == "[truncated]"


def test_newlines_and_control_characters_cannot_forge_a_second_line(out: Capture) -> None:
    log = Logger(service="bad", stream=out)
    forged = 'ok"}\n{"level": "ERROR", "message": "forged"}\r\x00\x1b[31m\u2028end'
    log.info(forged, field=forged)
    raw = out.getvalue()
    assert raw.count("\n") == 1
    assert "\u2028" not in raw and "\r" not in raw and "\x00" not in raw
    line = out.last()
    assert line["message"] == forged
    assert line["field"] == forged
    assert line["level"] == "INFO"


def test_logging_from_many_threads_writes_whole_lines(out: Capture) -> None:
    log = Logger(service="bad", stream=out)

    def work(n: int) -> None:
        for i in range(200):
            log.info("line", thread=n, i=i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.lines()
    assert len(lines) == 1600
    assert {(line["thread"], line["i"]) for line in lines} == {(n, i) for n in range(8) for i in range(200)}


def test_logging_from_a_signal_handler_during_a_write(out: Capture) -> None:
    class InterruptedStream(io.StringIO):
        """A stream whose first write is interrupted by a signal (as if it arrived mid-write)."""

        fired = False

        def write(self, text: str) -> int:
            if not self.fired:
                self.fired = True
                os.kill(os.getpid(), signal.SIGUSR1)  # the handler runs before this returns
            return super().write(text)

    stream = InterruptedStream()
    log = Logger(service="bad", stream=stream)
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: log.warning("from the signal handler"))
    try:
        log.info("interrupted")
    finally:
        signal.signal(signal.SIGUSR1, previous)
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert sorted(messages) == ["from the signal handler", "interrupted"]


def test_a_reentrant_write_is_kept_and_written_after_the_interrupted_one() -> None:
    class BufferedLike(io.StringIO):
        """Raises like io.BufferedWriter when re-entered by a signal handler mid-write."""

        busy = False

        def write(self, text: str) -> int:
            if self.busy:
                raise RuntimeError("reentrant call inside <_io.BufferedWriter name='<stdout>'>")
            self.busy = True
            try:
                if "interrupted" in text:
                    os.kill(os.getpid(), signal.SIGUSR1)
                return super().write(text)
            finally:
                self.busy = False

    stream = BufferedLike()
    log = Logger(service="bad", stream=stream)
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: log.warning("from the signal handler"))
    try:
        log.info("interrupted")
    finally:
        signal.signal(signal.SIGUSR1, previous)
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages == ["interrupted", "from the signal handler"]


def test_a_stream_that_fails_completely_does_not_raise_and_keeps_a_bounded_backlog() -> None:
    from lambda_toolkit.logging import _config

    class Flaky(io.StringIO):
        broken = True

        def write(self, text: str) -> int:
            if self.broken:
                raise OSError("closed")
            return super().write(text)

    stream = Flaky()
    log = Logger(service="bad", stream=stream)
    for n in range(_config._MAX_PENDING + 5):
        log.info("lost for now", n=n)
    assert len(log._cfg.pending) == _config._MAX_PENDING
    stream.broken = False
    log.info("recovered")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "recovered"
    assert [line["n"] for line in lines[1:]] == list(range(_config._MAX_PENDING))


def test_a_backlog_line_that_fails_again_stays_first() -> None:
    class FailsOnBacklog(io.StringIO):
        def write(self, text: str) -> int:
            if "BACKLOG" in text:
                raise OSError("still failing")
            return super().write(text)

    log = Logger(service="bad", stream=FailsOnBacklog())
    log._cfg.pending.extend(["BACKLOG 1", "BACKLOG 2"])
    log.info("fine")
    assert log._cfg.pending == ["BACKLOG 1", "BACKLOG 2"]


def test_logging_in_a_real_signal_handler_of_a_busy_process() -> None:
    code = """
import os, signal, sys, json
from lambda_toolkit.logging import Logger
log = Logger(service="sig")
count = 0
def on_alarm(signum, frame):
    log.warning("tick")
signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
for i in range(20000):
    log.info("busy", i=i)
signal.setitimer(signal.ITIMER_REAL, 0, 0)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len([line for line in lines if line["message"] == "busy"]) == 20000
    assert all(line["service"] == "sig" for line in lines)

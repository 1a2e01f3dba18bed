"""Post-mortems under the real Lambda runtime client (awslambdaric), served by RuntimeEmulator.

The emulator kills the function process at its deadline, as Lambda does: the watchdog's
line (or faulthandler's text) is what the function wrote before it was killed.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lambda_toolkit.testing.runtime_api import RuntimeEmulator

pytestmark = pytest.mark.integration

APP = """
import time

from lambda_toolkit.logging import Logger
from lambda_toolkit.timeout import watchdog

log = Logger(service="orders")


def busy(seconds):
    time.sleep(seconds)


@watchdog(margin_ms=400)
def sleeper(event, context):
    busy(event["seconds"])
    return {"statusCode": 200}


@watchdog(margin_ms=400)
def spinner(event, context):
    return sum(range(10**15))  # C code holding the GIL: no Python thread can run
"""


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    return tmp_path


def test_an_unguarded_handler_killed_at_its_deadline_left_a_post_mortem(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.sleeper", task_root=task_root, timeout_ms=1500) as runtime:
        result = runtime.invoke({"seconds": 30})
    assert result.timed_out  # not interrupted: Lambda stopped it
    (line,) = [json.loads(text) for text in result.stdout if "timeout_post_mortem" in text]
    assert line["timeout_post_mortem"] == "watchdog"
    assert line["timeout_stack"][-1].endswith(" in busy")
    assert line["timeout_stack"][-2].endswith(" in sleeper")
    assert line["timeout_request_id"] == line["function_request_id"]
    assert line["timeout_thread"].startswith("MainThread (0x")


def test_a_handler_holding_the_gil_when_killed_left_faulthandler_stacks(task_root: Path) -> None:
    with RuntimeEmulator(handler="app.spinner", task_root=task_root, timeout_ms=1500) as runtime:
        result = runtime.invoke({})
    assert result.timed_out
    assert not any("timeout_post_mortem" in text for text in result.stdout)  # no Python thread could write
    assert any(text.startswith("Timeout (") for text in result.stderr)
    assert any(text.strip().startswith('File "') and text.rstrip().endswith("in spinner") for text in result.stderr)

"""docs/following-a-request.md: the batch the page shows, run through the command it shows.

The page's Python walk-through runs in tests/test_docs.py; this runs its shell part: the
``lambda-toolkit invoke`` line on the ``batch.json`` event of the page, from the example
application's directory, and checks what the page says comes out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "following-a-request.md"
APP = ROOT / "examples" / "orders"


def _event() -> str:
    match = re.search(r"^<!-- event: batch\.json -->\n```json\n(.*?)^```", PAGE.read_text(), re.MULTILINE | re.DOTALL)
    assert match, "the page shows batch.json"
    return match.group(1)


def _command() -> list[str]:
    [line] = [line for line in PAGE.read_text().splitlines() if line.startswith("lambda-toolkit invoke orders.worker")]
    return shlex.split(line)[1:]


def _run(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "batch.json").write_text(_event())
    arguments = [str(tmp_path / "batch.json") if arg == "batch.json" else arg for arg in _command()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_X_AMZN", "_HANDLER"))}
    env.pop("LOG_FORMAT", None)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "lambda_toolkit", *arguments, *options],
        cwd=APP,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_each_record_of_the_pages_batch_logs_its_own_requests_id(tmp_path: Path) -> None:
    result = _run(tmp_path, "--log-format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith('{"timestamp"')]
    [fulfilled] = [line for line in lines if line["message"] == "order fulfilled"]
    assert (fulfilled["order_id"], fulfilled["correlation_id"]) == ("ord-1", "c0ffee-1")
    [failed] = [line for line in lines if line["message"].startswith("sqs record m-2")]
    assert failed["correlation_id"] == "c0ffee-2"
    [summary] = [line for line in lines if line["message"].startswith("sqs batch:")]
    assert summary["correlation_id"] == "c0ffee-1"  # outside a record: the invocation's (the first record's)


@pytest.mark.parametrize("options", [("--log-format", "pretty"), ()], ids=["option", "as-documented"])
def test_the_pretty_lines_the_page_shows(tmp_path: Path, options: tuple[str, ...]) -> None:
    result = _run(tmp_path, *options)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    if not options:  # stderr is a pipe here, not a terminal: JSON, as the page says
        assert any(line.startswith('{"timestamp"') and '"order fulfilled"' in line for line in lines)
        return
    [fulfilled] = [line for line in lines if "order fulfilled" in line]
    assert " INFO " in fulfilled and "correlation_id=c0ffee-1" in fulfilled and "order_id=ord-1" in fulfilled
    [failed] = [line for line in lines if "sqs record m-2 (index 1) failed (error): ValueError" in line]
    assert "WARNING" in failed and "correlation_id=c0ffee-2" in failed

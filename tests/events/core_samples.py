"""Loaders of the event fixtures for the core tests (queues, streams, storage, EventBridge).

Every fixture lives in ``tests/events/fixtures`` and was written by the project from the event
shapes the AWS documentation gives: ``<trigger>.json`` or ``<trigger>--<variant>.json``.
``fixtures/not-events`` holds payloads that are no trigger event (responses, out-of-scope
sources) and ``fixtures/malformed`` broken JSON. Folders of real samples from elsewhere are a
cross-check a developer runs (``scripts/crosscheck_events.py``), never a test input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOT_EVENTS = FIXTURES / "not-events"
MALFORMED = FIXTURES / "malformed"

CORE_TRIGGERS = (
    "s3",
    "s3-eventbridge",
    "s3-batch-operation",
    "s3-object-lambda",
    "sqs",
    "sns",
    "ses",
    "dynamodb-stream",
    "kinesis-stream",
    "kinesis-firehose",
    "kafka",
    "activemq",
    "rabbitmq",
    "eventbridge",
    "cloudwatch-logs",
    "cloudwatch-alarm",
)


def fixture(name: str) -> dict[str, Any]:
    """A fixture written from the AWS documentation, by file name (a fresh copy on each call)."""
    event: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return event


def fixtures() -> list[tuple[str, str]]:
    """(file name, trigger) of every fixture (``<trigger>--<variant>.json`` or ``<trigger>.json``)."""
    return [(path.name, path.stem.split("--", 1)[0]) for path in sorted(FIXTURES.glob("*.json"))]


def not_events() -> list[str]:
    """File names of the payloads that are not trigger events (responses, other sources)."""
    return [path.name for path in sorted(NOT_EVENTS.glob("*.json"))]


def not_event(name: str) -> Any:
    """One payload of ``fixtures/not-events``."""
    return json.loads((NOT_EVENTS / name).read_text())


def malformed() -> list[Path]:
    """Paths of the deliberately broken JSON files."""
    return sorted(MALFORMED.glob("*.json"))


def events_of(*triggers: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, event) of every fixture of ``triggers``."""
    return [(f"fixtures/{name}", fixture(name)) for name, trigger in fixtures() if trigger in triggers]

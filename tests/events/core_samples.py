"""Where the real samples live, and loaders for the core tests (queues, streams, storage, EventBridge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "events" / "aws-lambda-go"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LABELS: dict[str, str | None] = json.loads((SHARED_SAMPLES / "labels.json").read_text())

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


def sample(name: str) -> dict[str, Any]:
    """A sample of the shared aws-lambda-go folder, by file name."""
    event: dict[str, Any] = json.loads((SHARED_SAMPLES / name).read_text())
    return event


def fixture(name: str) -> dict[str, Any]:
    """A fixture written from the AWS documentation, by file name."""
    event: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return event


def labelled() -> list[tuple[str, str | None]]:
    """(file name, label) of every readable sample (``invalid-json`` ones excluded)."""
    return [(name, label) for name, label in sorted(LABELS.items()) if label != "invalid-json"]


def fixtures() -> list[tuple[str, str]]:
    """(file name, trigger) of every fixture (``<trigger>--<variant>.json`` or ``<trigger>.json``)."""
    return [(path.name, path.stem.split("--", 1)[0]) for path in sorted(FIXTURES.glob("*.json"))]


def events_of(*triggers: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, event) of every labelled sample and fixture of ``triggers``."""
    found = [(name, sample(name)) for name, label in labelled() if label in triggers]
    found += [(f"fixtures/{name}", fixture(name)) for name, trigger in fixtures() if trigger in triggers]
    return found

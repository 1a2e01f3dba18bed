"""Realistic test events for every trigger: ``make_event(trigger, **overrides)`` and named factories.

Each factory returns a plain dict shaped like the event AWS sends, with sensible defaults and
the parts a test cares about as arguments (``sqs_event(bodies=[...])``,
``api_gateway_rest_event("POST", "/orders", body={...})``). Keyword overrides use the AWS
names and are merged into the event (nested dicts merged, other values replaced). Every
factory's output is detected as its trigger by ``lambda_toolkit.events.detect`` and parses
with ``lambda_toolkit.events.parse``. No pydantic is imported here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lambda_toolkit.testing.events._eventbridge import cloudwatch_alarm_event, cloudwatch_logs_event, eventbridge_event
from lambda_toolkit.testing.events._queues import ses_event, sns_event, sns_notification, sqs_event, sqs_record
from lambda_toolkit.testing.events._storage import (
    s3_batch_operation_event,
    s3_event,
    s3_eventbridge_event,
    s3_object_lambda_event,
)
from lambda_toolkit.testing.events._streams import (
    activemq_event,
    dynamodb_attribute,
    dynamodb_stream_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    rabbitmq_event,
)

__all__ = [
    "FACTORIES",
    "activemq_event",
    "cloudwatch_alarm_event",
    "cloudwatch_logs_event",
    "dynamodb_attribute",
    "dynamodb_stream_event",
    "eventbridge_event",
    "firehose_event",
    "kafka_event",
    "kinesis_event",
    "make_event",
    "rabbitmq_event",
    "s3_batch_operation_event",
    "s3_event",
    "s3_eventbridge_event",
    "s3_object_lambda_event",
    "ses_event",
    "sns_event",
    "sns_notification",
    "sqs_event",
    "sqs_record",
]

#: trigger name -> factory, for every trigger of ``lambda_toolkit.events.TRIGGERS``.
FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {}

for _module_name in ("_http", "_apps", "_queues", "_streams", "_storage", "_eventbridge"):
    try:
        _module = importlib.import_module(f"{__name__}.{_module_name}")
    except ModuleNotFoundError as _exc:  # a family whose factories are not written yet
        if _exc.name != f"{__name__}.{_module_name}":
            raise
        continue
    FACTORIES.update(_module.FACTORIES)
    for _public in getattr(_module, "__all__", ()):
        if _public != "FACTORIES" and _public not in globals():
            globals()[_public] = getattr(_module, _public)
            __all__.append(_public)


def make_event(trigger: str, *args: Any, **overrides: Any) -> dict[str, Any]:
    """A realistic event of ``trigger`` (a name of ``lambda_toolkit.events.TRIGGERS``).

    Positional and keyword arguments go to that trigger's factory; keywords it does not take
    are AWS field names merged into the event. An unknown trigger raises ``KeyError`` naming
    the known ones.
    """
    try:
        factory = FACTORIES[trigger]
    except KeyError:
        raise KeyError(f"no test event factory for {trigger!r}; known: {', '.join(sorted(FACTORIES))}") from None
    return factory(*args, **overrides)

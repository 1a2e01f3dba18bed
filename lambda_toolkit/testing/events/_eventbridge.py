"""Test-event factories for EventBridge, CloudWatch Logs subscriptions and CloudWatch alarms."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lambda_toolkit.testing.events._common import ACCOUNT_ID, REGION, merge, new_id, payload_text

__all__ = ["FACTORIES", "cloudwatch_alarm_event", "cloudwatch_logs_event", "eventbridge_event"]


def _iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def eventbridge_event(
    detail: Mapping[str, Any] | None = None,
    *,
    detail_type: str = "Order Placed",
    source: str = "com.example.orders",
    resources: Sequence[str] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """An EventBridge event (custom bus by default; ``source="aws.events"`` and
    ``detail_type="Scheduled Event"`` for a schedule)."""
    event = {
        "version": "0",
        "id": new_id(),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT_ID,
        "time": _iso_now(),
        "region": REGION,
        "resources": list(resources),
        "detail": dict(detail) if detail is not None else {},
    }
    return merge(event, overrides)


def cloudwatch_logs_event(
    messages: Sequence[Any] = ("hello from the log",),
    *,
    log_group: str = "/aws/lambda/my-function",
    log_stream: str = "2024/01/01/[$LATEST]0123456789abcdef",
    filter_name: str = "my-filter",
    **overrides: Any,
) -> dict[str, Any]:
    """A CloudWatch Logs subscription event (base64 of gzipped JSON) carrying ``messages``
    (strings as they are, anything else as JSON)."""
    stamp = int(time.time() * 1000)
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT_ID,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": [filter_name],
        "logEvents": [
            {
                "id": str(36000000000000000000000000000000000000000000000000000000 + i),
                "timestamp": stamp + i,
                "message": payload_text(message),
            }
            for i, message in enumerate(messages)
        ],
    }
    packed = base64.b64encode(gzip.compress(json.dumps(data).encode("utf-8"))).decode("ascii")
    return merge({"awslogs": {"data": packed}}, overrides)


def cloudwatch_alarm_event(
    alarm_name: str = "my-alarm",
    *,
    state: str = "ALARM",
    previous_state: str = "OK",
    metric_name: str = "Errors",
    namespace: str = "AWS/Lambda",
    **overrides: Any,
) -> dict[str, Any]:
    """A CloudWatch alarm state change delivered straight to Lambda (an alarm's Lambda action)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
    event = {
        "source": "aws.cloudwatch",
        "alarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{alarm_name}",
        "accountId": ACCOUNT_ID,
        "time": stamp,
        "region": REGION,
        "alarmData": {
            "alarmName": alarm_name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold (0.0).",
                "reasonData": json.dumps({"version": "1.0", "queryDate": stamp, "threshold": 0.0}),
                "timestamp": stamp,
            },
            "previousState": {
                "value": previous_state,
                "reason": "Threshold Crossed: no datapoints were greater than the threshold (0.0).",
                "timestamp": stamp,
            },
            "configuration": {
                "description": "Errors of my function",
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": namespace,
                                "name": metric_name,
                                "dimensions": {"FunctionName": "my-function"},
                            },
                            "period": 60,
                            "stat": "Sum",
                        },
                        "returnData": True,
                    }
                ],
            },
        },
    }
    return merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "eventbridge": eventbridge_event,
    "cloudwatch-logs": cloudwatch_logs_event,
    "cloudwatch-alarm": cloudwatch_alarm_event,
}

"""Models of EventBridge events (generic over ``detail``), CloudWatch Logs subscriptions and alarms.

``EventBridgeEvent[Order]`` validates ``detail`` into the user's ``Order``; unparametrised,
``detail`` is a dict. CloudWatch Logs data (base64 of gzipped JSON) is decoded the first time
``CloudWatchLogsEvent.decoded`` is read.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, Generic, Literal

from pydantic import Field
from typing_extensions import TypeVar

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events.decoding import b64decode, gunzip, json_loads

__all__ = [
    "CloudWatchAlarmConfiguration",
    "CloudWatchAlarmData",
    "CloudWatchAlarmEvent",
    "CloudWatchAlarmState",
    "CloudWatchLogEntry",
    "CloudWatchLogs",
    "CloudWatchLogsData",
    "CloudWatchLogsEvent",
    "CloudWatchMetric",
    "CloudWatchMetricDataQuery",
    "CloudWatchMetricStat",
    "DetailT",
    "EventBridgeEvent",
    "decode_cloudwatch_logs",
]

DetailT = TypeVar("DetailT", default=dict[str, Any])


class EventBridgeEvent(EventModel, Generic[DetailT]):
    """An EventBridge event (custom buses, schedules, ``aws.*`` service events).

    ``EventBridgeEvent[MyDetail]`` types and validates ``detail``; the default is a dict.
    ``version`` (``"0"`` from AWS) is optional: events built by users and tools often omit it.
    """

    version: str | None = None
    id: str
    detail_type: str = Field(alias="detail-type")
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str] = Field(default_factory=list)
    detail: DetailT = Field(repr=False)
    replay_name: str | None = Field(None, alias="replay-name")


# -- CloudWatch Logs ---------------------------------------------------------------------------


class CloudWatchLogEntry(EventModel):
    """One log event of a subscription delivery."""

    id: str
    timestamp: datetime
    message: str = Field(repr=False)
    extracted_fields: dict[str, str] | None = Field(None, repr=False)

    def json_message(self) -> Any:
        """The message parsed as JSON (structured logs)."""
        return json_loads(self.message, "message", source="cloudwatch-logs")


class CloudWatchLogsData(EventModel):
    """The decoded subscription payload: ``log_events`` of ``log_group``/``log_stream``.

    ``message_type`` is ``DATA_MESSAGE``, or ``CONTROL_MESSAGE`` for the reachability check
    CloudWatch Logs sends when a subscription is created.
    """

    message_type: str
    owner: str
    log_group: str
    log_stream: str
    subscription_filters: list[str] = Field(default_factory=list)
    log_events: list[CloudWatchLogEntry] = Field(default_factory=list)
    policy_level: str | None = None


class CloudWatchLogs(EventModel):
    """The ``awslogs`` part: base64 of gzipped JSON."""

    data: str = Field(repr=False)


class CloudWatchLogsEvent(EventModel):
    """A CloudWatch Logs subscription filter event."""

    awslogs: CloudWatchLogs

    @cached_property
    def decoded(self) -> CloudWatchLogsData:
        """The log events, decoded (base64, gzip, JSON) and validated the first time they are read."""
        return decode_cloudwatch_logs(self.awslogs.data, "awslogs.data", source="cloudwatch-logs")


def decode_cloudwatch_logs(data: str, path: str, *, source: str) -> CloudWatchLogsData:
    """A CloudWatch Logs subscription payload (base64 of gzipped JSON) decoded and validated.

    Subscriptions deliver the same payload to Lambda (``awslogs.data``), to Kinesis streams and
    to Firehose (the record's data). Errors name ``path``; gzip is capped by ``decoding.gunzip``.
    """
    from lambda_toolkit.events._registry import validate

    raw = gunzip(b64decode(data, path, source=source), path, source=source)
    payload = json_loads(raw, path, source=source)
    return validate(CloudWatchLogsData, payload, source, prefix=path)  # type: ignore[return-value]


# -- CloudWatch alarms -------------------------------------------------------------------------


class CloudWatchAlarmState(EventModel):
    """An alarm state: ``value`` is OK, ALARM or INSUFFICIENT_DATA."""

    value: str
    reason: str | None = None
    reason_data: str | None = None
    timestamp: datetime
    actions_suppressed_by: str | None = None
    actions_suppressed_reason: str | None = None

    def json_reason_data(self) -> Any:
        """``reason_data`` parsed as JSON (None when absent)."""
        return (
            None if self.reason_data is None else json_loads(self.reason_data, "reasonData", source="cloudwatch-alarm")
        )


class CloudWatchMetric(EventModel):
    """A metric: namespace, name and dimensions."""

    namespace: str | None = None
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class CloudWatchMetricStat(EventModel):
    """A metric with its statistic over a period."""

    metric: CloudWatchMetric
    period: int
    stat: str
    unit: str | None = None


class CloudWatchMetricDataQuery(EventModel):
    """One metric (or expression) of the alarm."""

    id: str
    metric_stat: CloudWatchMetricStat | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool | None = None


class CloudWatchAlarmConfiguration(EventModel):
    """What the alarm watches: metrics for a metric alarm, ``alarm_rule`` for a composite one."""

    description: str | None = None
    metrics: list[CloudWatchMetricDataQuery] = Field(default_factory=list)
    alarm_rule: str | None = None
    actions_suppressor: str | None = None
    actions_suppressor_wait_period: int | None = None
    actions_suppressor_extension_period: int | None = None


class CloudWatchAlarmData(EventModel):
    """The alarm, its new state and the one before."""

    alarm_name: str
    state: CloudWatchAlarmState
    previous_state: CloudWatchAlarmState | None = None
    configuration: CloudWatchAlarmConfiguration | None = None


class CloudWatchAlarmEvent(EventModel):
    """A CloudWatch alarm state change sent to Lambda by an alarm action."""

    source: Literal["aws.cloudwatch"]
    alarm_arn: str
    account_id: str
    time: datetime
    region: str
    alarm_data: CloudWatchAlarmData

"""Realistic test events for every trigger: ``make_event(trigger, **overrides)`` and named factories.

Each factory returns a plain dict shaped like the event AWS sends, with sensible defaults and
the parts a test cares about as arguments (``sqs_event(bodies=[...])``,
``api_gateway_rest_event("POST", "/orders", body={...})``). Keyword overrides use the AWS
names and are merged into the event (nested dicts merged, other values replaced). Every
factory's output is detected as its trigger by ``lambda_toolkit.events.detect`` and parses
with ``lambda_toolkit.events.parse``. No pydantic is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_toolkit.testing.events import _apps, _eventbridge, _http, _queues, _storage, _streams
from lambda_toolkit.testing.events._apps import (
    appsync_events_event,
    appsync_resolver_event,
    bedrock_agent_event,
    cloudformation_custom_resource_event,
    codedeploy_lifecycle_hook_event,
    codepipeline_job_event,
    cognito_user_pool_event,
    config_rule_event,
    connect_contact_flow_event,
    secrets_manager_rotation_event,
    transfer_family_authorizer_event,
)
from lambda_toolkit.testing.events._eventbridge import cloudwatch_alarm_event, cloudwatch_logs_event, eventbridge_event
from lambda_toolkit.testing.events._http import (
    alb_event,
    api_gateway_http_authorizer_event,
    api_gateway_http_event,
    api_gateway_request_authorizer_event,
    api_gateway_rest_event,
    api_gateway_token_authorizer_event,
    api_gateway_websocket_event,
    appsync_authorizer_event,
    function_url_event,
    vpc_lattice_event,
    vpc_lattice_v2_event,
)
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
    dynamodb_stream_failure_event,
    firehose_event,
    kafka_event,
    kinesis_event,
    rabbitmq_event,
)

__all__ = [
    "FACTORIES",
    "activemq_event",
    "alb_event",
    "api_gateway_http_authorizer_event",
    "api_gateway_http_event",
    "api_gateway_request_authorizer_event",
    "api_gateway_rest_event",
    "api_gateway_token_authorizer_event",
    "api_gateway_websocket_event",
    "appsync_authorizer_event",
    "appsync_events_event",
    "appsync_resolver_event",
    "bedrock_agent_event",
    "cloudformation_custom_resource_event",
    "cloudwatch_alarm_event",
    "cloudwatch_logs_event",
    "codedeploy_lifecycle_hook_event",
    "codepipeline_job_event",
    "cognito_user_pool_event",
    "config_rule_event",
    "connect_contact_flow_event",
    "dynamodb_attribute",
    "dynamodb_stream_event",
    "dynamodb_stream_failure_event",
    "eventbridge_event",
    "firehose_event",
    "function_url_event",
    "kafka_event",
    "kinesis_event",
    "make_event",
    "rabbitmq_event",
    "s3_batch_operation_event",
    "s3_event",
    "s3_eventbridge_event",
    "s3_object_lambda_event",
    "secrets_manager_rotation_event",
    "transfer_family_authorizer_event",
    "ses_event",
    "sns_event",
    "sns_notification",
    "sqs_event",
    "sqs_record",
    "vpc_lattice_event",
    "vpc_lattice_v2_event",
]

#: trigger name -> factory, for every trigger of ``lambda_toolkit.events.TRIGGERS``.
FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    **_http.FACTORIES,
    **_apps.FACTORIES,
    **_queues.FACTORIES,
    **_streams.FACTORIES,
    **_storage.FACTORIES,
    **_eventbridge.FACTORIES,
}


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

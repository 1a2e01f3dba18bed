"""Typed trigger events: a pydantic model for every trigger, detection, envelopes, parsing.

``detect(event)`` names the trigger of an event dict (cheap, no pydantic); ``parse(event)``
validates it into that trigger's model; ``TRIGGERS`` maps every trigger name to its model
class. Model classes are loaded on first use (``from lambda_toolkit.events import SQSEvent``
imports only the queue models), so a function pays only for the triggers it handles.
``parse_event`` is the decorator; ``envelopes`` pulls a business payload out of a trigger
into the user's own model; ``decoding`` has the typed decoding helpers.
"""

from __future__ import annotations

import importlib

from lambda_toolkit.events._answers import invalid_request_response
from lambda_toolkit.events._detect import HTTP_TRIGGERS, TRIGGER_NAMES, detect
from lambda_toolkit.events._errors import EventsError, EventValidationError, FieldError, UnknownEventError
from lambda_toolkit.events._registry import MODEL_LOCATIONS, TRIGGERS, model_for, parse

TYPE_CHECKING = False  # not `from typing import ...`: typing costs milliseconds at cold start
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.events._base import EventModel
    from lambda_toolkit.events._decorator import parse_event
    from lambda_toolkit.events.apps import (
        AppSyncBatchResolverEvent,
        AppSyncEventsEvent,
        AppSyncResolverEvent,
        BedrockAgentEvent,
        ConnectContactFlowEvent,
    )
    from lambda_toolkit.events.authorizers import (
        APIGatewayHttpAuthorizerEvent,
        APIGatewayRequestAuthorizerEvent,
        APIGatewayTokenAuthorizerEvent,
        AppSyncAuthorizerEvent,
    )
    from lambda_toolkit.events.devtools import CodeDeployLifecycleHookEvent, CodePipelineJobEvent
    from lambda_toolkit.events.envelopes import Parsed, parse_payload
    from lambda_toolkit.events.eventbridge import CloudWatchAlarmEvent, CloudWatchLogsEvent, EventBridgeEvent
    from lambda_toolkit.events.http import (
        ALBEvent,
        APIGatewayHttpEvent,
        APIGatewayRestEvent,
        APIGatewayWebSocketEvent,
        FunctionURLEvent,
        VPCLatticeEvent,
        VPCLatticeV2Event,
    )
    from lambda_toolkit.events.identity import CognitoUserPoolEvent, TransferFamilyAuthorizerEvent
    from lambda_toolkit.events.management import (
        CloudFormationCustomResourceEvent,
        ConfigRuleEvent,
        SecretsManagerRotationEvent,
    )
    from lambda_toolkit.events.queues import SESEvent, SNSEvent, SNSRecord, SQSEvent, SQSMessageAttribute, SQSRecord
    from lambda_toolkit.events.storage import (
        S3BatchOperationEvent,
        S3Event,
        S3EventBridgeEvent,
        S3ObjectLambdaEvent,
    )
    from lambda_toolkit.events.streams import (
        ActiveMQEvent,
        DynamoDBStreamEvent,
        DynamoDBStreamFailureEvent,
        DynamoDBStreamRecord,
        KafkaEvent,
        KafkaRecord,
        KinesisFirehoseEvent,
        KinesisStreamEvent,
        KinesisStreamRecord,
        RabbitMQEvent,
    )

__all__ = [
    "HTTP_TRIGGERS",
    "TRIGGERS",
    "TRIGGER_NAMES",
    "EventModel",
    "EventValidationError",
    "EventsError",
    "FieldError",
    "UnknownEventError",
    "Parsed",
    "detect",
    "invalid_request_response",
    "model_for",
    "parse",
    "parse_event",
    "parse_payload",
    # models, loaded on first use
    "ALBEvent",
    "APIGatewayHttpAuthorizerEvent",
    "APIGatewayHttpEvent",
    "APIGatewayRequestAuthorizerEvent",
    "APIGatewayRestEvent",
    "APIGatewayTokenAuthorizerEvent",
    "APIGatewayWebSocketEvent",
    "ActiveMQEvent",
    "AppSyncAuthorizerEvent",
    "AppSyncBatchResolverEvent",
    "AppSyncEventsEvent",
    "AppSyncResolverEvent",
    "BedrockAgentEvent",
    "CloudFormationCustomResourceEvent",
    "CloudWatchAlarmEvent",
    "CloudWatchLogsEvent",
    "CodeDeployLifecycleHookEvent",
    "CodePipelineJobEvent",
    "CognitoUserPoolEvent",
    "ConfigRuleEvent",
    "ConnectContactFlowEvent",
    "DynamoDBStreamEvent",
    "DynamoDBStreamFailureEvent",
    "DynamoDBStreamRecord",
    "EventBridgeEvent",
    "FunctionURLEvent",
    "KafkaEvent",
    "KafkaRecord",
    "KinesisFirehoseEvent",
    "KinesisStreamEvent",
    "KinesisStreamRecord",
    "RabbitMQEvent",
    "S3BatchOperationEvent",
    "S3Event",
    "S3EventBridgeEvent",
    "S3ObjectLambdaEvent",
    "SESEvent",
    "SNSEvent",
    "SNSRecord",
    "SQSEvent",
    "SQSMessageAttribute",
    "SQSRecord",
    "SecretsManagerRotationEvent",
    "TransferFamilyAuthorizerEvent",
    "VPCLatticeEvent",
    "VPCLatticeV2Event",
]

# Public name -> module under lambda_toolkit.events that defines it.
_LAZY: dict[str, str] = {
    "EventModel": "_base",
    "parse_event": "_decorator",
    "Parsed": "envelopes",
    "parse_payload": "envelopes",
    "SQSRecord": "queues",
    "SQSMessageAttribute": "queues",
    "SNSRecord": "queues",
    "KinesisStreamRecord": "streams",
    "DynamoDBStreamRecord": "streams",
    "KafkaRecord": "streams",
    "AppSyncBatchResolverEvent": "apps",
}
_LAZY.update({name: module for module, name in MODEL_LOCATIONS.values()})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lambda_toolkit.events' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lambda_toolkit.events.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

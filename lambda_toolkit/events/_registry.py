"""The trigger registry: ``TRIGGERS`` (name -> model class, imported on first use) and ``parse``.

A function that handles SQS events never imports the API Gateway models: the registry knows
where each model lives and imports its module only when that trigger is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from lambda_toolkit.events._detect import TRIGGER_NAMES, detect
from lambda_toolkit.events._errors import EventValidationError, UnknownEventError

TYPE_CHECKING = False  # not `from typing import ...`: typing costs milliseconds at cold start
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.events._base import EventModel

__all__ = ["MODEL_LOCATIONS", "TRIGGERS", "TriggerRegistry", "model_for", "parse"]

#: trigger name -> (module under lambda_toolkit.events, class name)
MODEL_LOCATIONS: dict[str, tuple[str, str]] = {
    "api-gateway-rest": ("http", "APIGatewayRestEvent"),
    "api-gateway-http": ("http", "APIGatewayHttpEvent"),
    "api-gateway-websocket": ("http", "APIGatewayWebSocketEvent"),
    "api-gateway-authorizer-token": ("authorizers", "APIGatewayTokenAuthorizerEvent"),
    "api-gateway-authorizer-request": ("authorizers", "APIGatewayRequestAuthorizerEvent"),
    "api-gateway-authorizer-http": ("authorizers", "APIGatewayHttpAuthorizerEvent"),
    "alb": ("http", "ALBEvent"),
    "function-url": ("http", "FunctionURLEvent"),
    "vpc-lattice": ("http", "VPCLatticeEvent"),
    "vpc-lattice-v2": ("http", "VPCLatticeV2Event"),
    "s3": ("storage", "S3Event"),
    "s3-eventbridge": ("storage", "S3EventBridgeEvent"),
    "s3-batch-operation": ("storage", "S3BatchOperationEvent"),
    "s3-object-lambda": ("storage", "S3ObjectLambdaEvent"),
    "sqs": ("queues", "SQSEvent"),
    "sns": ("queues", "SNSEvent"),
    "ses": ("queues", "SESEvent"),
    "dynamodb-stream": ("streams", "DynamoDBStreamEvent"),
    "kinesis-stream": ("streams", "KinesisStreamEvent"),
    "kinesis-firehose": ("streams", "KinesisFirehoseEvent"),
    "kafka": ("streams", "KafkaEvent"),
    "activemq": ("streams", "ActiveMQEvent"),
    "rabbitmq": ("streams", "RabbitMQEvent"),
    "eventbridge": ("eventbridge", "EventBridgeEvent"),
    "cloudwatch-logs": ("eventbridge", "CloudWatchLogsEvent"),
    "cloudwatch-alarm": ("eventbridge", "CloudWatchAlarmEvent"),
    "cognito-user-pool": ("identity", "CognitoUserPoolEvent"),
    "cloudformation-custom-resource": ("management", "CloudFormationCustomResourceEvent"),
    "secrets-manager-rotation": ("management", "SecretsManagerRotationEvent"),
    "appsync-resolver": ("apps", "AppSyncResolverEvent"),
    "appsync-authorizer": ("authorizers", "AppSyncAuthorizerEvent"),
    "codepipeline-job": ("devtools", "CodePipelineJobEvent"),
    "codedeploy-lifecycle-hook": ("devtools", "CodeDeployLifecycleHookEvent"),
    "config-rule": ("management", "ConfigRuleEvent"),
    "bedrock-agent": ("apps", "BedrockAgentEvent"),
    "connect-contact-flow": ("apps", "ConnectContactFlowEvent"),
    "appsync-events": ("apps", "AppSyncEventsEvent"),
    "transfer-family-authorizer": ("identity", "TransferFamilyAuthorizerEvent"),
    "dynamodb-stream-failure": ("streams", "DynamoDBStreamFailureEvent"),
}

assert tuple(MODEL_LOCATIONS) == TRIGGER_NAMES


def model_for(trigger: str) -> type[EventModel]:
    """The model class of ``trigger``, importing its module on first use.

    Raises ``UnknownEventError`` for a name that is not a trigger.
    """
    try:
        module, name = MODEL_LOCATIONS[trigger]
    except (KeyError, TypeError):
        raise UnknownEventError(f"unknown trigger {trigger!r}; known: {', '.join(TRIGGER_NAMES)}") from None
    model: type[EventModel] = getattr(importlib.import_module(f"lambda_toolkit.events.{module}"), name)
    return model


class TriggerRegistry(Mapping[str, "type[EventModel]"]):
    """Read-only mapping of trigger name -> model class; a model's module loads on first access."""

    __slots__ = ()

    def __getitem__(self, trigger: str) -> type[EventModel]:
        if trigger not in MODEL_LOCATIONS:
            raise KeyError(trigger)
        return model_for(trigger)

    def __iter__(self) -> Iterator[str]:
        return iter(TRIGGER_NAMES)

    def __len__(self) -> int:
        return len(TRIGGER_NAMES)

    def __contains__(self, trigger: object) -> bool:
        return isinstance(trigger, str) and trigger in MODEL_LOCATIONS

    def __repr__(self) -> str:
        return f"<TRIGGERS: {len(self)} triggers>"


TRIGGERS: Mapping[str, type[EventModel]] = TriggerRegistry()


def parse(event: Any, trigger: str | None = None) -> EventModel:
    """Validate ``event`` into the model of ``trigger`` (detected when None).

    A list is an AppSync batch invocation: it becomes an ``AppSyncBatchResolverEvent``
    (error paths start with the index of the event in the list).
    Raises ``UnknownEventError`` when the event is not a mapping (nor such a list), or no
    trigger is given and none is detected; ``EventValidationError`` (field paths, no values)
    when it does not fit the trigger's model.
    """
    if isinstance(event, list):
        return parse_batch(event, trigger)
    if not isinstance(event, Mapping):
        raise UnknownEventError(f"an event must be a mapping (a JSON object), got {type(event).__name__}")
    if trigger is None:
        trigger = detect(event)
        if trigger is None:
            raise UnknownEventError("the event is not one of the known triggers (see lambda_toolkit.events.TRIGGERS)")
    return validate(model_for(trigger), event, trigger)


def parse_batch(events: list[Any], trigger: str | None = None) -> EventModel:
    """A list of AppSync resolver events (a batch invocation) as an ``AppSyncBatchResolverEvent``.

    Each event is validated on its own, so every error path starts with its index.
    """
    if trigger is None:
        trigger = detect(events)
        if trigger is None:
            raise UnknownEventError(
                "an event must be a mapping (a JSON object); the only list that is an event is an"
                " AppSync batch invocation (a list of appsync-resolver events)"
            )
    if trigger != "appsync-resolver":
        raise UnknownEventError(f"only appsync-resolver events arrive as a list, not {trigger!r}")
    from lambda_toolkit.events.apps import AppSyncBatchResolverEvent, AppSyncResolverEvent

    if not events:
        raise EventValidationError(trigger, [("", "an AppSync batch holds at least one event")])
    parsed: list[EventModel] = []
    errors: list[tuple[str, str]] = []
    for index, item in enumerate(events):
        try:
            parsed.append(validate(AppSyncResolverEvent, item, trigger, str(index)))
        except EventValidationError as exc:
            errors.extend((error.path, error.message) for error in exc.errors)
    if errors:
        raise EventValidationError(trigger, errors)
    return AppSyncBatchResolverEvent.model_construct(events=parsed)


def validate(model: type[EventModel], data: Any, label: str, prefix: str = "") -> EventModel:
    """``model.model_validate(data)``, pydantic's errors turned into an ``EventValidationError``
    whose paths start with ``prefix`` (where ``data`` sits in the event)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise EventValidationError(label, field_errors(exc, prefix)) from None


def field_errors(exc: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(path, message) pairs of a pydantic ``ValidationError``, without the input values."""
    errors: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        path = ".".join(str(part) for part in error["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        errors.append((path, _message(error)))
    return errors


# pydantic's messages describe the expected type, never the input, except these (custom
# validators' messages, the tag of a tagged union): they get a generic wording.
_GENERIC = {
    "missing": "field required",
    "extra_forbidden": "unexpected field",
    "union_tag_invalid": "unexpected tag value",
    "value_error": "invalid value",
    "assertion_error": "invalid value",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", "value_error"))
    if kind in _GENERIC:
        return _GENERIC[kind]
    return str(error.get("msg", kind))

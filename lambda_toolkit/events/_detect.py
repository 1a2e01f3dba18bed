"""Which trigger sent an event: ``detect(event)``, from the fields that tell triggers apart.

Pure Python and cheap (a handful of dict lookups), with no pydantic import: the logger calls
it for correlation ids on every invocation. Each rule looks at the fields AWS documents as the
mark of a source (``eventSource`` values, ``requestContext.elb``, ``requestContext.http`` with a
``routeKey``, ``detail-type`` with ``source``...), never at one loose key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

# Not `from typing import ...`: typing costs milliseconds at cold start and detect() runs
# in every function that logs; annotations are not evaluated (`from __future__`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HTTP_TRIGGERS", "TRIGGER_NAMES", "detect"]

#: The triggers whose events are one HTTP request answered by the function's return value
#: (WebSocket events are HTTP-shaped too, but are messages on a connection).
HTTP_TRIGGERS = frozenset(
    {"api-gateway-rest", "api-gateway-http", "alb", "function-url", "vpc-lattice", "vpc-lattice-v2"}
)

#: Every trigger name, in the order of the design document.
TRIGGER_NAMES: tuple[str, ...] = (
    "api-gateway-rest",
    "api-gateway-http",
    "api-gateway-websocket",
    "api-gateway-authorizer-token",
    "api-gateway-authorizer-request",
    "api-gateway-authorizer-http",
    "alb",
    "function-url",
    "vpc-lattice",
    "vpc-lattice-v2",
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
    "cognito-user-pool",
    "cloudformation-custom-resource",
    "secrets-manager-rotation",
    "appsync-resolver",
    "appsync-authorizer",
    "codepipeline-job",
    "codedeploy-lifecycle-hook",
    "config-rule",
    "bedrock-agent",
    "connect-contact-flow",
    # added after the design's list
    "appsync-events",
    "transfer-family-authorizer",
    "dynamodb-stream-failure",
)

# eventSource of the first record -> trigger, for the ``Records`` list events.
_RECORD_SOURCES = {
    "aws:sqs": "sqs",
    "aws:sns": "sns",
    "aws:ses": "ses",
    "aws:kinesis": "kinesis-stream",
    "aws:dynamodb": "dynamodb-stream",
    "aws:s3": "s3",
}
# When a record has no (or an unknown) eventSource: the key that holds its content.
_RECORD_KEYS = (("Sns", "sns"), ("ses", "ses"), ("kinesis", "kinesis-stream"), ("dynamodb", "dynamodb-stream"))

_S3_OBJECT_LAMBDA_CONTEXTS = ("getObjectContext", "headObjectContext", "listObjectsContext", "listObjectsV2Context")
_CFN_REQUEST_TYPES = frozenset({"Create", "Update", "Delete"})


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _records(event: Mapping[str, Any]) -> str | None:
    records = event["Records"]
    if not isinstance(records, list) or not records:
        return None
    first = _mapping(records[0])
    if first is None:
        return None
    source = first.get("eventSource", first.get("EventSource"))
    if isinstance(source, str) and source in _RECORD_SOURCES:
        return _RECORD_SOURCES[source]
    if "messageId" in first and "receiptHandle" in first and "body" in first:
        return "sqs"
    if "s3" in first and "eventName" in first:
        return "s3"
    for key, trigger in _RECORD_KEYS:
        if _mapping(first.get(key)) is not None:
            return trigger
    return None


def _eventbridge(event: Mapping[str, Any]) -> str | None:
    if "source" not in event or "detail" not in event:
        return None
    detail_type = event["detail-type"]
    if event["source"] == "aws.s3" and isinstance(detail_type, str) and detail_type.startswith("Object "):
        # S3 notifications ("Object Created", "Object Deleted"...), not CloudTrail API calls.
        return "s3-eventbridge"
    return "eventbridge"


def _authorizer(event: Mapping[str, Any]) -> str | None:
    kind = event["type"]
    if kind == "TOKEN" and "authorizationToken" in event and "methodArn" in event:
        return "api-gateway-authorizer-token"
    if kind == "REQUEST":
        if "methodArn" in event:  # REST, WebSocket and HTTP API payload 1.0
            return "api-gateway-authorizer-request"
        if "routeArn" in event:  # HTTP API payload 2.0
            return "api-gateway-authorizer-http"
    return None


def _http_v2(event: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    domain = context.get("domainName")
    if isinstance(domain, str) and ".lambda-url." in domain:
        return "function-url"
    return "api-gateway-http" if "routeKey" in event or "routeKey" in context else "function-url"


def _request_context(event: Mapping[str, Any]) -> str | None:
    context = _mapping(event["requestContext"])
    if context is None:
        return None
    if "elb" in context:
        return "alb"
    if "connectionId" in context and "eventType" in context:
        return "api-gateway-websocket"
    if "authorizationToken" in event and "apiId" in context and "queryString" in context:
        return "appsync-authorizer"
    if "serviceNetworkArn" in context or "targetGroupArn" in context:
        return "vpc-lattice-v2" if "method" in event else None
    if _mapping(context.get("http")) is not None and "rawPath" in event:
        return _http_v2(event, context)
    if "httpMethod" in event and "path" in event:
        return "api-gateway-rest"
    return None


def _top_level(event: Mapping[str, Any]) -> str | None:
    """Events recognised by a distinctive top-level key (checked before the HTTP shapes)."""
    if "awslogs" in event:
        return "cloudwatch-logs" if _mapping(event["awslogs"]) is not None else None
    if "CodePipeline.job" in event:
        return "codepipeline-job"
    if "triggerSource" in event and "userPoolId" in event:
        return "cognito-user-pool"
    if "alarmData" in event and "alarmArn" in event:
        return "cloudwatch-alarm"
    if "agent" in event and "actionGroup" in event and "messageVersion" in event:
        return "bedrock-agent"
    if "invocationSchemaVersion" in event and "tasks" in event and "job" in event:
        return "s3-batch-operation"
    if "deliveryStreamArn" in event and "records" in event:
        return "kinesis-firehose"
    if "DeploymentId" in event and "LifecycleEventHookExecutionId" in event:
        return "codedeploy-lifecycle-hook"
    if "SecretId" in event and "ClientRequestToken" in event and "Step" in event:
        return "secrets-manager-rotation"
    if event.get("RequestType") in _CFN_REQUEST_TYPES and "ResponseURL" in event and "StackId" in event:
        return "cloudformation-custom-resource"
    if "invokingEvent" in event and "resultToken" in event:
        return "config-rule"
    if "Details" in event and "Name" in event and "ContactData" in (_mapping(event["Details"]) or ()):
        return "connect-contact-flow"
    if "xAmzRequestId" in event and "userRequest" in event and any(k in event for k in _S3_OBJECT_LAMBDA_CONTEXTS):
        return "s3-object-lambda"
    if "DDBStreamBatchInfo" in event and "requestContext" in event:
        return "dynamodb-stream-failure"
    if "serverId" in event and "username" in event and "protocol" in event and "sourceIp" in event:
        return "transfer-family-authorizer"
    return None


# AWS's own documentation and samples spell some sources differently ("aws:amq" in the
# ActiveMQ example of the Lambda guide): every documented spelling names the same trigger.
_KAFKA_SOURCES = frozenset({"aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"})
_ACTIVEMQ_SOURCES = frozenset({"aws:mq", "aws:amq"})
_RABBITMQ_SOURCES = frozenset({"aws:rmq", "aws:rabbitmq"})


def _by_event_source(event: Mapping[str, Any]) -> str | None:
    source = event["eventSource"]
    if source in _KAFKA_SOURCES and "records" in event:
        return "kafka"
    if source in _ACTIVEMQ_SOURCES and "messages" in event:
        return "activemq"
    if source in _RABBITMQ_SOURCES and "rmqMessagesByQueue" in event:
        return "rabbitmq"
    return None


def _appsync(event: Mapping[str, Any]) -> str | None:
    info = _mapping(event["info"])
    if info is None:
        return None
    if "fieldName" in info and "parentTypeName" in info and "arguments" in event:
        return "appsync-resolver"
    if "channel" in info and "channelNamespace" in info and "operation" in info:
        return "appsync-events"
    return None


def _appsync_resolver_top_level(event: Mapping[str, Any]) -> str | None:
    """The older direct-resolver shape: ``typeName`` and ``fieldName`` beside ``arguments``, no ``info``."""
    if isinstance(event["fieldName"], str) and isinstance(event.get("typeName"), str) and "arguments" in event:
        return "appsync-resolver"
    return None


def _vpc_lattice_v1(event: Mapping[str, Any]) -> str | None:
    return "vpc-lattice" if "method" in event and "is_base64_encoded" in event else None


# (key that must be present, rule) in the order they are tried; the first answer wins.
_RULES: tuple[tuple[str, Callable[[Mapping[str, Any]], str | None]], ...] = (
    ("Records", _records),
    ("detail-type", _eventbridge),
    ("eventSource", _by_event_source),
    ("type", _authorizer),
    ("requestContext", _request_context),
    ("info", _appsync),
    ("fieldName", _appsync_resolver_top_level),
    ("raw_path", _vpc_lattice_v1),
)


def _appsync_batch(events: list[Any]) -> str | None:
    # Every item is checked: the list is as long as the batch size AppSync was configured with.
    if not events:
        return None
    for item in events:
        if not isinstance(item, Mapping) or detect(item) != "appsync-resolver":
            return None
    return "appsync-resolver"


def detect(event: Any) -> str | None:
    """The trigger name of ``event`` (see ``TRIGGER_NAMES``), or None when it is none of them.

    Events are told apart by their distinguishing fields: an S3 notification through
    EventBridge is ``s3-eventbridge``, an SQS event whose bodies carry SNS messages is still
    ``sqs``, an HTTP API authorizer with payload format 1.0 is ``api-gateway-authorizer-request``
    and 2.0 ``api-gateway-authorizer-http``. The one list that is an event is an AppSync batch
    invocation (a list of ``appsync-resolver`` events); anything else that is not a mapping is None.
    """
    if isinstance(event, list):
        return _appsync_batch(event)
    if not isinstance(event, Mapping):
        return None
    try:
        found = _top_level(event)
        if found is not None:
            return found
        for key, rule in _RULES:
            if key in event:
                found = rule(event)
                if found is not None:
                    return found
    except TypeError:  # an unhashable value where a name was expected: not a known event
        return None
    return None

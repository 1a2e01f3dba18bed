"""Test-event factories for Cognito, developer-tools, management and application triggers.

Plain dicts shaped like the events AWS sends, with sensible defaults; keyword ``overrides``
are merged in last by their AWS names (dicts merged recursively).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from lambda_toolkit.testing.events._http import ACCOUNT_ID, REGION, SOURCE_IP, deep_merge

__all__ = [
    "FACTORIES",
    "appsync_events_event",
    "appsync_resolver_event",
    "bedrock_agent_event",
    "cloudformation_custom_resource_event",
    "codedeploy_lifecycle_hook_event",
    "codepipeline_job_event",
    "cognito_user_pool_event",
    "config_rule_event",
    "connect_contact_flow_event",
    "secrets_manager_rotation_event",
    "transfer_family_authorizer_event",
]

USER_POOL_ID = f"{REGION}_EXAMPLE"

# What each trigger family puts in ``request`` and ``response`` besides the user attributes.
_COGNITO_SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "PreSignUp": (
        {"validationData": None, "clientMetadata": None},
        {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    ),
    "PostConfirmation": ({"clientMetadata": None}, {}),
    "PreAuthentication": ({"validationData": None, "userNotFound": False}, {}),
    "PostAuthentication": ({"newDeviceUsed": False, "clientMetadata": None}, {}),
    "CustomMessage": (
        {"codeParameter": "{####}", "usernameParameter": "{username}", "linkParameter": "{##Click Here##}"},
        {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    ),
    "DefineAuthChallenge": (
        {"session": [], "userNotFound": False},
        {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    ),
    "CreateAuthChallenge": (
        {"challengeName": "CUSTOM_CHALLENGE", "session": []},
        {"publicChallengeParameters": None, "privateChallengeParameters": None, "challengeMetadata": None},
    ),
    "VerifyAuthChallengeResponse": (
        {"privateChallengeParameters": {"answer": "42"}, "challengeAnswer": "42", "userNotFound": False},
        {"answerCorrect": None},
    ),
    # version 2 (the factory's default for token generation): scopes in, ID and access tokens out
    "TokenGeneration": (
        {
            "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
            "scopes": ["openid", "email"],
        },
        {"claimsAndScopeOverrideDetails": None},
    ),
    # the code is encrypted with the user pool's KMS key; this stands in for the ciphertext
    "CustomEmailSender": (
        {"type": "customEmailSenderRequestV1", "code": "AYADeEXAMPLEencryptedCODE==", "clientMetadata": None},
        {},
    ),
    "CustomSMSSender": (
        {"type": "customSMSSenderRequestV1", "code": "AYADeEXAMPLEencryptedCODE==", "clientMetadata": None},
        {},
    ),
    "UserMigration": (
        {"password": "example-password", "validationData": None, "clientMetadata": None},
        {"userAttributes": None, "finalUserStatus": None, "messageAction": None},
    ),
}


def cognito_user_pool_event(
    trigger_source: str = "PreSignUp_SignUp",
    user_attributes: Mapping[str, Any] | None = None,
    *,
    user_name: str = "jdoe",
    request: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A Cognito user pool trigger event for ``trigger_source`` (e.g. ``PostConfirmation_ConfirmSignUp``).

    ``request``/``response`` are merged over the defaults of the trigger's family.
    """
    kind = trigger_source.split("_", 1)[0]
    default_request, default_response = _COGNITO_SHAPES.get(kind, ({}, {}))
    attributes = {
        "sub": "a36036a8-9061-424d-a737-56d57dae7bc6",
        "cognito:user_status": "CONFIRMED",
        "email_verified": "true",
        "email": "jdoe@example.com",
        **(user_attributes or {}),
    }
    event: dict[str, Any] = {
        "version": "2" if kind == "TokenGeneration" else "1",
        "triggerSource": trigger_source,
        "region": REGION,
        "userPoolId": USER_POOL_ID,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
        "request": deep_merge({"userAttributes": attributes, **copy.deepcopy(default_request)}, request or {}),
        "response": deep_merge(copy.deepcopy(default_response), response or {}),
    }
    return deep_merge(event, overrides)


def codepipeline_job_event(
    user_parameters: str | None = None,
    *,
    function_name: str = "my-function",
    job_id: str | None = None,
    continuation_token: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A CodePipeline Lambda invoke action job."""
    configuration = {"FunctionName": function_name}
    if user_parameters is not None:
        configuration["UserParameters"] = user_parameters
    data: dict[str, Any] = {
        "actionConfiguration": {"configuration": configuration},
        "inputArtifacts": [
            {
                "name": "SourceArtifact",
                "revision": "0123456789abcdef0123456789abcdef01234567",
                "location": {
                    "type": "S3",
                    "s3Location": {"bucketName": "codepipeline-artifacts", "objectKey": "my-pipeline/Source/abc.zip"},
                },
            }
        ],
        "outputArtifacts": [],
        "artifactCredentials": {
            "accessKeyId": "ASIAEXAMPLE",
            "secretAccessKey": "example-secret-access-key",
            "sessionToken": "example-session-token",
            "expirationTime": 1700000000000,
        },
    }
    if continuation_token is not None:
        data["continuationToken"] = continuation_token
    event: dict[str, Any] = {
        "CodePipeline.job": {"id": job_id or str(uuid.uuid4()), "accountId": ACCOUNT_ID, "data": data}
    }
    return deep_merge(event, overrides)


def codedeploy_lifecycle_hook_event(
    deployment_id: str = "d-ABCDEF123", execution_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A CodeDeploy lifecycle hook call (``BeforeAllowTraffic``/``AfterAllowTraffic``...)."""
    event: dict[str, Any] = {
        "DeploymentId": deployment_id,
        "LifecycleEventHookExecutionId": execution_id or f"eyJlbmNyeXB0ZWREYXRhIjoi{uuid.uuid4().hex}",
    }
    return deep_merge(event, overrides)


def cloudformation_custom_resource_event(
    request_type: Literal["Create", "Update", "Delete"] = "Create",
    properties: Mapping[str, Any] | None = None,
    *,
    old_properties: Mapping[str, Any] | None = None,
    resource_type: str = "Custom::Example",
    logical_resource_id: str = "MyCustomResource",
    physical_resource_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A CloudFormation custom resource request; Update/Delete carry the physical resource id."""
    token = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:custom-resource"
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/example?signature",
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/my-stack/{uuid.uuid4()}",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_resource_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": token, **(properties or {})},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_resource_id or f"{logical_resource_id}-0123456789"
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": token, **(old_properties or {})}
    return deep_merge(event, overrides)


def config_rule_event(
    configuration_item: Mapping[str, Any] | None = None,
    rule_parameters: Mapping[str, Any] | None = None,
    *,
    rule_name: str = "my-config-rule",
    periodic: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """An AWS Config custom rule evaluation: change-triggered (default) or ``periodic``."""
    if periodic:
        invoking: dict[str, Any] = {
            "awsAccountId": ACCOUNT_ID,
            "notificationCreationTime": "2024-01-01T00:00:00.000Z",
            "messageType": "ScheduledNotification",
            "recordVersion": "1.0",
        }
    else:
        invoking = {
            "configurationItem": {
                "configurationItemCaptureTime": "2024-01-01T00:00:00.000Z",
                "awsAccountId": ACCOUNT_ID,
                "configurationItemStatus": "OK",
                "resourceType": "AWS::EC2::Instance",
                "resourceId": "i-0123456789abcdef0",
                "ARN": f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/i-0123456789abcdef0",
                "awsRegion": REGION,
                "configuration": {"instanceType": "t3.micro"},
                **(configuration_item or {}),
            },
            "notificationCreationTime": "2024-01-01T00:00:01.000Z",
            "messageType": "ConfigurationItemChangeNotification",
            "recordVersion": "1.3",
        }
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(dict(rule_parameters or {})),
        "resultToken": "example-result-token",
        "eventLeftScope": False,
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/config-role",
        "configRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT_ID}:config-rule/config-rule-abc123",
        "configRuleName": rule_name,
        "configRuleId": "config-rule-abc123",
        "accountId": ACCOUNT_ID,
        "evaluationMode": "DETECTIVE",
    }
    return deep_merge(event, overrides)


def secrets_manager_rotation_event(
    step: Literal["createSecret", "setSecret", "testSecret", "finishSecret"] = "createSecret",
    secret_id: str = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:my-secret-AbCdEf",
    *,
    token: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One Secrets Manager rotation step for ``secret_id``."""
    event: dict[str, Any] = {
        "Step": step,
        "SecretId": secret_id,
        "ClientRequestToken": token or str(uuid.uuid4()),
        "RotationToken": str(uuid.uuid4()),
    }
    return deep_merge(event, overrides)


def appsync_resolver_event(
    field_name: str = "getItem",
    arguments: Mapping[str, Any] | None = None,
    *,
    parent_type_name: str = "Query",
    source: Mapping[str, Any] | None = None,
    identity: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An AppSync direct Lambda resolver call for ``parent_type_name.field_name``."""
    event: dict[str, Any] = {
        "arguments": dict(arguments or {}),
        "identity": dict(identity)
        if identity is not None
        else {
            "sub": "a36036a8-9061-424d-a737-56d57dae7bc6",
            "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}",
            "username": "jdoe",
            "claims": {"sub": "a36036a8-9061-424d-a737-56d57dae7bc6", "token_use": "id"},
            "sourceIp": [SOURCE_IP],
            "defaultAuthStrategy": "ALLOW",
            "groups": None,
        },
        "source": dict(source) if source is not None else None,
        "request": {"headers": {"content-type": "application/json"}, "domainName": None},
        "prev": None,
        "info": {
            "selectionSetList": ["id", "name"],
            "selectionSetGraphQL": "{\n  id\n  name\n}",
            "parentTypeName": parent_type_name,
            "fieldName": field_name,
            "variables": {},
        },
        "stash": {},
    }
    return deep_merge(event, overrides)


def appsync_events_event(
    payloads: Sequence[Any] = ({"message": "hello"},),
    *,
    channel: str = "/default/messages",
    operation: Literal["PUBLISH", "SUBSCRIBE"] = "PUBLISH",
    **overrides: Any,
) -> dict[str, Any]:
    """An AppSync Events handler call: ``payloads`` published to ``channel`` (none for SUBSCRIBE)."""
    segments = [part for part in channel.split("/") if part]
    event: dict[str, Any] = {
        "identity": None,
        "request": {"headers": {"content-type": "application/json"}, "domainName": None},
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0] if segments else "default"},
            "operation": operation,
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": [{"id": str(uuid.uuid4()), "payload": copy.deepcopy(p)} for p in payloads]
        if operation == "PUBLISH"
        else None,
    }
    return deep_merge(event, overrides)


def transfer_family_authorizer_event(
    username: str = "alice",
    password: str | None = "example-password",
    *,
    protocol: str = "SFTP",
    server_id: str = "s-0123456789abcdef0",
    **overrides: Any,
) -> dict[str, Any]:
    """A Transfer Family custom identity provider call (``password=None``: SSH key authentication)."""
    event: dict[str, Any] = {
        "username": username,
        "protocol": protocol,
        "serverId": server_id,
        "sourceIp": SOURCE_IP,
    }
    if password is not None:
        event["password"] = password
    return deep_merge(event, overrides)


def bedrock_agent_event(
    api_path: str | None = "/items/{id}",
    parameters: Mapping[str, str] | None = None,
    *,
    http_method: str = "GET",
    function: str | None = None,
    body: Mapping[str, str] | None = None,
    input_text: str = "What is item 42?",
    **overrides: Any,
) -> dict[str, Any]:
    """A Bedrock agent action group call: API-schema form, or function form when ``function`` is set."""
    params = [{"name": name, "type": "string", "value": value} for name, value in (parameters or {}).items()]
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": "my-agent", "id": "AGENT12345", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": input_text,
        "sessionId": f"{ACCOUNT_ID}{uuid.uuid4().hex[:8]}",
        "actionGroup": "my-action-group",
        "parameters": params,
        "sessionAttributes": {},
        "promptSessionAttributes": {},
    }
    if function is not None:
        event["function"] = function
    else:
        event["apiPath"] = api_path
        event["httpMethod"] = http_method
        if body is not None:
            properties = [{"name": name, "type": "string", "value": value} for name, value in body.items()]
            event["requestBody"] = {"content": {"application/json": {"properties": properties}}}
    return deep_merge(event, overrides)


def connect_contact_flow_event(
    parameters: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
    *,
    phone_number: str = "+12065550100",
    **overrides: Any,
) -> dict[str, Any]:
    """An Amazon Connect "Invoke AWS Lambda function" call for a voice contact."""
    contact_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": dict(attributes or {}),
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": {"Address": phone_number, "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/{uuid.uuid4()}",
                "PreviousContactId": contact_id,
                "Queue": None,
                "SystemEndpoint": {"Address": "+12065550199", "Type": "TELEPHONE_NUMBER"},
                "MediaStreams": {"Customer": {"Audio": None}},
            },
            "Parameters": dict(parameters or {}),
        },
    }
    return deep_merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "cognito-user-pool": cognito_user_pool_event,
    "codepipeline-job": codepipeline_job_event,
    "codedeploy-lifecycle-hook": codedeploy_lifecycle_hook_event,
    "cloudformation-custom-resource": cloudformation_custom_resource_event,
    "config-rule": config_rule_event,
    "secrets-manager-rotation": secrets_manager_rotation_event,
    "appsync-resolver": appsync_resolver_event,
    "bedrock-agent": bedrock_agent_event,
    "connect-contact-flow": connect_contact_flow_event,
    "appsync-events": appsync_events_event,
    "transfer-family-authorizer": transfer_family_authorizer_event,
}
"""trigger name -> factory building an event of that trigger."""

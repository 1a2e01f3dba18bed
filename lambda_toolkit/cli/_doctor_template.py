"""``doctor``'s reading of a SAM or CloudFormation template.

The template is loaded as plain data (YAML short-form tags such as ``!Ref`` become their
long form, ``{"Ref": ...}``), then each Lambda function is described by what the checks
need: runtime, architectures, timeout, tracing, handler and code directory, environment,
event sources and the IAM statements of its role. SAM's ``Globals`` are merged in as SAM
merges them (scalars overridden, maps merged, lists added). Intrinsic functions are never
evaluated: ``Ref`` to a parameter gives its default, ``Ref``/``GetAtt`` to a resource
gives that resource's logical id, anything else is "unknown" and the checks that need it
are skipped with a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_toolkit.cli import CommandError

__all__ = [
    "EventSource",
    "FunctionSpec",
    "Permissions",
    "Template",
    "TemplateError",
    "load_template",
]

SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"
# Lambda's defaults when the template says nothing.
DEFAULT_TIMEOUT_S = 3
DEFAULT_ARCHITECTURE = "x86_64"
DEFAULT_SQS_VISIBILITY_S = 30

# SAM event types and event-source ARN services that deliver batches, by doctor's name.
_SAM_BATCH_EVENTS = {"SQS": "sqs", "Kinesis": "kinesis", "DynamoDB": "dynamodb"}
_ARN_SERVICES = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb"}
_RESOURCE_KINDS = {"AWS::SQS::Queue": "sqs", "AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb"}


class TemplateError(CommandError):
    """The file is not a template doctor can read: one line on stderr, exit code 2."""


@dataclass
class EventSource:
    """One batch event source of a function: an SQS queue, a Kinesis or DynamoDB stream."""

    label: str  # the SAM event name or the EventSourceMapping's logical id
    kind: str  # sqs, kinesis, dynamodb
    target: str | None  # logical id of the queue, stream or table in this template
    reports_failures: bool
    batching_window_s: float


@dataclass
class Permissions:
    """What the function's role is known to allow."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # policies or roles whose content is not in the template


@dataclass
class FunctionSpec:
    """A Lambda function as the checks see it."""

    name: str
    sam: bool
    handler: str | None
    runtime: str | None
    architectures: list[str]
    timeout_s: float | None  # None: not known from the template
    tracing_active: bool
    code_dir: Path | None
    inline: bool  # InlineCode (SAM) or Code.ZipFile: no module file to read
    environment: dict[str, Any]
    layers: list[Any]
    event_sources: list[EventSource]
    permissions: Permissions


class Template:
    """A loaded template: its resources and parameters, and helpers to follow references."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.resources: dict[str, dict[str, Any]] = {
            name: value for name, value in _mapping(data.get("Resources")).items() if isinstance(value, dict)
        }
        parameters = data.get("Parameters")
        self.parameters: dict[str, Any] = parameters if isinstance(parameters, dict) else {}

    def type_of(self, logical_id: str | None) -> str | None:
        """The resource type of ``logical_id``, or None when it is not a resource here."""
        resource = self.resources.get(logical_id or "")
        kind = resource.get("Type") if resource else None
        return kind if isinstance(kind, str) else None

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The Properties of a resource (empty when absent)."""
        props = self.resources.get(logical_id, {}).get("Properties")
        return props if isinstance(props, dict) else {}

    def target(self, value: Any) -> str | None:
        """The logical id of the resource that ``value`` refers to (Ref or GetAtt), or None."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, inner),) = value.items()
            if key == "Ref" and isinstance(inner, str) and inner in self.resources:
                return inner
            if key == "Fn::GetAtt":
                name = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(name, str):
                    name = name.split(".", 1)[0]
                    return name if name in self.resources else None
        return None

    def scalar(self, value: Any) -> Any:
        """A literal value, or a parameter's default through ``Ref``; None when unknown."""
        if isinstance(value, dict):
            if set(value) == {"Ref"} and isinstance(value["Ref"], str):
                parameter = self.parameters.get(value["Ref"])
                if isinstance(parameter, dict):
                    return parameter.get("Default")
            return None
        return value

    def number(self, value: Any) -> float | None:
        """A number, from a literal, a numeric string or a parameter's default; None when unknown."""
        value = self.scalar(value)
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return None
        return None

    def functions(self, handler_root: Path | None) -> list[FunctionSpec]:
        """Every Lambda function of the template, in template order."""
        found = []
        for name, resource in self.resources.items():
            if resource.get("Type") == SAM_FUNCTION:
                found.append(self._sam_function(name, handler_root))
            elif resource.get("Type") == CFN_FUNCTION:
                found.append(self._cfn_function(name, handler_root))
        return found

    # -- SAM -------------------------------------------------------------------------

    def _globals(self) -> dict[str, Any]:
        section = self.data.get("Globals")
        value = section.get("Function") if isinstance(section, dict) else None
        return value if isinstance(value, dict) else {}

    def _sam_function(self, name: str, handler_root: Path | None) -> FunctionSpec:
        props = _merge_globals(self._globals(), self.properties(name))
        code_dir = None
        code_uri = props.get("CodeUri")
        if isinstance(code_uri, str) and "://" not in code_uri:
            code_dir = self._code_dir(code_uri, handler_root)
        elif code_uri is None or handler_root is not None:
            code_dir = handler_root or self.path.parent
        events = props.get("Events")
        sources = []
        for label, event in (events or {}).items() if isinstance(events, dict) else ():
            if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
                continue
            if event["Type"] not in _SAM_BATCH_EVENTS:
                continue
            event_props = _mapping(event.get("Properties"))
            arn = event_props.get("Queue") if event.get("Type") == "SQS" else event_props.get("Stream")
            sources.append(
                EventSource(
                    label=str(label),
                    kind=_SAM_BATCH_EVENTS[event["Type"]],
                    target=self.target(arn),
                    reports_failures=_reports_failures(event_props.get("FunctionResponseTypes")),
                    batching_window_s=self.number(event_props.get("MaximumBatchingWindowInSeconds")) or 0.0,
                )
            )
        sources += self._mappings_of(name)
        return FunctionSpec(
            name=name,
            sam=True,
            handler=_text(props.get("Handler")),
            runtime=_text(self.scalar(props.get("Runtime"))),
            architectures=self._architectures(props.get("Architectures")),
            timeout_s=self._timeout(props),
            tracing_active=self.scalar(props.get("Tracing")) == "Active",
            code_dir=code_dir,
            inline="InlineCode" in props,
            environment=_variables(props.get("Environment")),
            layers=_list(props.get("Layers")),
            event_sources=sources,
            permissions=self._sam_permissions(name, props),
        )

    def _sam_permissions(self, name: str, props: dict[str, Any]) -> Permissions:
        if "Role" in props:
            return self._role_permissions(props["Role"])
        permissions = Permissions()
        policies = props.get("Policies")
        for policy in [policies] if isinstance(policies, (str, dict)) else _list(policies):
            if isinstance(policy, str):
                _add_managed(permissions, policy)
            elif isinstance(policy, dict) and "Statement" in policy:
                permissions.statements += _statements(policy)
            elif isinstance(policy, dict) and len(policy) == 1:
                ((template_name, parameters),) = policy.items()
                statements = sam_policy_template(str(template_name), parameters)
                if statements is None:
                    permissions.unknown.append(f"SAM policy template {template_name}")
                else:
                    permissions.statements += statements
            else:
                permissions.unknown.append("a policy doctor cannot read")
        permissions.statements += self._attached_policies(None, name)
        return permissions

    # -- CloudFormation ---------------------------------------------------------------

    def _cfn_function(self, name: str, handler_root: Path | None) -> FunctionSpec:
        props = self.properties(name)
        code = props.get("Code")
        code_dir = None
        if isinstance(code, str) and "://" not in code:
            code_dir = self._code_dir(code, handler_root)
        else:
            asset = _mapping(self.resources[name].get("Metadata")).get("aws:asset:path")
            if isinstance(asset, str):
                code_dir = self._code_dir(asset, handler_root)
            elif handler_root is not None:
                code_dir = handler_root
        tracing = props.get("TracingConfig")
        return FunctionSpec(
            name=name,
            sam=False,
            handler=_text(props.get("Handler")),
            runtime=_text(self.scalar(props.get("Runtime"))),
            architectures=self._architectures(props.get("Architectures")),
            timeout_s=self._timeout(props),
            tracing_active=isinstance(tracing, dict) and self.scalar(tracing.get("Mode")) == "Active",
            code_dir=code_dir,
            inline=isinstance(code, dict) and "ZipFile" in code,
            environment=_variables(props.get("Environment")),
            layers=_list(props.get("Layers")),
            event_sources=self._mappings_of(name),
            permissions=self._role_permissions(props.get("Role")),
        )

    def _mappings_of(self, function: str) -> list[EventSource]:
        """The AWS::Lambda::EventSourceMapping resources pointing at ``function``."""
        sources = []
        for name, resource in self.resources.items():
            if resource.get("Type") != "AWS::Lambda::EventSourceMapping":
                continue
            props = self.properties(name)
            if self.target(props.get("FunctionName")) != function:
                continue
            arn = props.get("EventSourceArn")
            target = self.target(arn)
            kind = _RESOURCE_KINDS.get(self.type_of(target) or "")
            if kind is None and isinstance(arn, str) and arn.count(":") >= 2:
                kind = _ARN_SERVICES.get(arn.split(":")[2])
            if kind is None:
                continue
            sources.append(
                EventSource(
                    label=name,
                    kind=kind,
                    target=target,
                    reports_failures=_reports_failures(props.get("FunctionResponseTypes")),
                    batching_window_s=self.number(props.get("MaximumBatchingWindowInSeconds")) or 0.0,
                )
            )
        return sources

    def _role_permissions(self, role: Any) -> Permissions:
        permissions = Permissions()
        role_id = self.target(role)
        if role_id is None or self.type_of(role_id) != "AWS::IAM::Role":
            permissions.unknown.append("a role defined outside this template")
            return permissions
        props = self.properties(role_id)
        for policy in _list(props.get("Policies")):
            if isinstance(policy, dict):
                permissions.statements += _statements(policy.get("PolicyDocument"))
        for arn in _list(props.get("ManagedPolicyArns")):
            managed = self.target(arn)
            if managed is not None and self.type_of(managed) == "AWS::IAM::ManagedPolicy":
                permissions.statements += _statements(self.properties(managed).get("PolicyDocument"))
            elif _arn_text(arn) is not None:
                _add_managed(permissions, str(_arn_text(arn)))
            else:
                permissions.unknown.append("a managed policy doctor cannot read")
        permissions.statements += self._attached_policies(role_id, None)
        return permissions

    def _attached_policies(self, role_id: str | None, function: str | None) -> list[dict[str, Any]]:
        """Statements of AWS::IAM::Policy / ManagedPolicy resources attached to the role.

        A SAM function's generated role is ``<Function>Role``; it can be named by ``Ref``
        from another policy resource.
        """
        wanted = role_id or f"{function}Role"
        statements: list[dict[str, Any]] = []
        for name, resource in self.resources.items():
            if resource.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            roles = _list(self.properties(name).get("Roles"))
            if any(isinstance(role, dict) and role.get("Ref") == wanted for role in roles):
                statements += _statements(self.properties(name).get("PolicyDocument"))
        return statements

    # -- shared ----------------------------------------------------------------------

    def _code_dir(self, relative: str, handler_root: Path | None) -> Path | None:
        try:
            return ((handler_root or self.path.parent) / relative).resolve()
        except (OSError, ValueError):  # a NUL byte, a loop of links: not a directory doctor can read
            return None

    def _architectures(self, value: Any) -> list[str]:
        if isinstance(value, list) and value:
            # an architecture from an unreadable intrinsic is left out (not compared)
            return [item for item in map(self.scalar, value) if isinstance(item, str)]
        return [DEFAULT_ARCHITECTURE]

    def _timeout(self, props: dict[str, Any]) -> float | None:
        if "Timeout" not in props:
            return float(DEFAULT_TIMEOUT_S)
        return self.number(props["Timeout"])


def _merge_globals(globals_: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM's rule: a function's scalars win, maps are merged, lists are the global items then its own."""
    merged = dict(globals_)
    for key, value in own.items():
        previous = merged.get(key)
        if isinstance(previous, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(previous, value)
        elif isinstance(previous, list) and isinstance(value, list):
            merged[key] = previous + value
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: dict[str, Any]) -> bool:
    key = next(iter(value), "")
    return len(value) == 1 and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def _arn_text(value: Any) -> str | None:
    """An ARN written out, in a ``!Sub``, or in a ``!Join`` (as the CDK writes managed policy ARNs)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return str(value["Fn::Sub"])
    join = value.get("Fn::Join") if isinstance(value, dict) else None
    if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
        return "".join(part if isinstance(part, str) else "*" for part in join[1])
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reports_failures(value: Any) -> bool:
    return isinstance(value, list) and "ReportBatchItemFailures" in value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _variables(environment: Any) -> dict[str, Any]:
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    return dict(variables) if isinstance(variables, dict) else {}


def _statements(document: Any) -> list[dict[str, Any]]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return [item for item in _list(statements) if isinstance(item, dict)]


# -- managed policies and SAM policy templates -----------------------------------------

# AWS managed policies whose actions matter to the utilities (the rest grant none of them).
_MANAGED: dict[str, list[str]] = {
    "AWSLambdaBasicExecutionRole": [],
    "AWSLambdaSQSQueueExecutionRole": [],
    "AWSLambdaKinesisExecutionRole": [],
    "AWSLambdaDynamoDBExecutionRole": [],
    "AWSLambdaVPCAccessExecutionRole": [],
    "AWSXrayWriteOnlyAccess": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "AWSXRayDaemonWriteAccess": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "AmazonDynamoDBFullAccess": ["dynamodb:*"],
    "AmazonDynamoDBReadOnlyAccess": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"],
    "AmazonSSMReadOnlyAccess": ["ssm:Get*", "ssm:Describe*", "ssm:List*"],
    "SecretsManagerReadWrite": ["secretsmanager:*"],
    "AWSAppConfigFullAccess": ["appconfig:*"],
}


def _add_managed(permissions: Permissions, name_or_arn: str) -> None:
    name = name_or_arn.rsplit("/", 1)[-1]
    actions = _MANAGED.get(name)
    if actions is None:
        permissions.unknown.append(f"managed policy {name}")
    elif actions:
        permissions.statements.append({"Effect": "Allow", "Action": actions, "Resource": "*"})


_DYNAMODB_CRUD = [
    "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
    "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
]  # fmt: skip
_SSM_READ = ["ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"]

# SAM policy template -> (actions, the parameter naming the resource).
_SAM_TEMPLATES: dict[str, tuple[list[str], str | None]] = {
    "DynamoDBCrudPolicy": (_DYNAMODB_CRUD, "TableName"),
    "DynamoDBReadPolicy": (
        ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
        "TableName",
    ),
    "DynamoDBWritePolicy": (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], "TableName"),
    "SSMParameterReadPolicy": (_SSM_READ, "ParameterName"),
    "SSMParameterWithSlashPrefixReadPolicy": (_SSM_READ, "ParameterName"),
    "AWSSecretsManagerGetSecretValuePolicy": (["secretsmanager:GetSecretValue"], "SecretArn"),
    "KMSDecryptPolicy": (["kms:Decrypt"], "KeyId"),
    "SQSPollerPolicy": (
        [
            "sqs:ChangeMessageVisibility",
            "sqs:ChangeMessageVisibilityBatch",
            "sqs:DeleteMessage",
            "sqs:DeleteMessageBatch",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
        "QueueName",
    ),
    "SQSSendMessagePolicy": (["sqs:SendMessage*"], "QueueName"),
    "KinesisStreamReadPolicy": (
        [
            "kinesis:ListStreams",
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetShardIterator",
            "kinesis:GetRecords",
        ],
        "StreamName",
    ),
    "DynamoDBStreamReadPolicy": (
        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
        "TableName",
    ),
    "CloudWatchPutMetricPolicy": (["cloudwatch:PutMetricData"], None),
    "VPCAccessPolicy": ([], None),
}


def sam_policy_template(name: str, parameters: Any) -> list[dict[str, Any]] | None:
    """The statements of a SAM policy template doctor knows, or None.

    The resource is the template parameter's value as written (a ``Ref`` to a table
    stays a ``Ref``), so the checks can tell which resource it grants.
    """
    known = _SAM_TEMPLATES.get(name)
    if known is None:
        return None
    actions, parameter = known
    if not actions:
        return []
    resource = parameters.get(parameter, "*") if parameter and isinstance(parameters, dict) else "*"
    return [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]


# -- loading ---------------------------------------------------------------------------


def load_template(path: Path) -> Template:
    """Read a template from JSON or YAML; a TemplateError says why it cannot be used."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"template {str(path)!r} does not exist") from None
    except OSError as exc:
        raise TemplateError(f"cannot read template {str(path)!r}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TemplateError(f"template {str(path)!r} is not UTF-8 text") from None
    data = _parse(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(
            f"{str(path)!r} is not a CloudFormation or SAM template: it has no Resources section (a mapping)"
        )
    return Template(path, data)


def _parse(text: str, path: Path) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"template {str(path)!r} is not valid JSON (line {exc.lineno})") from None
        except RecursionError:
            raise TemplateError(f"template {str(path)!r} is nested too deeply to read") from None
    try:
        import yaml
    except ImportError:
        raise TemplateError("reading a YAML template needs PyYAML: pip install pyyaml") from None
    try:
        return yaml.load(text, Loader=_loader(yaml))  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise TemplateError(f"template {str(path)!r} is not valid YAML{where}") from None
    except RecursionError:
        raise TemplateError(f"template {str(path)!r} is nested too deeply to read") from None


_LOADERS: dict[int, Any] = {}


def _loader(yaml: Any) -> Any:
    """A safe YAML loader that reads CloudFormation's short-form tags (``!Ref``, ``!GetAtt``, ...)."""
    cached = _LOADERS.get(id(yaml))
    if cached is not None:
        return cached
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CloudFormationLoader(base):  # type: ignore[misc, valid-type]
        pass

    def intrinsic(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        return {key: value}

    CloudFormationLoader.add_multi_constructor("!", intrinsic)
    _LOADERS[id(yaml)] = CloudFormationLoader
    return CloudFormationLoader

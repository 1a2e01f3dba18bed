"""``doctor``'s checks: each compares what a function's code uses with how the template deploys it.

A check returns findings (a mismatch, with the fix) and notes (what it could not decide,
for instance a table name computed at run time, or a role whose policies live outside the
template). Only findings change the exit code.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lambda_toolkit.cli._doctor_scan import Call, Usage, Value
from lambda_toolkit.cli._doctor_template import DEFAULT_SQS_VISIBILITY_S, FunctionSpec, Template

__all__ = ["Finding", "Note", "check_function"]

# The library's defaults (timeout_guard's margin_ms, batch's deadline_margin_ms, the store's names).
GUARD_MARGIN_MS = 500.0
BATCH_MARGIN_MS = 1000.0
STORE_DEFAULTS = {"key_attr": "id", "sort_key_attr": None, "expiry_attr": "expiration"}
STORE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# batch() source -> the event sources that deliver it, by doctor's kind.
_BATCH_KINDS = {"sqs": "sqs", "kinesis-stream": "kinesis", "dynamodb-stream": "dynamodb"}
_TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable")
# Parameters lookups -> (IAM actions, the resource type a name can point at).
_LOOKUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "parameters.get_parameter": (("ssm:GetParameter",), "AWS::SSM::Parameter"),
    "parameters.Parameter": (("ssm:GetParameter",), "AWS::SSM::Parameter"),
    "parameters.get_parameters": (("ssm:GetParametersByPath",), "AWS::SSM::Parameter"),
    "parameters.get_parameters_by_name": (("ssm:GetParameters",), "AWS::SSM::Parameter"),
    "parameters.get_secret": (("secretsmanager:GetSecretValue",), "AWS::SecretsManager::Secret"),
    "parameters.Secret": (("secretsmanager:GetSecretValue",), "AWS::SecretsManager::Secret"),
    "parameters.get_secrets": (
        ("secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"),
        "AWS::SecretsManager::Secret",
    ),
    "parameters.get_app_config": (
        ("appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"),
        "AWS::AppConfig::Application",
    ),
}
_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


@dataclass(frozen=True)
class Finding:
    """A mismatch between the code and the template, and how to fix it."""

    check: str
    function: str
    resource: str  # the logical id of what must change
    message: str
    fix: str
    where: str | None = None  # file:line in the code, when the finding comes from a call there

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "check": self.check,
            "function": self.function,
            "resource": self.resource,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
        }


@dataclass(frozen=True)
class Note:
    """Something doctor could not check, and why."""

    function: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"function": self.function, "message": self.message}


Result = Iterator["Finding | Note"]


def check_function(template: Template, function: FunctionSpec, usage: Usage) -> list[Finding | Note]:
    """Every check on one function."""
    results: list[Finding | Note] = []
    for check in (_batch, _visibility, _margins, _tracing, _idempotency_tables, _iam, _layers):
        results += check(template, function, usage)
    return results


# -- batch and queues ------------------------------------------------------------------


def _batch(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    kinds = set()
    for call in usage.named("batch.batch", "batch.process_batch", "batch.process_batch_async"):
        source = call.args.get("source")
        if source is None or source.kind != "literal":
            yield Note(function.name, f"{call.where}: the batch source is not a literal: its event source not checked")
            continue
        kind = _BATCH_KINDS.get(str(source.value))
        if kind is not None:
            kinds.add(kind)
    for event in function.event_sources:
        if event.kind in kinds and not event.reports_failures:
            yield Finding(
                "batch-report-failures",
                function.name,
                event.label,
                f"the code answers with batchItemFailures (batch) but the {event.kind} event source {event.label} "
                "lacks ReportBatchItemFailures: Lambda ignores the answer, so failed records count as processed "
                "(deleted from the queue) or the whole batch is retried",
                f"add FunctionResponseTypes: [ReportBatchItemFailures] to {event.label}",
            )


def _visibility(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    for event in function.event_sources:
        if event.kind != "sqs" or template.type_of(event.target) != "AWS::SQS::Queue" or event.target is None:
            continue
        if function.timeout_s is None:
            yield Note(function.name, f"the function's Timeout is not known: {event.target}'s visibility not checked")
            continue
        props = template.properties(event.target)
        visibility = template.number(props.get("VisibilityTimeout", DEFAULT_SQS_VISIBILITY_S))
        if visibility is None:
            yield Note(function.name, f"{event.target}'s VisibilityTimeout is not known: not checked")
            continue
        needed = 6 * function.timeout_s + event.batching_window_s
        if visibility < needed:
            window = f" + the batching window ({event.batching_window_s:g} s)" if event.batching_window_s else ""
            yield Finding(
                "sqs-visibility-timeout",
                function.name,
                event.target,
                f"queue {event.target} has a visibility timeout of {visibility:g} s, under 6 times the function's "
                f"timeout ({function.timeout_s:g} s){window}: messages still being processed (or retried by "
                "Lambda after throttling) come back to the queue and run twice",
                f"set VisibilityTimeout on {event.target} to at least {needed:g}",
            )


def _margins(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    options = (
        ("timeout.timeout_guard", "margin_ms", GUARD_MARGIN_MS, "timeout-guard-margin", "timeout_guard"),
        ("batch.batch", "deadline_margin_ms", BATCH_MARGIN_MS, "batch-deadline-margin", "batch"),
        ("batch.process_batch", "deadline_margin_ms", BATCH_MARGIN_MS, "batch-deadline-margin", "process_batch"),
    )
    for name, option, default, check, label in options:
        for call in usage.named(name):
            value = call.args.get(option)
            margin = _number(_resolve(value, function, template)) if value is not None else default
            if margin is None:
                text = value.text if value is not None else option
                why = "not a number" if value is not None and value.kind == "literal" else "computed"
                yield Note(function.name, f"{call.where}: {label}'s {option} is {why} ({text}): not checked")
                continue
            if function.timeout_s is None:
                yield Note(function.name, f"the function's Timeout is not known: {label}'s {option} not checked")
                continue
            timeout_ms = function.timeout_s * 1000
            if margin >= timeout_ms:
                yield Finding(
                    check,
                    function.name,
                    function.name,
                    f"{label}({option}={margin:g}) at {call.where} is not below the function's timeout "
                    f"({timeout_ms:g} ms): the first invocation fails with a configuration error",
                    f"raise Timeout of {function.name} above {margin / 1000:g} s or lower {option} "
                    f"under {timeout_ms:g}",
                    call.where,
                )


def _tracing(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    traced = usage.named("tracing.trace", "tracing.subsegment")
    if traced and not function.tracing_active:
        setting = "Tracing: Active" if function.sam else "TracingConfig: {Mode: Active}"
        yield Finding(
            "tracing-inactive",
            function.name,
            function.name,
            f"the code traces (@trace at {traced[0].where}) but active tracing is off: Lambda records no "
            "trace segment for the function, so its subsegments are never sent",
            f"set {setting} on {function.name}" + (" (or in Globals: Function)" if function.sam else ""),
            traced[0].where,
        )


# -- idempotency tables ----------------------------------------------------------------


def _idempotency_tables(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    for call in usage.named("idempotency.DynamoDBStore"):
        table = _resource_of(call.args.get("table_name"), function, template, _TABLE_TYPES)
        if isinstance(table, str) and table.startswith("?"):
            yield Note(function.name, f"{call.where}: DynamoDBStore table {table[1:]}: not checked")
            continue
        names = {}
        unknown = False
        for option, default in STORE_DEFAULTS.items():
            value = call.args.get(option)
            resolved = default if value is None else _resolve(value, function, template)
            if value is not None and (resolved is None and not (value.kind == "literal" and value.value is None)):
                unknown = True
            names[option] = resolved
        if unknown:
            yield Note(function.name, f"{call.where}: DynamoDBStore attribute names are computed: not checked")
            continue
        yield from _table_findings(template, function, call, str(table), names)


def _table_findings(
    template: Template, function: FunctionSpec, call: Call, table: str, names: dict[str, Any]
) -> Result:
    props = template.properties(table)
    key, sort_key, expiry = names["key_attr"], names["sort_key_attr"], names["expiry_attr"]
    if template.type_of(table) == "AWS::Serverless::SimpleTable":
        primary: dict[str, Any] = props["PrimaryKey"] if isinstance(props.get("PrimaryKey"), dict) else {}
        schema: dict[Any, tuple[Any, Any]] = {
            "HASH": (primary.get("Name", "id"), "S" if primary.get("Type", "String") == "String" else "N")
        }
    else:
        definitions = [item for item in _list(props.get("AttributeDefinitions")) if isinstance(item, dict)]
        types = {str(item.get("AttributeName")): item.get("AttributeType") for item in definitions}
        keys = [item for item in _list(props.get("KeySchema")) if isinstance(item, dict)]
        schema = {
            str(item.get("KeyType")): (item.get("AttributeName"), types.get(str(item.get("AttributeName"))))
            for item in keys
        }
    expected = {"HASH": (key, "S")}
    if sort_key is not None:
        expected["RANGE"] = (sort_key, "S")
    if schema != expected:
        wanted = f"partition key {key!r} (S)" + (f" and sort key {sort_key!r} (S)" if sort_key else ", no sort key")
        found = ", ".join(f"{kind} {name!r} ({kind_type})" for kind, (name, kind_type) in sorted(schema.items()))
        yield Finding(
            "idempotency-table-key",
            function.name,
            table,
            f"DynamoDBStore at {call.where} writes items keyed by {wanted}, but table {table} has "
            f"{found or 'no key schema'}: every request fails with a ValidationException",
            f"give {table} a KeySchema of {wanted}, or pass key_attr/sort_key_attr to DynamoDBStore to match the table",
            call.where,
        )
    ttl = props.get("TimeToLiveSpecification")
    ttl_attr = ttl.get("AttributeName") if isinstance(ttl, dict) else None
    enabled = isinstance(ttl, dict) and ttl.get("Enabled") in (True, "true", "True")
    if ttl_attr != expiry or not enabled:
        state = (
            f"its TTL attribute is {ttl_attr!r}" + ("" if enabled else " (disabled)") if ttl_attr else "it has no TTL"
        )
        fix = (
            f"use an AWS::DynamoDB::Table with TimeToLiveSpecification: {{AttributeName: {expiry}, Enabled: true}}"
            if template.type_of(table) == "AWS::Serverless::SimpleTable"
            else f"set TimeToLiveSpecification: {{AttributeName: {expiry}, Enabled: true}} on {table}, "
            "or pass expiry_attr to DynamoDBStore to match the table"
        )
        yield Finding(
            "idempotency-table-ttl",
            function.name,
            table,
            f"DynamoDBStore at {call.where} writes each record's expiry to {expiry!r}, but {state}: "
            "expired records are never deleted and the table grows without bound",
            fix,
            call.where,
        )


# -- IAM -------------------------------------------------------------------------------


@dataclass
class _Need:
    actions: tuple[str, ...]
    target: str | None  # the logical id the actions must be allowed on, when known
    what: str
    where: str | None


def _needs(template: Template, function: FunctionSpec, usage: Usage) -> Iterator[_Need | Note]:
    for call in usage.named("idempotency.DynamoDBStore"):
        table = _resource_of(call.args.get("table_name"), function, template, _TABLE_TYPES)
        target = None if table is None or table.startswith("?") else table
        yield _Need(STORE_ACTIONS, target, f"DynamoDBStore at {call.where}", call.where)
    ssm_reads = []
    for call in usage.anywhere:
        if call.name not in _LOOKUPS:
            continue
        actions, resource_type = _LOOKUPS[call.name]
        found = _resource_of(call.args.get("name"), function, template, (resource_type,))
        target = None if found is None or found.startswith("?") else found
        yield _Need(actions, target, f"{call.name.split('.')[1]} at {call.where}", call.where)
        if call.name in ("parameters.get_secret", "parameters.Secret", "parameters.get_secrets") and target:
            key = template.target(template.properties(target).get("KmsKeyId"))
            if template.properties(target).get("KmsKeyId") is not None:
                yield _Need(("kms:Decrypt",), key, f"secret {target}'s customer managed KMS key", call.where)
        if call.name.startswith("parameters.get_parameter") or call.name == "parameters.Parameter":
            decrypt = call.args.get("decrypt")
            if decrypt is None or decrypt.kind != "literal" or decrypt.value:
                ssm_reads.append(call)
    if ssm_reads and not _allowed(template, function, "kms:Decrypt", None):
        yield Note(
            function.name,
            f"{ssm_reads[0].where} reads SSM parameters with decryption: a SecureString under a customer managed "
            "KMS key also needs kms:Decrypt on that key (the AWS managed key aws/ssm needs none); "
            "the template cannot tell which key a parameter uses",
        )
    traced = usage.named("tracing.trace", "tracing.subsegment")
    # SAM adds AWSXrayWriteOnlyAccess to the role of a function with Tracing: Active; without
    # it the tracing-inactive finding already says what to change.
    if traced and not function.sam:
        yield _Need(XRAY_ACTIONS, None, f"@trace at {traced[0].where}", traced[0].where)


def _iam(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    permissions = function.permissions
    for need in _needs(template, function, usage):
        if isinstance(need, Note):
            yield need
            continue
        missing = [action for action in need.actions if not _allowed(template, function, action, need.target)]
        if not missing:
            continue
        on = f" on {need.target}" if need.target else ""
        if permissions.unknown:
            yield Note(
                function.name,
                f"{need.what} needs {', '.join(missing)}{on}: not found in the template, maybe granted by "
                f"{', '.join(sorted(set(permissions.unknown)))}",
            )
            continue
        fix = f"allow {', '.join(missing)}{on} in the role of {function.name}"
        if function.sam:
            fix += " (Policies: an inline Statement" + (_template_hint(missing) or "") + ")"
        yield Finding(
            "iam-missing",
            function.name,
            function.name,
            f"{need.what} needs {', '.join(missing)}{on}, which the function's role does not allow: "
            "the call fails with AccessDenied",
            fix,
            need.where,
        )


def _template_hint(missing: list[str]) -> str | None:
    service = missing[0].split(":")[0]
    hints = {
        "dynamodb": " or DynamoDBCrudPolicy",
        "ssm": " or SSMParameterReadPolicy",
        "secretsmanager": " or AWSSecretsManagerGetSecretValuePolicy",
        "kms": " or KMSDecryptPolicy",
    }
    return hints.get(service)


def _allowed(template: Template, function: FunctionSpec, action: str, target: str | None) -> bool:
    for statement in function.permissions.statements:
        if statement.get("Effect") != "Allow" or "Action" not in statement:
            continue
        actions = statement["Action"]
        if not isinstance(actions, list):
            actions = [actions]
        if not any(
            isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions
        ):
            continue
        if _covers(template, statement.get("Resource", "*"), target):
            return True
    return False


def _matches(action: str, pattern: Any) -> bool:
    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _covers(template: Template, resource: Any, target: str | None) -> bool:
    """Whether a statement's Resource may include ``target``: only a reference to another
    resource of the template rules it out (an ARN written out gets the benefit of the doubt)."""
    entries = resource if isinstance(resource, list) else [resource]
    for entry in entries:
        referenced = _references(template, entry)
        if not referenced or target is None or target in referenced:
            return True
    return False


def _references(template: Template, value: Any) -> set[str]:
    """The template resources a Resource entry names (Ref, GetAtt, or inside a Sub)."""
    direct = template.target(value)
    if direct is not None:
        return {direct}
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) and len(sub) == 2 else (sub, {})
        found = set()
        if isinstance(text, str):
            found = {name for name in _SUB_REFERENCE.findall(text) if name in template.resources}
        if isinstance(variables, dict):
            for inner in variables.values():
                found |= _references(template, inner)
        return found
    return set()


# -- layers ----------------------------------------------------------------------------


def _layers(template: Template, function: FunctionSpec, usage: Usage) -> Result:
    for layer in function.layers:
        name = template.target(layer)
        if name is None or template.type_of(name) not in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            continue
        props = template.properties(name)
        runtimes = props.get("CompatibleRuntimes")
        if isinstance(runtimes, list) and function.runtime and function.runtime not in runtimes:
            yield Finding(
                "layer-runtime",
                function.name,
                name,
                f"layer {name} is built for {', '.join(map(str, runtimes))}, but {function.name} runs "
                f"{function.runtime}: its compiled dependencies may not import",
                f"build the layer for {function.runtime} (lambda-toolkit layer build --python "
                f"{function.runtime.removeprefix('python')}) and list it in CompatibleRuntimes, "
                f"or change the Runtime of {function.name}",
            )
        architectures = props.get("CompatibleArchitectures")
        if isinstance(architectures, list):
            wrong = [arch for arch in function.architectures if arch not in architectures]
            if wrong:
                yield Finding(
                    "layer-architecture",
                    function.name,
                    name,
                    f"layer {name} is built for {', '.join(map(str, architectures))}, but {function.name} "
                    f"runs on {', '.join(wrong)}: its compiled dependencies (pydantic-core) do not load",
                    f"build the layer with --arch {wrong[0]} and list it in CompatibleArchitectures, "
                    f"or change the Architectures of {function.name}",
                )


# -- resolving the code's values against the template ---------------------------------------


def _resolve(value: Value | None, function: FunctionSpec, template: Template) -> Any:
    """The literal a value has once deployed: a literal, or the function's environment variable
    (its template value, or the code's default when the template does not set it); None if unknown."""
    if value is None or value.kind == "unknown":
        return None
    if value.kind == "literal":
        return value.value
    if value.value in function.environment:
        return template.scalar(function.environment[value.value])
    return _resolve(value.default, function, template)


def _resource_of(value: Value | None, function: FunctionSpec, template: Template, types: tuple[str, ...]) -> Any:
    """The logical id of the resource (of one of ``types``) a name in the code designates.

    None when the code's name is not a resource of the template; ``"?reason"`` when doctor
    cannot tell.
    """
    if value is None:
        return "?named by an argument doctor did not find"
    if value.kind == "unknown":
        return f"?computed at run time ({value.text})"
    if value.kind == "env" and value.value in function.environment:
        raw = function.environment[value.value]
        target = template.target(raw)
        if target is not None:
            if template.type_of(target) in types:
                return target
            return f"?{value.value} names {target}, a {template.type_of(target)}, not a {types[0]}"
        literal = template.scalar(raw)
    else:
        literal = _resolve(value, function, template)
    if not isinstance(literal, str):
        return f"?{value.text} is not set in the template"
    for name, resource in template.resources.items():
        if resource.get("Type") in types:
            props = template.properties(name)
            if literal in (props.get("TableName"), props.get("Name")):
                return name
    return f"?{literal!r} is not defined in this template"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> float | None:
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

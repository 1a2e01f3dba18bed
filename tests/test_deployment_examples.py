"""The example application's CDK app and serverless.yml deploy what template.yaml (SAM) deploys.

Checked offline and structurally, without aws-cdk-lib or the Serverless Framework (see
docs/example.md for why): serverless.yml is validated against a JSON Schema written from
the Serverless Framework's documentation of the keys it uses, and both are compared,
setting by setting, with the SAM template that `lambda-toolkit doctor` checks clean. The CDK
app is read with ``ast`` (its constants evaluated), never imported.
"""

from __future__ import annotations

import ast
import operator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lambda_toolkit.cli._doctor_template import load_template
from lambda_toolkit.idempotency import DynamoDBStore

ORDERS = Path(__file__).resolve().parents[1] / "examples" / "orders"
SAM = load_template(ORDERS / "template.yaml")
STORE = DynamoDBStore("defaults")
STORE_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def sam_function(handler: str) -> dict[str, Any]:
    [name] = [name for name in SAM.resources if SAM.properties(name).get("Handler") == handler]
    return SAM.properties(name)


SAM_GLOBALS = SAM.data["Globals"]["Function"]
HANDLERS = sorted(
    SAM.properties(name)["Handler"]
    for name, resource in SAM.resources.items()
    if resource["Type"] == "AWS::Serverless::Function"
)


def test_the_handlers_exist_and_the_sam_template_is_the_reference() -> None:
    assert HANDLERS == ["orders.api.create_order", "orders.worker.fulfil_order"]
    for handler in HANDLERS:
        module = handler.rpartition(".")[0]
        assert (ORDERS / (module.replace(".", "/") + ".py")).is_file()


# -- serverless.yml --------------------------------------------------------------------------

_ACTIONS = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_STATEMENT = {
    "type": "object",
    "required": ["Effect", "Action", "Resource"],
    "properties": {"Sid": {"type": "string"}, "Effect": {"enum": ["Allow", "Deny"]}, "Action": _ACTIONS},
}
_CFN_VALUE = {"anyOf": [{"type": "string"}, {"type": "object", "minProperties": 1, "maxProperties": 1}]}
_ENVIRONMENT = {"type": "object", "additionalProperties": _CFN_VALUE}
_DURATION = {"type": "integer", "minimum": 1, "maximum": 900}

# The keys this file uses, as the Serverless Framework (v3/v4) documents them: serverless.yml
# reference, AWS provider, functions, layers, the httpApi and sqs events, IAM.
SERVERLESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service", "provider", "functions"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string", "pattern": "^[a-zA-Z][0-9a-zA-Z-]+$"},
        "frameworkVersion": {"type": "string"},
        "provider": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"const": "aws"},
                "runtime": {"type": "string", "pattern": "^python3\\.[0-9]+$"},
                "architecture": {"enum": ["x86_64", "arm64"]},
                "memorySize": {"type": "integer", "minimum": 128, "maximum": 10240},
                "timeout": _DURATION,
                "stage": {"type": "string"},
                "region": {"type": "string"},
                "tracing": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "lambda": {"anyOf": [{"type": "boolean"}, {"enum": ["Active", "PassThrough"]}]},
                        "apiGateway": {"type": "boolean"},
                    },
                },
                "layers": {"type": "array", "items": _CFN_VALUE},
                "environment": _ENVIRONMENT,
                "iam": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "role": {
                            "anyOf": [
                                {"type": "string"},
                                {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "statements": {"type": "array", "items": _STATEMENT},
                                        "managedPolicies": {"type": "array"},
                                    },
                                },
                            ]
                        }
                    },
                },
            },
        },
        "custom": {"type": "object"},
        "package": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "patterns": {"type": "array", "items": {"type": "string"}},
                "individually": {"type": "boolean"},
                "artifact": {"type": "string"},
            },
        },
        "layers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "path": {"type": "string"},
                    "package": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"artifact": {"type": "string"}, "patterns": {"type": "array"}},
                    },
                    "compatibleRuntimes": {"type": "array", "items": {"type": "string"}, "maxItems": 15},
                    "compatibleArchitectures": {
                        "type": "array",
                        "items": {"enum": ["x86_64", "arm64"]},
                        "maxItems": 2,
                    },
                    "retain": {"type": "boolean"},
                },
                "anyOf": [{"required": ["path"]}, {"required": ["package"]}],
            },
        },
        "functions": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["handler"],
                "additionalProperties": False,
                "properties": {
                    "handler": {"type": "string", "pattern": "^[A-Za-z_][\\w.]*\\.[A-Za-z_]\\w*$"},
                    "timeout": _DURATION,
                    "memorySize": {"type": "integer", "minimum": 128, "maximum": 10240},
                    "environment": _ENVIRONMENT,
                    "layers": {"type": "array", "items": _CFN_VALUE},
                    "events": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": 1,
                            "properties": {
                                "httpApi": {
                                    "anyOf": [
                                        {"type": "string"},
                                        {
                                            "type": "object",
                                            "required": ["path", "method"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "path": {"type": "string", "pattern": "^/"},
                                                "method": {"type": "string"},
                                            },
                                        },
                                    ]
                                },
                                "sqs": {
                                    "type": "object",
                                    "required": ["arn"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "arn": _CFN_VALUE,
                                        "batchSize": {"type": "integer", "minimum": 1, "maximum": 10000},
                                        "maximumBatchingWindow": {"type": "integer", "minimum": 0, "maximum": 300},
                                        "functionResponseType": {"const": "ReportBatchItemFailures"},
                                        "enabled": {"type": "boolean"},
                                    },
                                },
                            },
                            "additionalProperties": False,
                        },
                    },
                },
            },
        },
        "resources": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"Resources": {"type": "object"}, "Outputs": {"type": "object"}},
        },
    },
}


@pytest.fixture(scope="module")
def serverless() -> dict[str, Any]:
    # the doctor's loader: a YAML reader that keeps !Ref and !GetAtt as their long form
    from lambda_toolkit.cli._doctor_template import _parse

    path = ORDERS / "serverless.yml"
    data: dict[str, Any] = _parse(path.read_text(), path)
    return data


def test_serverless_yml_matches_the_schema(serverless: dict[str, Any]) -> None:
    jsonschema.validate(serverless, SERVERLESS_SCHEMA)


def test_the_schema_rejects_a_misspelt_key(serverless: dict[str, Any]) -> None:
    broken = {
        **serverless,
        "functions": {"w": {"handler": "a.b", "events": [{"sqs": {"arn": "x", "functionResponseTypes": []}}]}},
    }
    with pytest.raises(jsonschema.ValidationError, match="functionResponseTypes"):
        jsonschema.validate(broken, SERVERLESS_SCHEMA)


def test_serverless_functions_are_the_sam_functions(serverless: dict[str, Any]) -> None:
    provider = serverless["provider"]
    assert provider["runtime"] == SAM_GLOBALS["Runtime"]
    assert [provider["architecture"]] == SAM_GLOBALS["Architectures"]
    assert provider["memorySize"] == SAM_GLOBALS["MemorySize"]
    assert provider["tracing"]["lambda"] is True and SAM_GLOBALS["Tracing"] == "Active"
    assert provider["environment"] == SAM_GLOBALS["Environment"]["Variables"]
    functions = serverless["functions"].values()
    assert sorted(function["handler"] for function in functions) == HANDLERS
    for function in functions:
        sam = sam_function(function["handler"])
        assert function["timeout"] == sam["Timeout"]
        variables = sam["Environment"]["Variables"]
        assert function["environment"].keys() == variables.keys()
        for name, value in variables.items():
            if isinstance(value, dict) and value.get("Ref") in SAM.resources:
                assert function["environment"][name] == value  # the same resource


def test_serverless_worker_reports_batch_item_failures(serverless: dict[str, Any]) -> None:
    worker = next(f for f in serverless["functions"].values() if f["handler"] == "orders.worker.fulfil_order")
    [event] = worker["events"]
    sam_event = sam_function("orders.worker.fulfil_order")["Events"]["Orders"]["Properties"]
    assert event["sqs"]["functionResponseType"] == "ReportBatchItemFailures"
    assert sam_event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["sqs"]["arn"] == sam_event["Queue"] and event["sqs"]["batchSize"] == sam_event["BatchSize"]


def test_serverless_resources_are_the_sam_resources(serverless: dict[str, Any]) -> None:
    resources = serverless["resources"]["Resources"]
    for name in ("IdempotencyTable", "OrdersQueue", "OrdersDeadLetterQueue"):
        assert resources[name] == SAM.resources[name]
    table = resources["IdempotencyTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": STORE.key_attr, "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": STORE.expiry_attr, "Enabled": True}
    worker_timeout = next(f["timeout"] for f in serverless["functions"].values() if f["events"][0].get("sqs"))
    assert resources["OrdersQueue"]["Properties"]["VisibilityTimeout"] >= 6 * worker_timeout


def test_serverless_layer_and_role(serverless: dict[str, Any]) -> None:
    [(name, layer)] = serverless["layers"].items()
    sam_layer = SAM.properties("ToolkitLayer")
    # The framework names a layer's resource <Name>LambdaLayer, with the name's first letter upper-cased.
    assert serverless["provider"]["layers"] == [{"Ref": f"{name[0].upper()}{name[1:]}LambdaLayer"}]
    assert layer["package"]["artifact"] == sam_layer["ContentUri"]
    assert layer["compatibleRuntimes"] == sam_layer["CompatibleRuntimes"]
    assert layer["compatibleArchitectures"] == sam_layer["CompatibleArchitectures"]
    sam_statements = {
        statement["Sid"]: statement for statement in sam_function("orders.api.create_order")["Policies"][0]["Statement"]
    }
    statements = {statement["Sid"]: statement for statement in serverless["provider"]["iam"]["role"]["statements"]}
    assert statements.keys() == sam_statements.keys()
    for sid, statement in statements.items():
        assert statement["Action"] == sam_statements[sid]["Action"]
    assert set(statements["IdempotencyRecords"]["Action"]) == STORE_ACTIONS
    assert statements["IdempotencyRecords"]["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}


# -- the CDK app -----------------------------------------------------------------------------

CDK_APP = ORDERS / "cdk" / "app.py"
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


class CdkApp:
    """The CDK app read with ast: its construct calls, their keyword arguments evaluated."""

    def __init__(self, path: Path) -> None:
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.constants = {
            node.targets[0].id: node.value
            for node in self.tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        }
        self.mappings: dict[str, ast.expr] = {}
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Dict)
            ):
                self.mappings[node.targets[0].id] = node.value

    def evaluate(self, node: ast.expr) -> Any:
        """Literals, arithmetic, module constants, ``Duration.seconds(n)``/``days(n)`` (in seconds),
        lists, dicts; any other name as its dotted text (``lambda_.Tracing.ACTIVE``)."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return _ARITHMETIC[type(node.op)](self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.evaluate(self.constants[node.id])
        if isinstance(node, ast.List):
            return [self.evaluate(item) for item in node.elts]
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("cdk.Duration.seconds", "cdk.Duration.days"):
            value = self.evaluate(node.args[0])
            return value * 86400 if node.func.attr == "days" else value  # type: ignore[attr-defined]
        return ast.unparse(node)

    def calls(self, callee: str) -> list[ast.Call]:
        return [node for node in ast.walk(self.tree) if isinstance(node, ast.Call) and ast.unparse(node.func) == callee]

    def construct(self, callee: str, construct_id: str) -> dict[str, Any]:
        """The keyword arguments of ``callee(self, construct_id, ...)``, ``**mapping`` spread in."""
        [call] = [
            call
            for call in self.calls(callee)
            if len(call.args) > 1 and isinstance(call.args[1], ast.Constant) and call.args[1].value == construct_id
        ]
        return self.keywords(call)

    def keywords(self, call: ast.Call) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for keyword in call.keywords:
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                mapping = self.mappings[keyword.value.id]
                assert isinstance(mapping, ast.Dict)
                for key, value in zip(mapping.keys, mapping.values, strict=True):
                    assert isinstance(key, ast.Constant)
                    found[str(key.value)] = self.evaluate(value)
            elif keyword.arg is not None:
                found[keyword.arg] = (
                    keyword.value if isinstance(keyword.value, ast.Dict) else self.evaluate(keyword.value)
                )
        return found


@pytest.fixture(scope="module")
def cdk() -> CdkApp:
    return CdkApp(CDK_APP)


def test_the_cdk_app_imports_only_the_cdk_and_the_standard_library(cdk: CdkApp) -> None:
    imported = set()
    for node in ast.walk(cdk.tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported == {"__future__", "pathlib", "aws_cdk", "constructs"}
    assert (ORDERS / "cdk" / "cdk.json").is_file()
    assert "aws-cdk-lib" in (ORDERS / "cdk" / "requirements.txt").read_text()


def test_cdk_functions_are_the_sam_functions(cdk: CdkApp) -> None:
    for construct_id in ("CreateOrderFunction", "FulfilOrderFunction"):
        function = cdk.construct("lambda_.Function", construct_id)
        sam = SAM.properties(construct_id)
        assert function["handler"] == sam["Handler"]
        assert function["timeout"] == sam["Timeout"]
        assert function["runtime"] == "lambda_.Runtime.PYTHON_3_12" and SAM_GLOBALS["Runtime"] == "python3.12"
        assert function["architecture"] == "lambda_.Architecture.X86_64" and SAM_GLOBALS["Architectures"] == ["x86_64"]
        assert function["memory_size"] == SAM_GLOBALS["MemorySize"]
        assert function["tracing"] == "lambda_.Tracing.ACTIVE" and SAM_GLOBALS["Tracing"] == "Active"
        assert function["layers"] == ["layer"]
        environment = function["environment"]
        assert isinstance(environment, ast.Dict)
        names = {key.value for key in environment.keys if isinstance(key, ast.Constant)}
        assert names == {*SAM_GLOBALS["Environment"]["Variables"], *sam["Environment"]["Variables"]}
    # the code asset is the directory holding the orders package
    assets = sorted(ast.unparse(call.args[0]) for call in cdk.calls("lambda_.Code.from_asset"))
    assert assets == ["layer_zip", "str(CODE)"] and ast.unparse(cdk.constants["CODE"]) == "HERE.parent"


def test_cdk_worker_reports_batch_item_failures(cdk: CdkApp) -> None:
    [source] = cdk.calls("sources.SqsEventSource")
    options = cdk.keywords(source)
    sam_event = SAM.properties("FulfilOrderFunction")["Events"]["Orders"]["Properties"]
    assert options == {"batch_size": sam_event["BatchSize"], "report_batch_item_failures": True}
    assert ast.unparse(source.args[0]) == "queue"


def test_cdk_table_queue_and_layer_are_the_sam_ones(cdk: CdkApp) -> None:
    table = cdk.construct("dynamodb.Table", "IdempotencyTable")
    assert ast.unparse(cdk.calls("dynamodb.Attribute")[0]) == (
        f"dynamodb.Attribute(name={STORE.key_attr!r}, type=dynamodb.AttributeType.STRING)"
    )
    assert table["time_to_live_attribute"] == STORE.expiry_attr
    assert table["billing_mode"] == "dynamodb.BillingMode.PAY_PER_REQUEST"
    queue = cdk.construct("sqs.Queue", "OrdersQueue")
    sam_queue = SAM.properties("OrdersQueue")
    assert queue["visibility_timeout"] == sam_queue["VisibilityTimeout"]
    assert queue["visibility_timeout"] >= 6 * cdk.construct("lambda_.Function", "FulfilOrderFunction")["timeout"]
    [dead_letter] = cdk.calls("sqs.DeadLetterQueue")
    assert cdk.keywords(dead_letter)["max_receive_count"] == sam_queue["RedrivePolicy"]["maxReceiveCount"]
    retention = cdk.construct("sqs.Queue", "OrdersDeadLetterQueue")["retention_period"]
    assert retention == SAM.properties("OrdersDeadLetterQueue")["MessageRetentionPeriod"]
    layer = cdk.construct("lambda_.LayerVersion", "ToolkitLayer")
    assert layer["compatible_runtimes"] == ["lambda_.Runtime.PYTHON_3_12"]
    assert layer["compatible_architectures"] == ["lambda_.Architecture.X86_64"]
    assert (
        Path(ast.unparse(cdk.constants["DEFAULT_LAYER_ZIP"]).split("/ ")[-1].strip("'\"")).name
        == Path(SAM.properties("ToolkitLayer")["ContentUri"]).name
    )


def test_cdk_role_allows_what_the_store_and_the_api_call(cdk: CdkApp) -> None:
    [statement] = cdk.calls("iam.PolicyStatement")
    options = cdk.keywords(statement)
    assert set(options["actions"]) == STORE_ACTIONS
    assert options["resources"] == ["table.table_arn"]
    grants = {ast.unparse(call.func) for call in ast.walk(cdk.tree) if isinstance(call, ast.Call)}
    assert "queue.grant_send_messages" in grants
    assert any(grant.endswith(".grant_read") for grant in grants)  # the payment secret

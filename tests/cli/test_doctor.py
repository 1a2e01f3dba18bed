"""`lambda-toolkit doctor`: the example application's template is clean; each broken copy of it
is reported once, with its fix; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_toolkit.cli import main
from lambda_toolkit.cli.doctor import REPORT_SCHEMA

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders"


class Doctor:
    """A copy of examples/orders in a temporary directory, to break and check."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        shutil.copy(EXAMPLE / "template.yaml", root / "template.yaml")
        shutil.copytree(EXAMPLE / "orders", root / "orders", ignore=shutil.ignore_patterns("__pycache__"))

    @property
    def template(self) -> Path:
        return self.root / "template.yaml"

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace ``old`` (which must occur exactly once) in a file of the copy."""
        path = self.root / relative
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new))

    def line(self, relative: str, text: str) -> int:
        """The number of the first line of a file of the copy that holds ``text``."""
        lines = (self.root / relative).read_text().splitlines()
        return next(number for number, line in enumerate(lines, 1) if text in line)

    def run(self, *extra: str, template: Path | None = None) -> tuple[int, dict[str, Any]]:
        """Exit code and JSON report (validated against the published schema)."""
        code = main(["doctor", str(template or self.template), "--format", "json", *extra])
        out = self.capsys.readouterr().out
        report = json.loads(out)
        jsonschema.validate(report, REPORT_SCHEMA)
        return code, report

    def findings(self) -> list[dict[str, Any]]:
        code, report = self.run()
        assert code == (1 if report["findings"] else 0)
        return list(report["findings"])

    def fails(self, *args: str) -> str:
        """Stderr of a run that must end with exit code 2 and print nothing on stdout."""
        code = main(["doctor", *args])
        captured = self.capsys.readouterr()
        assert code == 2
        assert captured.out == ""
        assert captured.err.startswith("lambda-toolkit doctor: error: ")
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
        return captured.err


@pytest.fixture
def app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Doctor:
    return Doctor(tmp_path, capsys)


def only(findings: list[dict[str, Any]], check: str, function: str, resource: str) -> dict[str, Any]:
    """The single finding; anything else fails the test."""
    assert [(f["check"], f["function"], f["resource"]) for f in findings] == [(check, function, resource)]
    return findings[0]


# -- the example ---------------------------------------------------------------------------


def test_the_example_template_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", str(EXAMPLE / "template.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.endswith("2 function(s), no findings\n")


def test_the_example_report_names_what_each_function_uses(app: Doctor) -> None:
    code, report = app.run()
    assert code == 0
    assert report["findings"] == [] and report["notes"] == []
    uses = {function["name"]: function["uses"] for function in report["functions"]}
    assert uses == {
        "CreateOrderFunction": ["idempotency.DynamoDBStore", "parameters.get_secret", "tracing.trace"],
        "FulfilOrderFunction": ["batch.batch", "timeout.timeout_guard", "tracing.trace"],
    }
    modules = {function["name"]: Path(function["module"]) for function in report["functions"]}
    assert modules["FulfilOrderFunction"] == (app.root / "orders" / "worker.py").resolve()


def test_the_same_template_as_json_is_clean(app: Doctor) -> None:
    from lambda_toolkit.cli._doctor_template import load_template

    as_json = app.root / "template.json"
    as_json.write_text(json.dumps(load_template(app.template).data, default=str))
    code, report = app.run(template=as_json)
    assert (code, report["findings"]) == (0, [])
    assert "!Ref" not in as_json.read_text() and '"Fn::GetAtt": ["OrdersDeadLetterQueue", "Arn"]' in as_json.read_text()


# -- one finding per broken copy -------------------------------------------------------------


def test_batch_without_report_batch_item_failures(app: Doctor) -> None:
    app.edit("template.yaml", "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
    finding = only(app.findings(), "batch-report-failures", "FulfilOrderFunction", "Orders")
    assert finding["fix"] == "add FunctionResponseTypes: [ReportBatchItemFailures] to Orders"


def test_report_batch_item_failures_is_not_asked_of_a_function_without_batch(app: Doctor) -> None:
    app.edit("template.yaml", "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
    app.edit("orders/worker.py", '@batch("sqs", model=OrderMessage, on_outcome=_count)\n', "")
    assert app.findings() == []


def test_sqs_visibility_timeout_under_six_times_the_function_timeout(app: Doctor) -> None:
    app.edit("template.yaml", "VisibilityTimeout: 180", "VisibilityTimeout: 179")
    finding = only(app.findings(), "sqs-visibility-timeout", "FulfilOrderFunction", "OrdersQueue")
    assert "179 s" in finding["message"] and finding["fix"] == "set VisibilityTimeout on OrdersQueue to at least 180"


def test_the_batching_window_counts_in_the_visibility_timeout(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "            BatchSize: 10\n",
        "            BatchSize: 10\n            MaximumBatchingWindowInSeconds: 5\n",
    )
    finding = only(app.findings(), "sqs-visibility-timeout", "FulfilOrderFunction", "OrdersQueue")
    assert finding["fix"].endswith("at least 185")


def test_timeout_guard_margin_not_below_the_timeout(app: Doctor) -> None:
    app.edit("orders/worker.py", "@timeout_guard(margin_ms=500)", "@timeout_guard(margin_ms=30 * 1000)")
    finding = only(app.findings(), "timeout-guard-margin", "FulfilOrderFunction", "FulfilOrderFunction")
    assert finding["where"] == f"orders/worker.py:{app.line('orders/worker.py', '@timeout_guard(')}"
    assert "timeout_guard(margin_ms=30000)" in finding["message"]


def test_a_margin_read_from_the_environment_uses_the_template_value(app: Doctor) -> None:
    app.edit("orders/worker.py", "@timeout_guard(margin_ms=500)", '@timeout_guard(margin_ms=int(os.environ["MARGIN"]))')
    code, report = app.run()
    # int(...) of a variable is computed: a note, not a finding
    assert code == 0 and report["findings"] == []
    assert [note["function"] for note in report["notes"]] == ["FulfilOrderFunction"]
    assert "margin_ms is computed" in report["notes"][0]["message"]


def test_a_margin_from_an_environment_variable_the_template_sets(app: Doctor) -> None:
    app.edit(
        "orders/worker.py", "@timeout_guard(margin_ms=500)", '@timeout_guard(margin_ms=os.environ.get("MARGIN", 500))'
    )
    assert app.findings() == []  # the default, 500 ms, fits
    app.edit(
        "template.yaml",
        "          LAMBDA_TOOLKIT_SERVICE: orders-worker\n",
        '          LAMBDA_TOOLKIT_SERVICE: orders-worker\n          MARGIN: "30000"\n',
    )
    only(app.findings(), "timeout-guard-margin", "FulfilOrderFunction", "FulfilOrderFunction")


def test_batch_deadline_margin_not_below_the_timeout(app: Doctor) -> None:
    # batch's default deadline_margin_ms is 1000: a 1 s function cannot run a record
    app.edit("template.yaml", "      Timeout: 30\n", "      Timeout: 1\n")
    finding = only(app.findings(), "batch-deadline-margin", "FulfilOrderFunction", "FulfilOrderFunction")
    assert "batch(deadline_margin_ms=1000)" in finding["message"]


def test_trace_without_active_tracing(app: Doctor) -> None:
    app.edit("template.yaml", "    Tracing: Active\n", "")
    findings = {finding["function"]: finding for finding in app.findings()}
    assert sorted((f["check"], f["function"], f["resource"]) for f in findings.values()) == [
        ("tracing-inactive", "CreateOrderFunction", "CreateOrderFunction"),
        ("tracing-inactive", "FulfilOrderFunction", "FulfilOrderFunction"),
    ]
    finding = findings["CreateOrderFunction"]
    assert finding["fix"] == "set Tracing: Active on CreateOrderFunction (or in Globals: Function)"
    assert finding["where"] == f"orders/api.py:{app.line('orders/api.py', '@trace')}"  # the first one
    assert findings["FulfilOrderFunction"]["where"] == f"orders/worker.py:{app.line('orders/worker.py', '@trace')}"


def test_idempotency_table_without_ttl(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "      TimeToLiveSpecification:\n        AttributeName: expiration\n        Enabled: true\n",
        "",
    )
    finding = only(app.findings(), "idempotency-table-ttl", "CreateOrderFunction", "IdempotencyTable")
    assert "it has no TTL" in finding["message"]
    assert "TimeToLiveSpecification: {AttributeName: expiration, Enabled: true}" in finding["fix"]


def test_idempotency_table_ttl_on_another_attribute(app: Doctor) -> None:
    app.edit("template.yaml", "AttributeName: expiration", "AttributeName: ttl")
    finding = only(app.findings(), "idempotency-table-ttl", "CreateOrderFunction", "IdempotencyTable")
    assert "its TTL attribute is 'ttl'" in finding["message"]


def test_the_store_options_are_compared_with_the_table(app: Doctor) -> None:
    app.edit("template.yaml", "AttributeName: expiration", "AttributeName: ttl")
    app.edit("orders/api.py", '"orders-idempotency"))', '"orders-idempotency"), expiry_attr="ttl")')
    assert app.findings() == []


def test_idempotency_table_key_schema(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "        - AttributeName: id\n          AttributeType: S",
        "        - AttributeName: pk\n          AttributeType: S",
    )
    app.edit(
        "template.yaml",
        "        - AttributeName: id\n          KeyType: HASH",
        "        - AttributeName: pk\n          KeyType: HASH",
    )
    finding = only(app.findings(), "idempotency-table-key", "CreateOrderFunction", "IdempotencyTable")
    assert "partition key 'id' (S), no sort key" in finding["message"] and "HASH 'pk' (S)" in finding["message"]


def test_a_table_with_a_sort_key_the_store_does_not_write(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "        - AttributeName: id\n          KeyType: HASH\n",
        "        - AttributeName: id\n          KeyType: HASH\n        - AttributeName: sk\n          KeyType: RANGE\n",
    )
    app.edit(
        "template.yaml",
        "          AttributeType: S\n",
        "          AttributeType: S\n        - AttributeName: sk\n          AttributeType: S\n",
    )
    only(app.findings(), "idempotency-table-key", "CreateOrderFunction", "IdempotencyTable")
    app.edit("orders/api.py", '"orders-idempotency"))', '"orders-idempotency"), sort_key_attr="sk")')
    assert app.findings() == []


def test_a_missing_dynamodb_action(app: Doctor) -> None:
    app.edit("template.yaml", "dynamodb:GetItem, dynamodb:PutItem, ", "dynamodb:GetItem, ")
    finding = only(app.findings(), "iam-missing", "CreateOrderFunction", "CreateOrderFunction")
    assert "needs dynamodb:PutItem on IdempotencyTable" in finding["message"]
    assert finding["fix"].startswith("allow dynamodb:PutItem on IdempotencyTable in the role of CreateOrderFunction")


def test_actions_allowed_on_another_resource_do_not_count(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "              Resource: !GetAtt IdempotencyTable.Arn",
        "              Resource: !GetAtt OrdersQueue.Arn",
    )
    finding = only(app.findings(), "iam-missing", "CreateOrderFunction", "CreateOrderFunction")
    assert (
        "dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem on IdempotencyTable"
        in finding["message"]
    )


def test_a_missing_secrets_manager_action(app: Doctor) -> None:
    app.edit("template.yaml", "Action: [secretsmanager:GetSecretValue]", "Action: [secretsmanager:DescribeSecret]")
    finding = only(app.findings(), "iam-missing", "CreateOrderFunction", "CreateOrderFunction")
    assert finding["message"].startswith("get_secret at orders/api.py:")
    assert "secretsmanager:GetSecretValue" in finding["message"]


@pytest.mark.parametrize(
    ("policy", "missing"),
    [
        ("DynamoDBCrudPolicy", None),
        ("DynamoDBReadPolicy", "dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem"),
        ("DynamoDBWritePolicy", "dynamodb:GetItem, dynamodb:DeleteItem"),
    ],
)
def test_sam_policy_templates(app: Doctor, policy: str, missing: str | None) -> None:
    app.edit(
        "template.yaml",
        "            - Sid: IdempotencyRecords\n              Effect: Allow\n"
        "              Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem]\n"
        "              Resource: !GetAtt IdempotencyTable.Arn\n",
        "",
    )
    app.edit(
        "template.yaml",
        "      Policies:\n        - Statement:",
        f"      Policies:\n        - {policy}:\n            TableName: !Ref IdempotencyTable\n        - Statement:",
    )
    findings = app.findings()
    if missing is None:
        assert findings == []
    else:
        assert (
            f"needs {missing} on IdempotencyTable"
            in only(findings, "iam-missing", "CreateOrderFunction", "CreateOrderFunction")["message"]
        )


def test_secrets_and_ssm_policy_templates(app: Doctor) -> None:
    app.edit(
        "orders/api.py", "import hashlib\n", "import hashlib\n\nfrom lambda_toolkit.parameters import get_parameter\n"
    )
    app.edit(
        "orders/api.py", "    secret = get_secret(", '    get_parameter("/orders/flags")\n    secret = get_secret('
    )
    app.edit("template.yaml", "Action: [secretsmanager:GetSecretValue]", "Action: [secretsmanager:DescribeSecret]")
    code, report = app.run()
    assert sorted(f["message"].split(" needs ")[1].split(",")[0] for f in report["findings"]) == [
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
    ]
    app.edit(
        "template.yaml",
        "      Policies:\n        - Statement:",
        "      Policies:\n        - SSMParameterReadPolicy:\n            ParameterName: orders/flags\n"
        "        - AWSSecretsManagerGetSecretValuePolicy:\n"
        "            SecretArn: !Sub arn:aws:secretsmanager:::secret:x\n"
        "        - Statement:",
    )
    code, report = app.run()
    assert (code, report["findings"]) == (0, [])
    # SSM reads decrypt by default: the KMS key is unknown, so a note (not a finding) says what else may be needed
    assert len(report["notes"]) == 1 and "kms:Decrypt" in report["notes"][0]["message"]


def test_a_secret_under_a_customer_managed_key_needs_kms_decrypt(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "  OrdersDeadLetterQueue:",
        "  PaymentKey:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {}\n\n"
        "  PaymentSecret:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      KmsKeyId: !Ref PaymentKey\n\n"
        "  OrdersDeadLetterQueue:",
    )
    app.edit(
        "template.yaml",
        "          PAYMENT_SECRET_NAME: !Ref PaymentSecretName",
        "          PAYMENT_SECRET_NAME: !Ref PaymentSecret",
    )
    finding = only(app.findings(), "iam-missing", "CreateOrderFunction", "CreateOrderFunction")
    assert finding["message"].startswith(
        "secret PaymentSecret's customer managed KMS key needs kms:Decrypt on PaymentKey"
    )
    assert "KMSDecryptPolicy" in finding["fix"]
    app.edit(
        "template.yaml",
        "      Policies:\n        - Statement:",
        "      Policies:\n        - KMSDecryptPolicy:\n            KeyId: !Ref PaymentKey\n        - Statement:",
    )
    assert app.findings() == []


def test_a_policy_doctor_cannot_read_turns_missing_actions_into_notes(app: Doctor) -> None:
    app.edit("template.yaml", "dynamodb:GetItem, dynamodb:PutItem, ", "dynamodb:GetItem, ")
    app.edit(
        "template.yaml",
        "      Policies:\n        - Statement:",
        "      Policies:\n        - arn:aws:iam::123456789012:policy/team-policy\n        - Statement:",
    )
    code, report = app.run()
    assert (code, report["findings"]) == (0, [])
    [note] = report["notes"]
    assert "dynamodb:PutItem" in note["message"] and "managed policy team-policy" in note["message"]


def test_layer_runtime_and_architecture(app: Doctor) -> None:
    app.edit("template.yaml", "      CompatibleRuntimes: [python3.12]", "      CompatibleRuntimes: [python3.11]")
    app.edit("template.yaml", "      CompatibleArchitectures: [x86_64]", "      CompatibleArchitectures: [arm64]")
    findings = app.findings()
    # one of each per function using the layer
    assert sorted((f["check"], f["function"], f["resource"]) for f in findings) == [
        ("layer-architecture", "CreateOrderFunction", "ToolkitLayer"),
        ("layer-architecture", "FulfilOrderFunction", "ToolkitLayer"),
        ("layer-runtime", "CreateOrderFunction", "ToolkitLayer"),
        ("layer-runtime", "FulfilOrderFunction", "ToolkitLayer"),
    ]
    runtime = next(f for f in findings if f["check"] == "layer-runtime")
    assert "--python 3.12" in runtime["fix"]


def test_every_broken_setting_at_once_is_each_reported_once(app: Doctor) -> None:
    app.edit("template.yaml", "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
    app.edit("template.yaml", "VisibilityTimeout: 180", "VisibilityTimeout: 30")
    app.edit("template.yaml", "    Tracing: Active\n", "")
    app.edit("template.yaml", "AttributeName: expiration", "AttributeName: ttl")
    app.edit("template.yaml", "Action: [secretsmanager:GetSecretValue]", "Action: [secretsmanager:DescribeSecret]")
    code, report = app.run()
    assert code == 1
    assert sorted((f["check"], f["function"]) for f in report["findings"]) == [
        ("batch-report-failures", "FulfilOrderFunction"),
        ("iam-missing", "CreateOrderFunction"),
        ("idempotency-table-ttl", "CreateOrderFunction"),
        ("sqs-visibility-timeout", "FulfilOrderFunction"),
        ("tracing-inactive", "CreateOrderFunction"),
        ("tracing-inactive", "FulfilOrderFunction"),
    ]
    main(["doctor", str(app.template)])
    text = app.capsys.readouterr().out
    assert text.count("  fix: ") == 6 and text.endswith("2 function(s), 6 finding(s)\n")


# -- how the code is read --------------------------------------------------------------------


def test_a_store_in_an_imported_module_of_the_package(app: Doctor) -> None:
    (app.root / "orders" / "stores.py").write_text(
        "import os\nfrom lambda_toolkit.idempotency import DynamoDBStore\n\n"
        'TABLE = os.environ["IDEMPOTENCY_TABLE"]\nstore = DynamoDBStore(TABLE, expiry_attr="expires")\n'
    )
    app.edit(
        "orders/api.py",
        'store = DynamoDBStore(os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency"))',
        "from .stores import store",
    )
    finding = only(app.findings(), "idempotency-table-ttl", "CreateOrderFunction", "IdempotencyTable")
    assert finding["where"] == f"orders/stores.py:{app.line('orders/stores.py', 'DynamoDBStore(')}"


def test_handler_made_by_calling_the_decorators(app: Doctor) -> None:
    (app.root / "orders" / "plain.py").write_text(
        "import lambda_toolkit.batch as b\nfrom lambda_toolkit import timeout_guard\n\n"
        "def record(r):\n    return None\n\n"
        "fulfil_order = timeout_guard(margin_ms=40_000)(b.batch('sqs')(record))\n"
    )
    app.edit("template.yaml", "Handler: orders.worker.fulfil_order", "Handler: orders.plain.fulfil_order")
    app.edit("template.yaml", "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
    findings = app.findings()
    assert sorted(f["check"] for f in findings) == ["batch-report-failures", "timeout-guard-margin"]


def test_a_table_named_literally_in_the_code(app: Doctor) -> None:
    app.edit(
        "orders/api.py",
        'DynamoDBStore(os.environ.get("IDEMPOTENCY_TABLE", "orders-idempotency"))',
        'DynamoDBStore("orders-idem")',
    )
    code, report = app.run()
    assert code == 0 and "'orders-idem' is not defined in this template" in report["notes"][0]["message"]
    app.edit(
        "template.yaml",
        "      BillingMode: PAY_PER_REQUEST\n",
        "      TableName: orders-idem\n      BillingMode: PAY_PER_REQUEST\n",
    )
    app.edit("template.yaml", "AttributeName: expiration", "AttributeName: ttl")
    only(app.findings(), "idempotency-table-ttl", "CreateOrderFunction", "IdempotencyTable")


CFN_TEMPLATE = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 59}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {},
      "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]}},
    "Worker": {"Type": "AWS::Lambda::Function", "Properties": {
      "Runtime": "python3.12", "Handler": "app.handler", "Code": "src", "Timeout": 10,
      "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
    "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
      "FunctionName": {"Ref": "Worker"}, "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}}}
  }
}
"""


def test_plain_cloudformation_functions_roles_and_mappings(app: Doctor) -> None:
    (app.root / "src").mkdir()
    (app.root / "src" / "app.py").write_text(
        "from lambda_toolkit.batch import batch\nfrom lambda_toolkit.tracing import trace\n\n"
        "@trace\n@batch('sqs')\ndef handler(record):\n    pass\n"
    )
    (app.root / "cfn.json").write_text(CFN_TEMPLATE)
    code, report = app.run(template=app.root / "cfn.json")
    assert code == 1
    assert sorted((f["check"], f["resource"]) for f in report["findings"]) == [
        ("batch-report-failures", "Mapping"),
        ("iam-missing", "Worker"),  # xray:PutTraceSegments, xray:PutTelemetryRecords
        ("sqs-visibility-timeout", "Queue"),
        ("tracing-inactive", "Worker"),
    ]
    iam = next(f for f in report["findings"] if f["check"] == "iam-missing")
    assert "xray:PutTraceSegments, xray:PutTelemetryRecords" in iam["message"]


def test_functions_doctor_cannot_read_are_noted(app: Doctor) -> None:
    (app.root / "other.yaml").write_text(
        "Resources:\n"
        "  Node:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: nodejs20.x, Handler: index.h}\n"
        "  Remote:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.12, Handler: app.h, Code: {S3Bucket: b, S3Key: k}}\n"
        "  Inline:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, Handler: index.h, InlineCode: 'def h(e, c): pass'}\n"
    )
    code, report = app.run(template=app.root / "other.yaml")
    assert (code, report["findings"]) == (0, [])
    assert [note["function"] for note in report["notes"]] == ["Node", "Remote", "Inline"]
    assert "not Python" in report["notes"][0]["message"] and "--handler-root" in report["notes"][1]["message"]
    assert "inline" in report["notes"][2]["message"]


def test_handler_root_locates_code_elsewhere(app: Doctor, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(app.template, elsewhere / "template.yaml")
    code, report = app.run("--handler-root", str(app.root), template=elsewhere / "template.yaml")
    assert (code, report["findings"], report["notes"]) == (0, [], [])


# -- bad input -------------------------------------------------------------------------------


def test_not_a_cloudformation_template(app: Doctor) -> None:
    (app.root / "config.yaml").write_text("name: orders\nitems: [1, 2]\n")
    err = app.fails(str(app.root / "config.yaml"))
    assert "is not a CloudFormation or SAM template: it has no Resources section" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Resources: [unclosed\n", "is not valid YAML (line 2)"),
        ('{"Resources": {', "is not valid JSON (line 1)"),
        (b"\xff\xfeResources", "is not UTF-8 text"),
    ],
)
def test_unreadable_templates(app: Doctor, content: str | bytes, expected: str) -> None:
    path = app.root / "bad"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert expected in app.fails(str(path))


def test_a_missing_template(app: Doctor) -> None:
    assert "does not exist" in app.fails(str(app.root / "nope.yaml"))


def test_a_missing_handler_module(app: Doctor) -> None:
    app.edit("template.yaml", "Handler: orders.worker.fulfil_order", "Handler: orders.workers.fulfil_order")
    err = app.fails(str(app.template))
    assert "function FulfilOrderFunction: handler module 'orders.workers' not found" in err
    assert str(app.root / "orders" / "workers.py") in err


def test_a_handler_function_the_module_does_not_define(app: Doctor) -> None:
    app.edit("template.yaml", "Handler: orders.worker.fulfil_order", "Handler: orders.worker.fulfil")
    assert "orders/worker.py defines no 'fulfil' at module level" in app.fails(str(app.template))


def test_a_module_that_does_not_parse(app: Doctor) -> None:
    app.edit("orders/models.py", "class OrderRequest(BaseModel):", "class OrderRequest(BaseModel)")
    err = app.fails(str(app.template))
    line = app.line("orders/models.py", "class OrderRequest(BaseModel)")
    assert f"orders/models.py cannot be parsed: expected ':' (line {line})" in err


def test_a_handler_root_that_is_not_a_directory(app: Doctor) -> None:
    assert "is not a directory" in app.fails(str(app.template), "--handler-root", str(app.root / "nope"))


def test_the_console_script_exit_codes_and_no_traceback(app: Doctor) -> None:
    command = [sys.executable, "-m", "lambda_toolkit", "doctor"]
    clean = subprocess.run([*command, str(app.template)], capture_output=True, text=True, check=False)
    assert (clean.returncode, clean.stderr) == (0, "")
    app.edit("template.yaml", "    Tracing: Active\n", "")
    found = subprocess.run(
        [*command, str(app.template), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 1 and json.loads(found.stdout)["findings"][0]["check"] == "tracing-inactive"
    bad = subprocess.run([*command, str(app.root / "orders" / "api.py")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_yaml_short_form_tags_become_their_long_form(tmp_path: Path) -> None:
    from lambda_toolkit.cli._doctor_template import load_template

    path = tmp_path / "tags.yaml"
    path.write_text(
        "Resources:\n  A:\n    Type: X\n    Properties:\n"
        "      Ref: !Ref Thing\n      Att: !GetAtt Queue.Arn\n      AttList: !GetAtt [Queue, QueueName]\n"
        "      Sub: !Sub ['${A}-x', {A: !Ref B}]\n      If: !If [Cond, 1, !Ref AWS::NoValue]\n"
        "      Join: !Join ['', [a, !Base64 b]]\n      Cond: !Condition C\n"
    )
    assert load_template(path).properties("A") == {
        "Ref": {"Ref": "Thing"},
        "Att": {"Fn::GetAtt": ["Queue", "Arn"]},
        "AttList": {"Fn::GetAtt": ["Queue", "QueueName"]},
        "Sub": {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]},
        "If": {"Fn::If": ["Cond", 1, {"Ref": "AWS::NoValue"}]},
        "Join": {"Fn::Join": ["", ["a", {"Fn::Base64": "b"}]]},
        "Cond": {"Condition": "C"},
    }


def test_yaml_without_pyyaml_says_what_to_install(app: Doctor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml raises ImportError
    assert "reading a YAML template needs PyYAML: pip install pyyaml" in app.fails(str(app.template))


def cdk_stack() -> dict[str, Any]:
    """The shape `cdk synth` gives cdk/app.py's API function (trimmed): code in an asset
    directory named by metadata, a role whose managed policy ARN is a !Join, and the
    grants in a separate AWS::IAM::Policy attached to the role."""
    join = ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]
    return {
        "Resources": {
            "Table1A": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
                },
            },
            "ApiRole2B": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Fn::Join": join}]}},
            "ApiRoleDefaultPolicy3C": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                                "Effect": "Allow",
                                "Resource": "*",
                            },
                            {
                                "Action": [
                                    "dynamodb:GetItem",
                                    "dynamodb:PutItem",
                                    "dynamodb:UpdateItem",
                                    "dynamodb:DeleteItem",
                                ],
                                "Effect": "Allow",
                                "Resource": {"Fn::GetAtt": ["Table1A", "Arn"]},
                            },
                            {
                                "Action": ["secretsmanager:GetSecretValue"],
                                "Effect": "Allow",
                                "Resource": "arn:aws:secretsmanager:*",
                            },
                        ]
                    },
                    "Roles": [{"Ref": "ApiRole2B"}],
                },
            },
            "Api4D": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}"}, "S3Key": "abc.zip"},
                    "Handler": "orders.api.create_order",
                    "Runtime": "python3.12",
                    "Timeout": 10,
                    "Role": {"Fn::GetAtt": ["ApiRole2B", "Arn"]},
                    "TracingConfig": {"Mode": "Active"},
                    "Environment": {"Variables": {"IDEMPOTENCY_TABLE": {"Ref": "Table1A"}}},
                },
                "Metadata": {"aws:asset:path": "asset.abc", "aws:asset:property": "Code"},
            },
        }
    }


def test_a_synthesized_cdk_stack(app: Doctor) -> None:
    out = app.root / "cdk.out"
    shutil.copytree(app.root / "orders", out / "asset.abc" / "orders")
    stack = cdk_stack()
    (out / "Stack.template.json").write_text(json.dumps(stack))
    code, report = app.run(template=out / "Stack.template.json")
    assert (code, report["findings"], report["notes"]) == (0, [], [])
    assert report["functions"][0]["module"] == str((out / "asset.abc" / "orders" / "api.py").resolve())
    # the grants live in the attached policy: without its DynamoDB statement, a finding
    del stack["Resources"]["ApiRoleDefaultPolicy3C"]["Properties"]["PolicyDocument"]["Statement"][1]
    (out / "Stack.template.json").write_text(json.dumps(stack))
    finding = only(app.run(template=out / "Stack.template.json")[1]["findings"], "iam-missing", "Api4D", "Api4D")
    assert (
        "dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem on Table1A" in finding["message"]
    )
    # and so without the X-Ray one (a plain CloudFormation function: nobody adds it)
    del stack["Resources"]["ApiRoleDefaultPolicy3C"]["Properties"]["PolicyDocument"]["Statement"][0]
    (out / "Stack.template.json").write_text(json.dumps(stack))
    findings = app.run(template=out / "Stack.template.json")[1]["findings"]
    assert any("xray:PutTraceSegments" in finding["message"] for finding in findings)


# Any shape under the keys doctor reads: it reports, notes, or refuses, and never crashes.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.sampled_from(["", "x", "arn:", "*", "Active", "Fn", "Queue", "Table", "Layer", "Role"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Statement", "Action", "Resource", "Q"]),
            inner,
            max_size=2,
        ),
    ),
    max_leaves=6,
)
_function_properties = st.dictionaries(
    st.sampled_from(
        ["Runtime", "Handler", "CodeUri", "Code", "Timeout", "Tracing", "Layers", "Events", "Policies", "Role",
         "Environment", "Architectures", "TracingConfig", "InlineCode", "EventSourceArn", "FunctionResponseTypes",
         "VisibilityTimeout", "KeySchema", "AttributeDefinitions", "TimeToLiveSpecification", "CompatibleRuntimes",
         "PolicyDocument", "ManagedPolicyArns", "Roles"]
    ),
    _values,
    max_size=6,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    properties=_function_properties,
    function_type=st.sampled_from(["AWS::Serverless::Function", "AWS::Lambda::Function"]),
    extra=st.dictionaries(st.sampled_from(["Globals", "Parameters"]), _values, max_size=2),
)
def test_odd_templates_never_crash(
    app: Doctor, properties: dict[str, Any], function_type: str, extra: dict[str, Any]
) -> None:
    properties = {"Runtime": "python3.12", "Handler": "orders.worker.fulfil_order", **properties}
    template = {
        **extra,
        "Resources": {
            "Fn": {"Type": function_type, "Properties": properties},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": properties},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"FunctionName": {"Ref": "Fn"}, **properties},
            },
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": properties},
            "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": properties},
            "Role": {"Type": "AWS::IAM::Role", "Properties": properties},
            "Policy": {"Type": "AWS::IAM::Policy", "Properties": properties},
        },
    }
    path = app.root / "odd.json"
    path.write_text(json.dumps(template))
    code = main(["doctor", str(path), "--format", "json"])
    captured = app.capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert captured.err.count("\n") == 1 and captured.out == ""
    else:
        jsonschema.validate(json.loads(captured.out), REPORT_SCHEMA)


def test_a_handler_re_exported_from_another_module_of_the_package(app: Doctor) -> None:
    (app.root / "orders" / "entry.py").write_text("from .worker import fulfil_order as handler\n")
    app.edit("template.yaml", "Handler: orders.worker.fulfil_order", "Handler: orders.entry.handler")
    assert app.findings() == []
    app.edit("template.yaml", "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
    only(app.findings(), "batch-report-failures", "FulfilOrderFunction", "Orders")


@pytest.mark.parametrize(
    "code",
    [
        "fulfil_order = lambda event, context: None",
        "from lambda_toolkit.batch import batch\nsources = ['sqs']\n@batch(*sources)\ndef fulfil_order(r): pass",
        "import os\nfrom lambda_toolkit.timeout import timeout_guard\n"
        "@timeout_guard(margin_ms=os.environ.get())\ndef fulfil_order(e, c): pass",
        "from lambda_toolkit.timeout import timeout_guard\n"
        "@timeout_guard(margin_ms='soon')\ndef fulfil_order(e, c): pass",
        "from lambda_toolkit.idempotency import DynamoDBStore\nDynamoDBStore(**{'table_name': 't'})\n"
        "DynamoDBStore(table_name=1, key_attr=2)\ndef fulfil_order(e, c): pass",
        "import os\nfrom lambda_toolkit.idempotency import DynamoDBStore\nDynamoDBStore(os.environ[1])\n"
        "X = X\nDynamoDBStore(X)\ndef fulfil_order(e, c): pass",
        "from lambda_toolkit.batch import batch\nfulfil_order = batch('sqs', deadline_margin_ms=1 / 0)(print)",
        "from json import loads as fulfil_order",
        "from .nowhere import fulfil_order",
    ],
)
def test_odd_handler_code_is_read_without_crashing(app: Doctor, code: str) -> None:
    (app.root / "orders" / "worker.py").write_text(code + "\n")
    code_, report = app.run()
    assert code_ in (0, 1)
    assert {finding["check"] for finding in report["findings"]} <= {"iam-missing", "timeout-guard-margin"}


def test_appconfig_lookups_need_the_appconfig_data_actions(app: Doctor) -> None:
    app.edit(
        "orders/api.py", "import hashlib\n", "import hashlib\n\nfrom lambda_toolkit.parameters import get_app_config\n"
    )
    app.edit("orders/api.py", "    secret = get_secret(", '    get_app_config("flags")\n    secret = get_secret(')
    finding = only(app.findings(), "iam-missing", "CreateOrderFunction", "CreateOrderFunction")
    assert "appconfig:StartConfigurationSession, appconfig:GetLatestConfiguration" in finding["message"]
    app.edit(
        "template.yaml",
        "            - Sid: SendOrders\n",
        "            - Effect: Allow\n              Action: appconfig:*\n              Resource: '*'\n"
        "            - Sid: SendOrders\n",
    )
    assert app.findings() == []


STREAM_WORKER = "from lambda_toolkit.batch import batch\n\n@batch({source!r})\ndef handler(record):\n    pass\n"
STREAM_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {{ShardCount: 1}}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: {{StreamViewType: NEW_IMAGE}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: worker.handler
      Events:
        Records:
          Type: {event}
          Properties:
            Stream: {stream}
            StartingPosition: LATEST
            {report}
"""


@pytest.mark.parametrize(
    ("source", "event", "stream"),
    [
        ("kinesis-stream", "Kinesis", "!GetAtt Stream.Arn"),
        ("dynamodb-stream", "DynamoDB", "!GetAtt Table.StreamArn"),
    ],
)
def test_stream_sources_need_report_batch_item_failures_too(app: Doctor, source: str, event: str, stream: str) -> None:
    (app.root / "worker.py").write_text(STREAM_WORKER.format(source=source))
    path = app.root / "streams.yaml"
    path.write_text(STREAM_TEMPLATE.format(event=event, stream=stream, report=""))
    code, report = app.run(template=path)
    assert code == 1
    assert [(f["check"], f["resource"]) for f in report["findings"]] == [("batch-report-failures", "Records")]
    path.write_text(
        STREAM_TEMPLATE.format(event=event, stream=stream, report="FunctionResponseTypes: [ReportBatchItemFailures]")
    )
    code, report = app.run(template=path)
    assert (code, report["findings"], report["notes"]) == (0, [], [])


def test_a_batch_for_another_source_asks_nothing_of_this_one(app: Doctor) -> None:
    (app.root / "worker.py").write_text(STREAM_WORKER.format(source="sqs"))
    path = app.root / "streams.yaml"
    path.write_text(STREAM_TEMPLATE.format(event="Kinesis", stream="!GetAtt Stream.Arn", report=""))
    assert app.run(template=path)[1]["findings"] == []


def test_a_sam_simple_table_has_no_ttl(app: Doctor) -> None:
    app.edit(
        "template.yaml",
        "      BillingMode: PAY_PER_REQUEST\n      AttributeDefinitions:\n        - AttributeName: id\n"
        "          AttributeType: S\n      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n"
        "      TimeToLiveSpecification:\n        AttributeName: expiration\n        Enabled: true\n",
        "      PrimaryKey: {Name: id, Type: String}\n",
    )
    app.edit("template.yaml", "    Type: AWS::DynamoDB::Table", "    Type: AWS::Serverless::SimpleTable")
    finding = only(app.findings(), "idempotency-table-ttl", "CreateOrderFunction", "IdempotencyTable")
    assert finding["fix"].startswith("use an AWS::DynamoDB::Table with TimeToLiveSpecification")

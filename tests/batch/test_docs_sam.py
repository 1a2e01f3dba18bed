"""The SAM event source settings shown in docs/batch.md are a valid template (cfn-lint)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "batch.md"
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # yaml has no type information
    """Reads the short intrinsic functions (``!GetAtt``, ``!Ref``) as their long form."""


_Loader.add_constructor("!GetAtt", lambda loader, node: {"Fn::GetAtt": loader.construct_scalar(node).split(".")})
_Loader.add_constructor("!Ref", lambda loader, node: {"Ref": loader.construct_scalar(node)})

_RESOURCES: dict[str, Any] = {
    "OrdersQueue": {"Type": "AWS::SQS::Queue"},
    "ClicksFailed": {"Type": "AWS::SQS::Queue"},
    "ClickStream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
    "OrdersTable": {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        },
    },
    "PaymentsCluster": {
        "Type": "AWS::MSK::ServerlessCluster",
        "Properties": {
            "ClusterName": "payments",
            "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}},
            "VpcConfigs": [{"SubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}],
        },
    },
}


def test_the_documented_event_sources_form_a_valid_sam_template(tmp_path: Path) -> None:
    blocks = [yaml.load(block, Loader=_Loader) for block in BLOCK.findall(DOC.read_text())]
    worker, *fragments = blocks
    function = worker["Worker"]
    function["Properties"].update({"Runtime": "python3.12", "CodeUri": "."})
    events = function["Properties"]["Events"]
    for fragment in fragments:
        events.update(fragment["Events"])
    assert set(events) == {"Orders", "Clicks", "Changes", "Payments"}
    for event in events.values():
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {**_RESOURCES, "Worker": function},
    }
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(template))
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

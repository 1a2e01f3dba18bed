"""The package's shared boto3 session."""

from __future__ import annotations

import json
import subprocess
import sys

from lambda_toolkit.core import aws


def test_clients_come_from_one_shared_session() -> None:
    first = aws.aws_client("sqs", region_name="us-east-1")
    second = aws.aws_client("dynamodb", region_name="eu-west-1")
    assert first.meta.service_model.service_name == "sqs"
    assert second.meta.region_name == "eu-west-1"
    session = aws._session
    assert session is not None
    aws.aws_client("s3", region_name="us-east-1")
    assert aws._session is session
    aws.reset_session()
    aws.aws_client("s3", region_name="us-east-1")
    assert aws._session is not session


def test_boto3_is_imported_only_when_a_client_is_made() -> None:
    code = "import sys, json, lambda_toolkit.core.aws; print(json.dumps('boto3' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) is False

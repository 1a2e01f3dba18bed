"""The table template in docs/idempotency.md is valid CloudFormation and matches the store's defaults."""

from __future__ import annotations

import re
from pathlib import Path

from lambda_toolkit.idempotency import DynamoDBStore

PAGE = Path(__file__).resolve().parents[2] / "docs" / "idempotency.md"


def template() -> str:
    match = re.search(r"^```yaml\n(.*?)^```", PAGE.read_text(), re.MULTILINE | re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_template_passes_cfn_lint() -> None:
    from cfnlint.api import ManualArgs, lint

    matches = lint('AWSTemplateFormatVersion: "2010-09-09"\n' + template(), config=ManualArgs(regions=["us-east-1"]))
    assert [str(match) for match in matches] == []


def test_the_template_matches_the_store_defaults() -> None:
    text = template()
    store = DynamoDBStore("t")
    assert f"AttributeName: {store.key_attr}\n          AttributeType: S" in text
    assert f"TimeToLiveSpecification:\n        AttributeName: {store.expiry_attr}\n        Enabled: true" in text
    assert "BillingMode: PAY_PER_REQUEST" in text

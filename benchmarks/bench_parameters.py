"""Parameters: a cached lookup and the import cost, lambda-toolkit beside Powertools, on moto."""

from __future__ import annotations

import os
from typing import Any

from _harness import Scenario, cold_import, per_call

MAX_AGE = 300  # both libraries asked for the same freshness, so no refetch during a run
_started: list[Any] = []


def _moto() -> None:
    """Start moto in-process once, seeded with one parameter and one secret."""
    if _started:
        return
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        os.environ.setdefault(key, value)
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    _started.append(mock)
    boto3.client("ssm").put_parameter(Name="/bench/table", Value="orders", Type="String")
    boto3.client("secretsmanager").create_secret(Name="bench/db", SecretString='{"password": "pw"}')


def _ours() -> tuple[Any, Any]:
    from lambda_toolkit.parameters import get_parameter, get_secret

    get_parameter("/bench/table", max_age=MAX_AGE)
    get_secret("bench/db", max_age=MAX_AGE)
    return (
        lambda: get_parameter("/bench/table", max_age=MAX_AGE),
        lambda: get_secret("bench/db", max_age=MAX_AGE),
    )


def _theirs() -> tuple[Any, Any]:
    from aws_lambda_powertools.utilities.parameters import get_parameter, get_secret

    get_parameter("/bench/table", max_age=MAX_AGE)
    get_secret("bench/db", max_age=MAX_AGE)
    return (
        lambda: get_parameter("/bench/table", max_age=MAX_AGE),
        lambda: get_secret("bench/db", max_age=MAX_AGE),
    )


def scenarios() -> list[Scenario]:
    _moto()
    ours_parameter, ours_secret = _ours()
    theirs_parameter, theirs_secret = _theirs()
    return [
        Scenario(
            "parameters: cached get_parameter",
            "µs/call",
            lambda: per_call(ours_parameter) * 1e6,
            lambda: per_call(theirs_parameter) * 1e6,
            goal="<= 0.5x",
        ),
        Scenario(
            "parameters: cached get_secret",
            "µs/call",
            lambda: per_call(ours_secret) * 1e6,
            lambda: per_call(theirs_secret) * 1e6,
            goal="<= 0.5x",
        ),
        Scenario(
            "parameters: cold import of the module",
            "ms",
            lambda: cold_import("import lambda_toolkit.parameters") * 1e3,
            lambda: cold_import("import aws_lambda_powertools.utilities.parameters") * 1e3,
            goal="lower; no boto3",
            extra={
                "toolkit import + boto3 (what a first SDK fetch adds)": lambda: (
                    cold_import("import lambda_toolkit.parameters, boto3") * 1e3
                ),
            },
        ),
    ]

"""Bad input and failing services: clear errors naming the parameter, never its value."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, LambdaToolkitError
from lambda_toolkit.parameters import (
    InvalidParameterNameError,
    ParameterAccessDeniedError,
    ParameterBatchError,
    ParameterError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    SecretsProvider,
    SSMProvider,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    get_secret,
    get_secrets,
)

from .conftest import Aws, fail_calls, free_port


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry backoff, recorded instead of slept."""
    import botocore.endpoint

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", slept.append)
    return slept


def test_every_error_is_a_lambda_toolkit_error() -> None:
    for error in (
        ParameterNotFoundError,
        ParameterAccessDeniedError,
        ParameterThrottledError,
        ParameterFetchError,
        InvalidParameterNameError,
        ParameterBatchError,
    ):
        assert issubclass(error, ParameterError)
        assert issubclass(error, LambdaToolkitError)
    assert issubclass(ParameterNotFoundError, LookupError)


def test_access_denied_names_the_parameter_and_the_permission(aws: Aws) -> None:
    fail_calls(aws.ssm, "GetParameter", "AccessDeniedException")
    with pytest.raises(ParameterAccessDeniedError) as caught:
        get_parameter("/app/key")
    assert str(caught.value) == (
        "access denied to parameter '/app/key' (AccessDeniedException): the role needs ssm:GetParameter"
    )
    assert caught.value.name == "/app/key"


def test_a_kms_decryption_failure_is_access_denied(aws: Aws) -> None:
    fail_calls(aws.secrets, "GetSecretValue", "DecryptionFailure")
    with pytest.raises(ParameterAccessDeniedError, match="secretsmanager:GetSecretValue"):
        get_secret("prod/db")


def test_throttling_is_retried_by_botocore_then_reported(no_sleep: list[float]) -> None:
    from moto import mock_aws

    with mock_aws():
        provider = SSMProvider(region="us-east-1")  # the client the library makes itself
        sends = fail_calls(provider.client, "GetParameter", "ThrottlingException")
        with pytest.raises(ParameterThrottledError, match=r"parameter '/app/key': still throttled after retries"):
            get_parameter("/app/key", provider=provider)
    assert sends["GetParameter"] == 3  # standard retry mode: 3 attempts
    assert len(no_sleep) == 2  # with a backoff before each of the 2 retries


def test_secrets_throttling_is_reported_too(aws: Aws, no_sleep: list[float]) -> None:
    fail_calls(aws.secrets, "GetSecretValue", "TooManyRequestsException")
    with pytest.raises(ParameterThrottledError, match="secret 'prod/db'"):
        get_secret("prod/db")


def test_another_service_error_is_a_fetch_error_with_its_code(aws: Aws, no_sleep: list[float]) -> None:
    fail_calls(aws.ssm, "GetParameter", "InternalServerError", status=500)
    with pytest.raises(
        ParameterFetchError, match=r"parameter '/app/key': ssm:GetParameter failed \(InternalServerError\)"
    ):
        get_parameter("/app/key")


def test_an_unreachable_endpoint_is_a_fetch_error(no_sleep: list[float]) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "ssm",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1),
    )
    with pytest.raises(
        ParameterFetchError, match=r"parameter '/app/key': ssm:GetParameter failed \(EndpointConnectionError\)"
    ):
        get_parameter("/app/key", provider=SSMProvider(client))


def test_a_failing_batch_call_fails_each_of_its_names(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    fail_calls(aws.ssm, "GetParameters", "AccessDeniedException")
    with pytest.raises(ParameterBatchError) as caught:
        get_parameters_by_name(["/app/a", "/app/b"])
    assert str(caught.value) == "2 of 2 parameters could not be read: /app/a (access denied), /app/b (access denied)"
    assert all(isinstance(error, ParameterAccessDeniedError) for error in caught.value.failures.values())
    assert caught.value.failures["/app/b"].name == "/app/b"


def test_a_failing_batch_secrets_call_fails_each_of_its_names(aws: Aws) -> None:
    fail_calls(aws.secrets, "BatchGetSecretValue", "AccessDeniedException")
    with pytest.raises(ParameterBatchError, match=r"a \(access denied\), b \(access denied\)"):
        get_secrets(["a", "b"])


def test_per_secret_batch_errors_keep_their_code() -> None:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("secretsmanager", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "batch_get_secret_value",
            {
                "SecretValues": [
                    {"Name": "a", "ARN": "arn:aws:secretsmanager:us-east-1:1:secret:a-x", "SecretString": "1"}
                ],
                "Errors": [{"SecretId": "b", "ErrorCode": "DecryptionFailure", "Message": "kms"}],
                "NextToken": "page-2",
            },
            {"SecretIdList": ["a", "b", "c"]},
        )
        stub.add_response(
            "batch_get_secret_value",
            {"SecretValues": [{"Name": "c", "SecretBinary": b"\x02"}]},
            {"SecretIdList": ["a", "b", "c"], "NextToken": "page-2"},
        )
        with pytest.raises(ParameterBatchError) as caught:
            get_secrets(["a", "b", "c"], provider=SecretsProvider(client))
    assert caught.value.values == {"a": "1", "c": b"\x02"}
    assert str(caught.value) == "1 of 3 secrets could not be read: b (access denied)"
    assert "DecryptionFailure" in str(caught.value.failures["b"])


def test_a_secret_without_a_value_is_a_fetch_error() -> None:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("secretsmanager", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("get_secret_value", {"Name": "empty"}, {"SecretId": "empty"})
        with pytest.raises(ParameterFetchError, match="secret 'empty' has neither SecretString nor SecretBinary"):
            get_secret("empty", provider=SecretsProvider(client))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "parameter name must not be empty"),
        ("/app/has space", "invalid parameter name '/app/has space'"),
        ("/app/new\nline", r"invalid parameter name '/app/new\\nline'"),
        ("/" + "x" * 2048, "longer than 2048 characters"),
        (42, "parameter name must be a string, got int"),
    ],
)
def test_an_invalid_parameter_name_is_rejected_before_any_call(counted: Aws, name: Any, message: str) -> None:
    with pytest.raises(InvalidParameterNameError, match=message):
        get_parameter(name)
    assert counted.count() == 0


def test_invalid_secret_names_and_paths_are_rejected(counted: Aws) -> None:
    with pytest.raises(InvalidParameterNameError, match="invalid secret name"):
        get_secret("prod/db password")
    with pytest.raises(InvalidParameterNameError, match="must start with '/'"):
        get_parameters("app/prod")
    with pytest.raises(InvalidParameterNameError, match="a list of names, not a single string"):
        get_parameters_by_name("/app/a")
    with pytest.raises(InvalidParameterNameError, match="invalid parameter name"):
        get_parameters_by_name(["/app/a", "bad name"])
    with pytest.raises(InvalidParameterNameError, match="secret name must not be empty"):
        get_secrets([""])
    assert counted.count() == 0


@pytest.mark.parametrize("max_age", [-1, "60", True, float("nan"), float("inf"), -float("inf")])
def test_an_invalid_max_age_is_a_configuration_error(counted: Aws, max_age: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^max_age must be a finite number of seconds >= 0, got "):
        get_parameter("/app/a", max_age=max_age)
    with pytest.raises(ConfigurationError, match="max_age must be a finite number"):
        get_secret("prod/a", max_age=max_age)
    with pytest.raises(ConfigurationError, match="max_age must be a finite number"):
        get_parameters_by_name(["/app/a"], max_age=max_age)
    assert counted.count() == 0  # refused before any request


@pytest.mark.parametrize("max_age", ["60", float("nan"), -1])
def test_an_invalid_max_age_is_refused_even_when_the_value_is_cached(aws: Aws, max_age: Any) -> None:
    aws.ssm.put_parameter(Name="/app/cached", Value="v", Type="String")
    assert get_parameter("/app/cached") == "v"
    with pytest.raises(ConfigurationError, match="max_age must be a finite number"):
        get_parameter("/app/cached", max_age=max_age)


@pytest.mark.parametrize("raw", ["-5", "nan", "inf"])
def test_an_invalid_max_age_variable_is_a_configuration_error(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE", raw)
    with pytest.raises(
        ConfigurationError, match="environment variable LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE must be a finite number"
    ):
        get_parameter("/app/a")


def test_no_error_or_log_line_quotes_a_value(aws: Aws, caplog: pytest.LogCaptureFixture) -> None:
    secret = "TOP-SECRET-VALUE-1234"
    aws.ssm.put_parameter(Name="/app/key", Value=secret, Type="SecureString")
    aws.secrets.create_secret(Name="prod/key", SecretString=secret)
    caplog.set_level(logging.DEBUG, logger="lambda_toolkit")
    seen: list[str] = []
    for call in (
        lambda: get_parameter("/app/key", transform="json"),
        lambda: get_parameter("/app/key", transform="binary"),
        lambda: get_secret("prod/key", transform="json"),
        lambda: get_parameters_by_name(["/app/key"], transform="json"),
        lambda: get_secrets(["prod/key"], transform="json"),
        lambda: get_parameters("/app", transform="json"),
    ):
        with pytest.raises(ParameterError) as caught:
            call()
        seen += [str(caught.value), repr(caught.value)]
        context = caught.value.__context__ or caught.value.__cause__
        assert context is None or secret not in str(context)
    seen += [record.getMessage() for record in caplog.records]
    assert seen
    assert not [text for text in seen if secret in text]


class _BrokenProvider:
    """A provider of the user's that fails with an exception quoting a value."""

    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        raise KeyError("TOP-SECRET-VALUE")

    def get_parameters(self, names: Any, *, decrypt: bool) -> Any:
        raise RuntimeError("TOP-SECRET-VALUE")


def test_a_provider_failing_otherwise_gives_a_fetch_error_without_its_text() -> None:
    with pytest.raises(ParameterFetchError, match=r"^'/app/a': the provider failed \(KeyError\)$") as caught:
        get_parameter("/app/a", provider=_BrokenProvider())  # type: ignore[arg-type]
    assert caught.value.__context__ is None
    with pytest.raises(ParameterFetchError, match=r"'/app/a, /app/b': the provider failed \(RuntimeError\)"):
        get_parameters_by_name(["/app/a", "/app/b"], provider=_BrokenProvider())  # type: ignore[arg-type]


def test_a_client_that_cannot_be_made_gives_a_fetch_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ParameterFetchError, match=r"'/app/a': the provider failed \(NoRegionError\)"):
        get_parameter("/app/a", provider=SSMProvider())

"""Secrets Manager through boto3 (moto in-process): string and binary secrets, versions, batches."""

from __future__ import annotations

import pytest

from lambda_toolkit.parameters import (
    MaskedBytes,
    MaskedStr,
    ParameterBatchError,
    ParameterNotFoundError,
    SecretsProvider,
    get_secret,
    get_secrets,
)
from lambda_toolkit.testing import FakeClock

from .conftest import Aws


def test_a_string_secret_is_a_masked_str(aws: Aws) -> None:
    aws.secrets.create_secret(Name="prod/db-password", SecretString="hunter2")
    value = get_secret("prod/db-password")
    assert value == "hunter2"
    assert isinstance(value, MaskedStr)
    assert repr(value) == "MaskedStr('**********')"
    assert repr({"password": value}) == "{'password': MaskedStr('**********')}"


def test_a_binary_secret_is_masked_bytes(aws: Aws) -> None:
    aws.secrets.create_secret(Name="prod/cert", SecretBinary=b"\x00\x01binary")
    value = get_secret("prod/cert")
    assert value == b"\x00\x01binary"
    assert isinstance(value, MaskedBytes)
    assert "binary" not in repr(value)


def test_a_secret_is_read_by_arn(aws: Aws) -> None:
    arn = aws.secrets.create_secret(Name="prod/token", SecretString="t0k3n")["ARN"]
    assert get_secret(arn) == "t0k3n"


def test_version_stages_and_ids_pick_a_version(aws: Aws) -> None:
    aws.secrets.create_secret(Name="prod/key", SecretString="old")
    new_version = aws.secrets.put_secret_value(SecretId="prod/key", SecretString="new")["VersionId"]
    assert get_secret("prod/key") == "new"
    assert get_secret("prod/key", version_stage="AWSPREVIOUS") == "old"
    assert get_secret("prod/key", version_id=new_version) == "new"


def test_a_missing_version_stage_is_not_found(aws: Aws) -> None:
    aws.secrets.create_secret(Name="prod/key", SecretString="v")
    with pytest.raises(ParameterNotFoundError, match="secret 'prod/key' not found"):
        get_secret("prod/key", version_stage="AWSPENDING")


def test_a_missing_secret_raises_not_found_naming_it(aws: Aws) -> None:
    with pytest.raises(ParameterNotFoundError, match=r"secret 'prod/nope' not found \(ResourceNotFoundException\)"):
        get_secret("prod/nope")


def test_a_rotated_secret_is_seen_after_max_age(counted: Aws, clock: FakeClock) -> None:
    counted.secrets.create_secret(Name="prod/key", SecretString="v1")
    counted.calls.clear()
    assert get_secret("prod/key", max_age=30) == "v1"
    counted.secrets.put_secret_value(SecretId="prod/key", SecretString="v2")
    clock.advance(seconds=29)
    assert get_secret("prod/key", max_age=30) == "v1"
    clock.advance(seconds=2)
    assert get_secret("prod/key", max_age=30) == "v2"
    assert counted.count("GetSecretValue") == 2


def test_the_default_max_age_comes_from_the_environment(
    counted: Aws, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE", "5")
    counted.secrets.create_secret(Name="prod/key", SecretString="v1")
    counted.calls.clear()
    get_secret("prod/key")
    clock.advance(seconds=4)
    get_secret("prod/key")
    assert counted.count() == 1
    clock.advance(seconds=2)
    get_secret("prod/key")
    assert counted.count() == 2


def test_without_the_variable_values_are_kept_300_seconds(counted: Aws, clock: FakeClock) -> None:
    counted.secrets.create_secret(Name="prod/key", SecretString="v1")
    counted.calls.clear()
    get_secret("prod/key")
    clock.advance(seconds=299)
    get_secret("prod/key")
    assert counted.count() == 1
    clock.advance(seconds=2)
    get_secret("prod/key")
    assert counted.count() == 2


def test_max_age_zero_always_fetches(counted: Aws) -> None:
    counted.secrets.create_secret(Name="prod/key", SecretString="v1")
    counted.calls.clear()
    get_secret("prod/key", max_age=0)
    get_secret("prod/key", max_age=0)
    assert counted.count() == 2


def test_a_shorter_max_age_on_a_later_call_refreshes_an_older_entry(counted: Aws, clock: FakeClock) -> None:
    counted.secrets.create_secret(Name="prod/key", SecretString="v1")
    counted.calls.clear()
    get_secret("prod/key", max_age=300)
    clock.advance(seconds=10)
    get_secret("prod/key", max_age=60)
    assert counted.count() == 1
    get_secret("prod/key", max_age=5)
    assert counted.count() == 2


def test_get_secrets_uses_batch_get_secret_value(counted: Aws) -> None:
    names = [f"batch/s{number:02d}" for number in range(25)]
    for number, name in enumerate(names):
        counted.secrets.create_secret(Name=name, SecretString=f"value-{number}")
    counted.secrets.create_secret(Name="batch/bin", SecretBinary=b"\x01")
    counted.calls.clear()
    values = get_secrets([*names, "batch/bin"])
    assert list(values) == [*names, "batch/bin"]
    assert values["batch/s07"] == "value-7"
    assert isinstance(values["batch/s07"], MaskedStr)
    assert values["batch/bin"] == b"\x01"
    assert counted.count("BatchGetSecretValue") == 2  # at most 20 ids per call
    assert counted.count("GetSecretValue") == 0
    get_secret("batch/s03")
    assert counted.count() == 2  # get_secret shares the entries


def test_get_secrets_reports_missing_names(aws: Aws) -> None:
    aws.secrets.create_secret(Name="a", SecretString="1")
    with pytest.raises(ParameterBatchError, match=r"1 of 2 secrets could not be read: missing \(not found\)") as caught:
        get_secrets(["a", "missing"])
    assert caught.value.values == {"a": "1"}
    assert get_secrets(["a", "missing"], raise_on_error=False) == {"a": "1"}


def test_get_secrets_matches_arns_too(aws: Aws) -> None:
    arn = aws.secrets.create_secret(Name="a", SecretString="1")["ARN"]
    assert get_secrets([arn]) == {arn: "1"}


def test_an_explicit_secrets_client_is_used(aws: Aws) -> None:
    aws.secrets.create_secret(Name="a", SecretString="1")
    provider = SecretsProvider(aws.secrets)
    assert provider.client is aws.secrets
    assert get_secret("a", provider=provider) == "1"
    assert get_secrets(["a"], provider=provider) == {"a": "1"}

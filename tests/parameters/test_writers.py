"""set_parameter and set_secret on moto: the write, its errors, and the cache refreshed after it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.parameters import (
    BatchResult,
    InvalidParameterNameError,
    InvalidParameterValueError,
    MaskedBytes,
    MaskedStr,
    ParameterAccessDeniedError,
    ParameterExistsError,
    ParameterNotFoundError,
    ParameterWriteError,
    SecretsProvider,
    SSMProvider,
    get_parameter,
    get_parameters,
    get_secret,
    set_parameter,
    set_secret,
)
from tests.parameters.conftest import Aws, fail_calls

# -- set_parameter -------------------------------------------------------------------------


def test_a_new_parameter_is_written_and_read_back_from_the_cache(counted: Aws) -> None:
    version = set_parameter("/app/mode", "blue")
    assert version == 1
    assert get_parameter("/app/mode") == "blue"
    assert counted.count("GetParameter") == 0  # the write refreshed the cache
    assert counted.ssm.get_parameter(Name="/app/mode")["Parameter"]["Value"] == "blue"


def test_overwriting_refreshes_every_cached_reading_of_the_name(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/mode", Value='{"v": 1}', Type="String")
    assert get_parameter("/app/mode") == '{"v": 1}'
    assert get_parameter("/app/mode", transform="json") == {"v": 1}
    counted.calls.clear()
    assert set_parameter("/app/mode", '{"v": 2}', overwrite=True) == 2
    assert get_parameter("/app/mode") == '{"v": 2}'  # seeded by the write
    assert get_parameter("/app/mode", decrypt=False) == '{"v": 2}'
    assert counted.count("GetParameter") == 0
    assert get_parameter("/app/mode", transform="json") == {"v": 2}  # forgotten, fetched again
    assert counted.count("GetParameter") == 1


def test_a_write_forgets_the_cached_paths_above_the_name(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/db/host", Value="a", Type="String")
    assert get_parameters("/app") == {"db/host": "a"}
    assert get_parameters("/other") == {}
    set_parameter("/app/db/port", "5432")
    assert get_parameters("/app") == {"db/host": "a", "db/port": "5432"}
    get_parameters("/other")
    assert counted.count("GetParametersByPath") == 3  # /app twice, /other once


def test_a_write_forgets_the_readings_of_other_providers(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/mode", Value="blue", Type="String")
    other = SSMProvider(counted.ssm)
    assert get_parameter("/app/mode", provider=other) == "blue"
    set_parameter("/app/mode", "green", overwrite=True)  # through the default provider
    assert get_parameter("/app/mode", provider=other) == "green"


def test_a_securestring_is_cached_masked_and_only_for_decrypted_reads(counted: Aws) -> None:
    set_parameter("/app/token", "s3cr3t", type="SecureString")
    value = get_parameter("/app/token")
    assert isinstance(value, MaskedStr)
    assert value == "s3cr3t"
    assert counted.count("GetParameter") == 0
    get_parameter("/app/token", decrypt=False)  # the ciphertext is not what was written: fetched
    assert counted.count("GetParameter") == 1
    assert counted.ssm.get_parameter(Name="/app/token")["Parameter"]["Type"] == "SecureString"


def test_an_existing_parameter_without_overwrite_is_refused_without_its_value(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/mode", Value="blue", Type="String")
    with pytest.raises(ParameterExistsError, match="parameter '/app/mode' exists already") as raised:
        set_parameter("/app/mode", "green")
    assert isinstance(raised.value, ParameterWriteError)
    assert "green" not in str(raised.value) and "blue" not in str(raised.value)
    assert get_parameter("/app/mode") == "blue"


def test_a_denied_write_names_the_action(aws: Aws) -> None:
    fail_calls(aws.ssm, "PutParameter", "AccessDeniedException")
    with pytest.raises(ParameterAccessDeniedError, match="the role needs ssm:PutParameter"):
        set_parameter("/app/mode", "blue")


def test_another_service_error_is_a_write_error(aws: Aws) -> None:
    fail_calls(aws.ssm, "PutParameter", "ParameterLimitExceeded")
    with pytest.raises(ParameterWriteError, match="'/app/mode': ssm:PutParameter failed \\(ParameterLimitExceeded\\)"):
        set_parameter("/app/mode", "blue")


def test_bad_writes_fail_before_any_request(counted: Aws) -> None:
    with pytest.raises(InvalidParameterNameError):
        set_parameter("bad name!", "x")
    with pytest.raises(InvalidParameterValueError, match="'/app/n': the value must be a string, got int"):
        set_parameter("/app/n", 5)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="set_parameter type must be one of SecureString, String"):
        set_parameter("/app/n", "5", type="Integer")
    assert counted.count() == 0


class ReadOnly:
    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        return "x"

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        return {}, {}

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        return {}


def test_a_provider_that_cannot_write_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="the provider ReadOnly cannot write \\(it has no put_parameter\\)"):
        set_parameter("/app/mode", "x", provider=ReadOnly())
    with pytest.raises(ConfigurationError, match="cannot write \\(it has no put_secret\\)"):
        set_secret("app/db", "x", provider=ReadOnly())


def test_a_providers_unexpected_failure_is_a_write_error_without_its_text() -> None:
    class Broken(ReadOnly):
        def put_parameter(self, name: str, value: str, **options: Any) -> int:
            raise RuntimeError(f"could not store {value}")

    with pytest.raises(ParameterWriteError, match="the provider failed \\(RuntimeError\\)") as raised:
        set_parameter("/app/mode", "s3cr3t", provider=Broken())
    assert "s3cr3t" not in str(raised.value)


# -- set_secret ----------------------------------------------------------------------------


def test_a_missing_secret_is_created_and_read_back_from_the_cache(counted: Aws) -> None:
    version = set_secret("app/db", "pw-1")
    assert isinstance(version, str) and version
    value = get_secret("app/db")
    assert isinstance(value, MaskedStr) and value == "pw-1"
    assert counted.count("GetSecretValue") == 0
    assert counted.secrets.get_secret_value(SecretId="app/db")["SecretString"] == "pw-1"
    assert counted.count("CreateSecret") == 1


def test_an_existing_secret_gets_a_new_current_version_and_its_readings_are_forgotten(counted: Aws) -> None:
    counted.secrets.create_secret(Name="app/db", SecretString='{"password": "old"}')
    assert get_secret("app/db", transform="json") == {"password": "old"}
    counted.calls.clear()
    set_secret("app/db", {"password": "new"})
    assert counted.count("PutSecretValue") == 1 and counted.count("CreateSecret") == 0
    assert get_secret("app/db", transform="json") == {"password": "new"}
    assert get_secret("app/db") == '{"password":"new"}'
    assert counted.count("GetSecretValue") == 1  # the json reading was forgotten, then fetched


def test_bytes_are_stored_as_a_binary_secret(counted: Aws) -> None:
    set_secret("app/key", b"\x00\x01key")
    value = get_secret("app/key")
    assert isinstance(value, MaskedBytes) and value == b"\x00\x01key"
    assert counted.secrets.get_secret_value(SecretId="app/key")["SecretBinary"] == b"\x00\x01key"


def test_without_create_a_missing_secret_is_not_found(counted: Aws) -> None:
    with pytest.raises(ParameterNotFoundError, match="secret 'app/none' not found"):
        set_secret("app/none", "x", create=False)
    assert counted.count("CreateSecret") == 0


def test_a_client_request_token_is_passed_on(aws: Aws) -> None:
    aws.secrets.create_secret(Name="app/db", SecretString="a")
    token = "00000000-0000-4000-8000-000000000001"
    assert set_secret("app/db", "b", client_request_token=token) == token


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "must be str, bytes, a dict or a list, got int"),
        ("", "must not be empty"),
        ({"when": object()}, "is a dict that is not JSON-serialisable"),
    ],
)
def test_bad_secret_values_fail_before_any_request(counted: Aws, value: Any, message: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=message):
        set_secret("app/db", value)
    assert counted.count() == 0


def test_a_denied_secret_write_names_the_action(aws: Aws) -> None:
    provider = SecretsProvider(aws.secrets)
    fail_calls(aws.secrets, "PutSecretValue", "AccessDeniedException")
    with pytest.raises(ParameterAccessDeniedError, match="secretsmanager:PutSecretValue"):
        set_secret("app/db", "x", provider=provider)

"""Auto-selection: the extension when it answers, boto3 otherwise."""

from __future__ import annotations

import logging

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.parameters import (
    AutoProvider,
    ExtensionProvider,
    ExtensionUnavailableError,
    SecretsProvider,
    SSMProvider,
    get_default_provider,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    get_secret,
    get_secrets,
    set_default_provider,
)
from lambda_toolkit.testing import FakeClock

from .conftest import Aws, FakeExtension, free_port


@pytest.fixture
def seeded(counted: Aws) -> Aws:
    """The same parameter and secret in moto, with different values than the extension has."""
    counted.ssm.put_parameter(Name="/app/table", Value="from-sdk", Type="String")
    counted.secrets.create_secret(Name="prod/db", SecretString="from-sdk")
    counted.calls.clear()
    return counted


@pytest.fixture
def in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")


def test_off_lambda_without_a_port_the_sdk_is_used(seeded: Aws) -> None:
    assert get_default_provider().uses_extension() is False
    assert get_parameter("/app/table") == "from-sdk"
    assert seeded.count("GetParameter") == 1


def test_in_lambda_the_extension_is_used_when_it_answers(
    seeded: Aws, extension: FakeExtension, in_lambda: None
) -> None:
    extension.put_parameter("/app/table", "from-extension")
    extension.put_secret("prod/db", "from-extension")
    assert get_parameter("/app/table") == "from-extension"
    assert get_secret("prod/db") == "from-extension"
    assert get_parameters_by_name(["/app/table"], force_fetch=True) == {"/app/table": "from-extension"}
    assert get_secrets(["prod/db"], force_fetch=True) == {"prod/db": "from-extension"}
    assert seeded.count() == 0
    assert len(extension.requests) == 4


def test_reading_a_path_always_uses_the_sdk(seeded: Aws, extension: FakeExtension, in_lambda: None) -> None:
    assert get_parameters("/app") == {"table": "from-sdk"}
    assert extension.requests == []


def test_when_nothing_answers_the_sdk_is_used_and_the_extension_asked_again_later(
    seeded: Aws, monkeypatch: pytest.MonkeyPatch, in_lambda: None, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(free_port()))
    auto = AutoProvider(
        ssm=SSMProvider(seeded.ssm), secrets=SecretsProvider(seeded.secrets), retry_after=60, clock=clock
    )
    caplog.set_level(logging.INFO, logger="lambda_toolkit.parameters")
    assert get_parameter("/app/table", provider=auto) == "from-sdk"
    assert "the Parameters and Secrets extension did not answer, using the AWS SDK" in caplog.text
    assert auto.uses_extension() is False
    clock.advance(seconds=61)
    assert auto.uses_extension() is True


def test_the_extension_is_used_again_once_it_answers(seeded: Aws, extension: FakeExtension, in_lambda: None) -> None:
    clock = FakeClock()
    auto = AutoProvider(
        extension=ExtensionProvider(port=free_port(), timeout=1),
        ssm=SSMProvider(seeded.ssm),
        secrets=SecretsProvider(seeded.secrets),
        clock=clock,
    )
    assert get_secret("prod/db", provider=auto, max_age=0) == "from-sdk"
    auto.extension.port = extension.port  # the extension finished starting
    extension.put_secret("prod/db", "from-extension")
    assert get_secret("prod/db", provider=auto, max_age=0) == "from-sdk"  # not asked again yet
    clock.advance(seconds=60)
    assert get_secret("prod/db", provider=auto, max_age=0) == "from-extension"
    assert auto.uses_extension() is True


def test_forcing_the_sdk(
    seeded: Aws, extension: FakeExtension, in_lambda: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "sdk")
    extension.put_secret("prod/db", "from-extension")
    assert get_secret("prod/db") == "from-sdk"
    assert extension.requests == []


def test_forcing_the_extension_off_lambda(
    seeded: Aws, extension: FakeExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "extension")
    set_default_provider(AutoProvider(extension=ExtensionProvider(port=extension.port)))
    extension.put_secret("prod/db", "from-extension")
    assert get_secret("prod/db") == "from-extension"


def test_a_forced_extension_that_does_not_answer_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "extension")
    set_default_provider(AutoProvider(extension=ExtensionProvider(port=free_port(), timeout=1)))
    with pytest.raises(ExtensionUnavailableError):
        get_secret("prod/db")


def test_without_a_session_token_the_extension_is_not_tried(
    seeded: Aws, extension: FakeExtension, in_lambda: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert get_default_provider().uses_extension() is False


def test_an_unknown_provider_mode_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "carrier-pigeon")
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_PARAMETERS_PROVIDER must be auto, extension or sdk"):
        AutoProvider().uses_extension()


def test_the_default_provider_can_be_replaced_and_restored(aws: Aws) -> None:
    mine = SSMProvider(aws.ssm)
    set_default_provider(mine)
    assert get_default_provider() is mine
    set_default_provider(None)
    assert isinstance(get_default_provider(), AutoProvider)
    assert repr(get_default_provider()).startswith("AutoProvider(extension=ExtensionProvider(")
    assert repr(mine) == "SSMProvider()"
    assert repr(SecretsProvider(aws.secrets)) == "SecretsProvider()"

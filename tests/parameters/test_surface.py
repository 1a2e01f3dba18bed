"""The public surface: names, protocols, reprs, the batch error's report."""

from __future__ import annotations

import pytest

import lambda_toolkit.parameters as parameters
from lambda_toolkit.parameters import (
    ExtensionProvider,
    InvalidParameterNameError,
    Parameter,
    ParameterBatchError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    Secret,
    SecretsProvider,
    SSMProvider,
    TransformError,
)


def test_every_public_name_resolves() -> None:
    for name in parameters.__all__:
        assert getattr(parameters, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        parameters.nope


def test_the_built_in_providers_satisfy_the_protocols() -> None:
    from lambda_toolkit.parameters import (
        AppConfigExtensionProvider,
        AppConfigProvider,
        AutoProvider,
        ConfigurationProvider,
        ParameterProvider,
        SecretProvider,
    )

    for provider in (SSMProvider(), ExtensionProvider(), AutoProvider()):
        assert isinstance(provider, ParameterProvider)
    for source in (AppConfigProvider(), AppConfigExtensionProvider(), AutoProvider()):
        assert isinstance(source, ConfigurationProvider)
    assert not isinstance(SSMProvider(), ConfigurationProvider)
    for secret_provider in (SecretsProvider(), ExtensionProvider(), AutoProvider()):
        assert isinstance(secret_provider, SecretProvider)
    assert not isinstance(SSMProvider(), SecretProvider)


def test_lookups_show_their_name_only() -> None:
    assert repr(Parameter("/app/table", transform="json")) == "Parameter('/app/table')"
    assert repr(Secret("prod/db", version_stage="AWSPREVIOUS")) == "Secret('prod/db')"


def test_the_batch_error_gives_each_reason() -> None:
    failures = {
        "a": ParameterNotFoundError("x", name="a"),
        "b": ParameterThrottledError("x", name="b"),
        "c": TransformError("x", name="c"),
        "d": InvalidParameterNameError("x", name="d"),
        "e": ParameterFetchError("x", name="e"),
    }
    error = ParameterBatchError("parameters", failures, {"f": "value"})
    assert str(error) == (
        "5 of 6 parameters could not be read: a (not found), b (throttled), c (transform failed), "
        "d (invalid name), e (fetch failed)"
    )
    assert "value" not in str(error)


def test_the_type_aliases_are_public() -> None:
    import typing

    from lambda_toolkit.parameters import BatchResult, Lookup, Transform

    assert {"BatchResult", "Lookup", "Transform"} <= set(parameters.__all__)
    assert typing.Literal["json", "binary"] in typing.get_args(Transform)
    assert set(typing.get_args(Lookup)) == {str, Parameter, Secret}
    assert typing.get_origin(BatchResult) is tuple


def test_options_after_the_first_argument_are_keyword_only() -> None:
    import inspect

    from lambda_toolkit.parameters import AutoProvider

    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    # An AppConfig profile is named by three identifiers, and a write by a name and a value.
    leading = {"get_app_config": 3, "AppConfigStore": 3, "set_parameter": 2, "set_secret": 2}
    leading.update({f"a{name}": count for name, count in leading.items()})  # the async twins
    for name in parameters.__all__:
        target = getattr(parameters, name)
        if not callable(target) or (isinstance(target, type) and issubclass(target, BaseException)):
            continue
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):  # the protocols, type aliases
            continue
        later = [p.name for p in list(signature.parameters.values())[leading.get(name, 1) :] if p.kind in positional]
        assert later == [], (name, later)
    with pytest.raises(TypeError):
        AutoProvider(ExtensionProvider())  # type: ignore[call-arg]

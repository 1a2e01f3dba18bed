"""Option checks of the parameters utility: the package's shared vocabulary (seconds, counts)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.parameters import AutoProvider, ExtensionProvider, configure_cache


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": math.nan}, r"^ExtensionProvider timeout must be a finite number of seconds > 0, got nan$"),
        ({"timeout": math.inf}, r"^ExtensionProvider timeout must be a finite number of seconds > 0, got inf$"),
        ({"timeout": 0}, r"ExtensionProvider timeout must be a finite number of seconds > 0, got 0$"),
        ({"timeout": "5"}, r"ExtensionProvider timeout must be a finite number of seconds > 0, got a str$"),
        ({"port": 0}, r"^ExtensionProvider port must be an integer in \[1, 65535\], got 0$"),
        ({"port": 70000}, r"ExtensionProvider port must be an integer in \[1, 65535\], got 70000$"),
        ({"port": "2773"}, r"ExtensionProvider port must be an integer in \[1, 65535\], got a str$"),
        ({"host": ""}, r"ExtensionProvider host must be a non-empty string"),
    ],
)
def test_extension_options_fail_at_setup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ExtensionProvider(**options)


def test_extension_options_are_kept_as_seconds() -> None:
    provider = ExtensionProvider(port=2773, timeout=2)
    assert (provider.port, provider.timeout) == (2773, 2.0)
    assert type(provider.timeout) is float


@pytest.mark.parametrize("retry_after", [math.nan, math.inf, -1, True])
def test_auto_provider_retry_after_fails_at_setup(retry_after: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^AutoProvider retry_after must be a finite number of seconds >= 0"):
        AutoProvider(retry_after=retry_after)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stale_on_error": math.nan}, r"stale_on_error must be a finite number of seconds >= 0, got nan$"),
        ({"jitter": math.nan}, r"jitter must be a fraction in \[0, 1\), got nan$"),
        ({"max_entries": 0}, r"max_entries must be an integer >= 1, got 0$"),
    ],
)
def test_configure_cache_checks_its_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        configure_cache(**options)


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("LAMBDA_TOOLKIT_PARAMETERS_STALE_ON_ERROR", "nan", "must be a finite number of seconds >= 0, got nan"),
        ("LAMBDA_TOOLKIT_PARAMETERS_STALE_ON_ERROR", "-1", "must be a finite number of seconds >= 0, got -1.0"),
        ("LAMBDA_TOOLKIT_PARAMETERS_JITTER", "nan", r"must be a fraction in \[0, 1\), got nan"),
        ("LAMBDA_TOOLKIT_PARAMETERS_CACHE_SIZE", "0", "must be an integer >= 1, got 0"),
    ],
)
def test_cache_variables_are_checked_and_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, message: str
) -> None:
    from lambda_toolkit.parameters import _api

    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigurationError, match=f"^environment variable {variable} {message}$"):
        _api._cache_from_environment()


@pytest.mark.parametrize("max_age", [math.nan, -1, "60"])
def test_with_parameters_checks_max_age_when_applied(max_age: Any) -> None:
    from lambda_toolkit.parameters import Parameter, Secret, with_parameters

    with pytest.raises(ConfigurationError, match=r"^with_parameters: db= max_age must be a finite number of seconds"):
        with_parameters(db=Secret("prod/db", max_age=max_age))
    with pytest.raises(ConfigurationError, match=r"^with_parameters: table= max_age must be a finite number"):
        with_parameters(table=Parameter("/app/table", max_age=max_age))

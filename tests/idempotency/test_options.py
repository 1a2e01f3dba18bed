"""``idempotent`` and ``idempotent_function`` share one option definition: the same options,
defaults and checks, so both refuse the same bad options the same way."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.idempotency import (
    IdempotencyConfigurationError,
    IdempotencyOptions,
    MemoryStore,
    idempotent,
    idempotent_function,
)

DECORATORS: dict[str, Any] = {"idempotent": idempotent, "idempotent_function": idempotent_function}

BAD_OPTIONS: list[dict[str, Any]] = [
    *({"expires_after": value} for value in (math.nan, math.inf, -math.inf, -1, 0, True, "3600")),
    *({"in_progress_timeout": value} for value in (math.nan, math.inf, -5, 0, None)),
    *({"wait": value} for value in (math.nan, math.inf, -0.1, "1")),
    {"on_missing_key": "ignore"},
    {"store_errors": [ValueError]},
    {"store_errors": (ValueError, "KeyError")},
    {"name": ""},
    {"key_prefix": 5},
    {"on_replay": "add-header"},
    {"key": "body.[unclosed"},
    {"key": []},
    {"payload": 42},
]


def _refusal(decorator: Any, options: dict[str, Any]) -> tuple[type[BaseException], str]:
    with pytest.raises(ConfigurationError) as caught:
        decorator(**{"store": MemoryStore(), **options})
    return type(caught.value), str(caught.value)


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=repr)
def test_both_decorators_refuse_a_bad_option_the_same_way(options: dict[str, Any]) -> None:
    handler_error, function_error = (_refusal(decorator, options) for decorator in DECORATORS.values())
    assert handler_error == function_error
    kind, message = handler_error
    assert issubclass(kind, IdempotencyConfigurationError)
    assert next(iter(options)) in message  # the message names the option


@pytest.mark.parametrize("value", [math.nan, math.inf, -1])
@pytest.mark.parametrize("option", ["expires_after", "in_progress_timeout", "wait"])
def test_durations_go_through_the_shared_check(option: str, value: float) -> None:
    bound = ">= 0" if option == "wait" else "> 0"
    for decorator in DECORATORS.values():
        with pytest.raises(
            IdempotencyConfigurationError,
            match=rf"^idempotency {option} must be a finite number of seconds {bound}, got ",
        ):
            decorator(store=MemoryStore(), **{option: value})


def test_a_store_that_is_not_one_is_refused_the_same_way() -> None:
    errors = set()
    for decorator in DECORATORS.values():
        with pytest.raises(IdempotencyConfigurationError) as caught:
            decorator(store=object())
        errors.add(str(caught.value))
    assert errors == {"idempotency: store must have acquire/complete/release methods, got object"}


@pytest.mark.parametrize("call", [{"keys": "body.id"}, {}], ids=["misspelt", "no store"])
def test_a_misspelt_or_missing_option_is_a_configuration_error_of_both(call: dict[str, Any]) -> None:
    messages = set()
    for name, decorator in DECORATORS.items():
        with pytest.raises(ConfigurationError) as caught:
            decorator(**call)
        message = str(caught.value)
        assert message.startswith(f"{name}: ")
        messages.add(message.removeprefix(f"{name}: "))
    assert len(messages) == 1


def test_both_have_the_signature_of_the_one_option_definition() -> None:
    expected = inspect.signature(IdempotencyOptions)
    for decorator in DECORATORS.values():
        assert inspect.signature(decorator).parameters == expected.parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in expected.parameters.values())


def test_the_options_are_documented_on_both() -> None:
    for decorator in DECORATORS.values():
        for option in inspect.signature(IdempotencyOptions).parameters:
            assert f"``{option}``" in (decorator.__doc__ or "")

"""The public surface: names, type aliases, keyword-only options."""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest

import lambda_toolkit.idempotency as idempotency
from lambda_toolkit.idempotency import CachedStore, DynamoDBStore, KeySpec, MemoryStore, ReplayHook, replayed_header


def test_every_public_name_resolves_and_the_type_aliases_are_public() -> None:
    for name in idempotency.__all__:
        assert getattr(idempotency, name) is not None
    assert {"KeySpec", "ReplayHook"} <= set(idempotency.__all__)


def test_the_type_aliases_describe_what_the_options_accept() -> None:
    # Real types at run time (usable in isinstance-free annotations, get_type_hints...).
    assert {str, type(None)} <= set(typing.get_args(KeySpec))
    assert typing.get_origin(ReplayHook) is collections.abc.Callable


def _options_after_the_first(target: Callable[..., Any]) -> list[str]:
    """Names of parameters after the first that can still be passed by position."""
    parameters = list(inspect.signature(target).parameters.values())[1:]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in positional]


@pytest.mark.parametrize(
    "target",
    [
        idempotency.idempotent,
        idempotency.idempotent_function,
        replayed_header,
        CachedStore,
        DynamoDBStore,
        MemoryStore,
    ],
)
def test_options_are_keyword_only(target: Callable[..., Any]) -> None:
    assert _options_after_the_first(target) == []


def test_positional_options_are_refused() -> None:
    with pytest.raises(TypeError):
        DynamoDBStore("table", object())  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        replayed_header("X-Replayed", "1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        CachedStore(MemoryStore(), 10)  # type: ignore[call-arg]

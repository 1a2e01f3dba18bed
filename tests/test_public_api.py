"""The public modules: every name in ``__all__`` imports, and the types their public
signatures name are public too (a type alias in a signature is exported with it)."""

from __future__ import annotations

import builtins
import collections.abc
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import lambda_toolkit
import lambda_toolkit.core


def _public_modules() -> Iterator[str]:
    yield "lambda_toolkit"
    for info in pkgutil.walk_packages(lambda_toolkit.__path__, "lambda_toolkit."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield info.name


PUBLIC_MODULES = sorted(_public_modules())


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_imports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        return  # a module without __all__ (a command's entry point) promises no names
    for name in names:
        namespace: dict[str, Any] = {}
        exec(f"from {module_name} import {name}", namespace)  # the way users write it
        assert namespace[name] is getattr(module, name)


# Utilities whose public signatures are checked; names any signature may use besides the
# module's own __all__: builtins, typing and collections.abc, the core's public names and
# type variables (one capital letter).
CHECKED = ["lambda_toolkit.logging", "lambda_toolkit.tracing", "lambda_toolkit.timeout", "lambda_toolkit.idempotency"]
ALLOWED = set(dir(builtins)) | set(dir(typing)) | set(dir(collections.abc)) | set(lambda_toolkit.core.__all__)
# Signatures users never call: the object is handed to them, built by the library.
NOT_CALLED_BY_USERS = {
    f"{module}:{label}"
    for module, name in [("lambda_toolkit.tracing", "Subsegment"), ("lambda_toolkit.logging", "ScopedKeys")]
    for label in (name, f"{name}.__init__")
}


def _annotations(target: Any) -> list[str]:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    found = [p.annotation for p in signature.parameters.values() if p.annotation is not inspect.Parameter.empty]
    if signature.return_annotation is not inspect.Signature.empty:
        found.append(signature.return_annotation)
    return [a if isinstance(a, str) else getattr(a, "__name__", repr(a)) for a in found]


def _signatures(module: ModuleType) -> Iterator[tuple[str, Any]]:
    for name in module.__all__:
        value = getattr(module, name)
        if not callable(value):
            continue
        yield name, value
        if inspect.isclass(value):
            for attribute, member in vars(value).items():
                if callable(member) and (attribute == "__init__" or not attribute.startswith("_")):
                    yield f"{name}.{attribute}", member


@pytest.mark.parametrize("module_name", CHECKED)
def test_public_signatures_name_only_public_types(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = set(module.__all__)
    missing = set()
    for label, target in _signatures(module):
        if f"{module_name}:{label}" in NOT_CALLED_BY_USERS:
            continue
        for annotation in _annotations(target):
            unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", annotation)  # Literal["raise", ...]
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", unquoted):
                if name not in ALLOWED and name not in exported and not re.fullmatch(r"[A-Z]", name):
                    missing.add(f"{label}: {name}")
    assert not missing, f"export these from {module_name} (add them to __all__): {sorted(missing)}"


@pytest.mark.parametrize(
    ("module_name", "alias"),
    [
        ("lambda_toolkit.timeout", "OnTimeout"),
        ("lambda_toolkit.idempotency", "KeySpec"),
        ("lambda_toolkit.idempotency", "ReplayHook"),
        ("lambda_toolkit.tracing", "AnnotationValue"),
        ("lambda_toolkit.logging", "CorrelationIdSpec"),
    ],
)
def test_the_type_aliases_are_public_and_real_types(module_name: str, alias: str) -> None:
    module = importlib.import_module(module_name)
    assert alias in module.__all__
    value = getattr(module, alias)
    # usable at run time: a union or a Callable[...] generic, not a string
    assert typing.get_origin(value) is not None or isinstance(value, type)


# (key, value) is one argument in two parts; data records list fields, not options; the
# rest are built by the library and handed to users.
POSITIONAL_ALLOWED = {
    "lambda_toolkit.tracing:put_annotation": 2,
    "lambda_toolkit.tracing:put_metadata": 2,
    "lambda_toolkit.timeout:WorkLoop": 2,
    "lambda_toolkit.tracing:Subsegment": 2,
    "lambda_toolkit.logging:ScopedKeys": 2,
}
DATA_RECORDS = {"lambda_toolkit.timeout:TimeoutInfo", "lambda_toolkit.idempotency:Record"}


@pytest.mark.parametrize("module_name", CHECKED)
def test_options_are_keyword_only_after_the_obvious_positional(module_name: str) -> None:
    module = importlib.import_module(module_name)
    too_many = {}
    for name in module.__all__:
        value = getattr(module, name)
        label = f"{module_name}:{name}"
        if not callable(value) or label in DATA_RECORDS or (inspect.isclass(value) and issubclass(value, Exception)):
            continue
        try:
            parameters = inspect.signature(value).parameters.values()
        except (TypeError, ValueError):  # a type alias such as Callable[...]
            continue
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) > POSITIONAL_ALLOWED.get(label, 1):
            too_many[name] = positional
    assert not too_many, f"make these keyword-only (after the first): {too_many}"

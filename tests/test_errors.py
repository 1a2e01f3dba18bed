"""One error map: every exception class of the package, wherever it is defined, is a
LambdaToolkitError named ``...Error``, and the map drawn in ``core.errors`` is the real one.

The package is walked module by module (every module is imported, so a class defined in
a module no other test loads is found too), then every subclass of BaseException whose
module is in the package is checked.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import lambda_toolkit
import lambda_toolkit.core.errors as errors
from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

# Exceptions allowed to break a rule, each with the reason. An entry that is no longer
# needed fails the tests, so the lists only shrink.
NOT_A_TOOLKIT_ERROR: dict[str, str] = {}
NAME_WITHOUT_ERROR: dict[str, str] = {
    "lambda_toolkit.core.errors.InvocationTimeout": (
        "the timeout guard's interruption: named like KeyboardInterrupt, as the design and "
        "every utility name it; it is a LambdaToolkitError all the same"
    ),
}


def _every_module() -> list[ModuleType]:
    return [importlib.import_module(name) for name in _module_names()]


def _module_names() -> list[str]:
    names = ["lambda_toolkit"]
    for info in pkgutil.walk_packages(lambda_toolkit.__path__, "lambda_toolkit."):
        names.append(info.name)
    return names


def _module_names_on_disk() -> set[str]:
    root = Path(lambda_toolkit.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        parts = ("lambda_toolkit", *path.relative_to(root).with_suffix("").parts)
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _subclasses(cls: type[BaseException]) -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.fixture(scope="module")
def package_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined in the package, by qualified name."""
    _every_module()
    return {
        _qualname(cls): cls
        for cls in _subclasses(BaseException)
        if cls.__module__ == "lambda_toolkit" or cls.__module__.startswith("lambda_toolkit.")
    }


@pytest.fixture(scope="module")
def public_exceptions(package_exceptions: dict[str, type[BaseException]]) -> dict[str, type[BaseException]]:
    """The exception classes a user can import: in the ``__all__`` of a public module."""
    found: dict[str, type[BaseException]] = {}
    for name in _module_names():
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", ()):
            value = getattr(module, attribute)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[value.__name__] = value
    return found


def test_every_module_of_the_package_is_walked_and_imports() -> None:
    assert set(_module_names()) == _module_names_on_disk()
    assert len(_every_module()) == len(_module_names_on_disk())


def test_every_exception_class_in_the_package_is_a_lambda_toolkit_error(
    package_exceptions: dict[str, type[BaseException]],
) -> None:
    assert "lambda_toolkit.parameters._readonly._OpaqueValueError" in package_exceptions  # private ones too
    outside = sorted(name for name, cls in package_exceptions.items() if not issubclass(cls, LambdaToolkitError))
    assert outside == sorted(NOT_A_TOOLKIT_ERROR), "derive them from the utility's root error"


def test_every_exception_class_name_ends_in_error_but_the_interruption(
    package_exceptions: dict[str, type[BaseException]],
) -> None:
    odd = sorted(name for name, cls in package_exceptions.items() if not cls.__name__.endswith("Error"))
    assert odd == sorted(NAME_WITHOUT_ERROR)


def test_the_interruption_is_still_a_lambda_toolkit_error() -> None:
    from lambda_toolkit.core.errors import InvocationTimeout

    assert issubclass(InvocationTimeout, LambdaToolkitError)


_TREE_LINE = re.compile(r"^(?P<prefix>[│├└─ ]*)(?P<name>[A-Za-z]\w*)(?: \((?P<also>[\w, ]+)\))?(?: {2,}.*)?$")


def _drawn_map() -> dict[str, tuple[str | None, list[str]]]:
    """The map in core.errors' docstring: class name -> (drawn parent, bases in parentheses)."""
    lines = (errors.__doc__ or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "LambdaToolkitError")
    indent = len(lines[start]) - len(lines[start].lstrip())
    drawn: dict[str, tuple[str | None, list[str]]] = {}
    parents: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            break
        match = _TREE_LINE.match(line[indent:])
        assert match, f"cannot read the map line {line!r}"
        depth = len(match["prefix"]) // 4
        name = match["name"]
        assert name not in drawn, f"{name} is drawn twice"
        parents[depth:] = [name]
        also = [base.strip() for base in (match["also"] or "").split(",") if base.strip()]
        drawn[name] = (parents[depth - 1] if depth else None, also)
    return drawn


def test_the_map_in_core_errors_draws_every_public_exception_with_its_bases(
    public_exceptions: dict[str, type[BaseException]],
) -> None:
    drawn = _drawn_map()
    assert sorted(drawn) == sorted(public_exceptions), "update the map in lambda_toolkit/core/errors.py"
    for name, (parent, also) in drawn.items():
        cls = public_exceptions[name]
        if parent is None:
            assert cls is LambdaToolkitError
            continue
        toolkit_bases = [base for base in cls.__bases__ if issubclass(base, LambdaToolkitError)]
        assert toolkit_bases[0].__name__ == parent, f"{name} is drawn under {parent}"
        others = [base.__name__ for base in cls.__bases__ if base is not toolkit_bases[0]]
        assert others == also, f"{name}: drawn with ({', '.join(also)}), its other bases are {others}"


def test_the_map_is_also_on_the_docs_page() -> None:
    page = (Path(__file__).parent.parent / "docs" / "core.md").read_text(encoding="utf-8")
    drawing = [line for line in (errors.__doc__ or "").splitlines() if _is_map_line(line)]
    assert len(drawing) > 30
    for line in drawing:
        assert line.strip() in page, f"docs/core.md lacks the map line {line.strip()!r}"


def _is_map_line(line: str) -> bool:
    stripped = line.strip()
    return stripped == "LambdaToolkitError" or stripped[:1] in ("├", "└", "│")


# -- the roots: one `except` per utility -----------------------------------------------


def test_events_error_catches_every_event_that_cannot_be_read() -> None:
    from lambda_toolkit.events import EventsError, EventValidationError, UnknownEventError, parse
    from lambda_toolkit.events.decoding import json_loads

    with pytest.raises(EventsError) as bad_event:
        parse({"Records": [{"eventSource": "aws:sqs", "messageId": 5}]}, "sqs")
    assert isinstance(bad_event.value, EventValidationError)
    with pytest.raises(EventsError) as unknown:
        parse({"neither": "trigger"})
    assert isinstance(unknown.value, UnknownEventError)
    with pytest.raises(EventsError):
        json_loads("{not json", "Records.0.body")
    # the standard base they had stays
    assert issubclass(EventValidationError, ValueError) and issubclass(UnknownEventError, ValueError)


def test_batch_error_catches_what_a_batch_raises_and_processing_is_no_runtime_error() -> None:
    from lambda_toolkit.batch import (
        BatchError,
        BatchProcessingError,
        BatchSourceError,
        DeadlineMarginError,
        RecordValidationError,
        batch,
        process_batch,
    )
    from lambda_toolkit.testing import FakeContext

    with pytest.raises(BatchError) as empty:
        process_batch({"Records": []}, lambda record: None, source="sqs")
    assert isinstance(empty.value, BatchSourceError)

    @batch("sqs")
    def handler(record: Any) -> None:
        raise KeyError("always")

    event = {"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": "{}"}]}
    with pytest.raises(BatchError) as all_failed:
        handler(event, FakeContext())
    assert isinstance(all_failed.value, BatchProcessingError)
    assert not isinstance(all_failed.value, RuntimeError)
    assert issubclass(RecordValidationError, BatchError) and issubclass(RecordValidationError, ValueError)
    assert issubclass(DeadlineMarginError, BatchError) and issubclass(DeadlineMarginError, ConfigurationError)


@pytest.mark.parametrize(
    "setup",
    [
        {"namespace": "AWS/Lambda"},
        {"namespace": "Orders!"},
        {"namespace": ""},
        {"namespace": "Orders", "service": "x" * 1025},
    ],
)
def test_a_bad_metrics_setup_is_a_configuration_error(setup: dict[str, Any]) -> None:
    from lambda_toolkit.metrics import Metrics, MetricsConfigurationError, MetricsError

    with pytest.raises(ConfigurationError) as caught:
        Metrics(**setup)
    assert isinstance(caught.value, MetricsConfigurationError)
    assert isinstance(caught.value, MetricsError)


def test_metrics_without_a_namespace_is_a_configuration_error_a_bad_value_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambda_toolkit.metrics import Metrics, MetricsError

    monkeypatch.delenv("LAMBDA_TOOLKIT_METRICS_NAMESPACE", raising=False)
    with pytest.raises(ConfigurationError, match="no namespace"):
        Metrics().log_metrics(lambda event, context: None)
    with pytest.raises(MetricsError) as bad_value:
        Metrics(namespace="Orders").add_metric("Orders", "Count", float("nan"))
    assert not isinstance(bad_value.value, ConfigurationError)


def test_the_extension_error_is_named_like_the_others() -> None:
    import lambda_toolkit.parameters as parameters
    from lambda_toolkit.parameters import ExtensionUnavailableError, ParameterFetchError

    assert issubclass(ExtensionUnavailableError, ParameterFetchError)
    assert "ExtensionUnavailable" not in parameters.__all__
    assert not hasattr(parameters, "ExtensionUnavailable")  # no alias: renamed while at 0.x


# -- setup errors: a bad option is a ConfigurationError in every utility ---------------

BAD_SETUPS: dict[str, Any] = {
    "logging": lambda m: m.Logger(service=""),
    "tracing": lambda m: m.trace(name=""),
    "timeout": lambda m: m.timeout_guard(margin_ms=-1),
    "batch": lambda m: m.batch("sqs", concurrency=0),
    "events": lambda m: m.parse_event(http_errors=500),
    "metrics": lambda m: m.Metrics(namespace="AWS/Lambda"),
    "parameters": lambda m: m.ExtensionProvider(port=0),
    "idempotency": lambda m: m.idempotent(store=m.MemoryStore(), key=""),
    "http": lambda m: m.App().get("no-slash")(lambda: None),
    "feature_flags": lambda m: m.FeatureFlags(store=42),
    "validation": lambda m: m.validate(inbound={"type": "not-a-type"}),
}

# Utilities whose setup errors are their own ConfigurationError subclass.
CONFIGURATION_ROOTS = {
    "metrics": "MetricsError",
    "idempotency": "IdempotencyError",
    "feature_flags": "FeatureFlagsError",
}


@pytest.mark.parametrize("utility", sorted(BAD_SETUPS))
def test_a_bad_option_is_a_configuration_error_in_every_utility(utility: str) -> None:
    module = importlib.import_module(f"lambda_toolkit.{utility}")
    with pytest.raises(ConfigurationError) as caught:
        BAD_SETUPS[utility](module)
    root = CONFIGURATION_ROOTS.get(utility)
    if root is not None:  # the utility's own subclass: its root catches it too
        assert isinstance(caught.value, getattr(module, root))

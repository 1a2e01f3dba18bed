"""FeatureFlags over a store: what a store may be, one compilation per document, and a
document that cannot be used turning every flag into the call's default with one warning."""

from __future__ import annotations

import copy
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.feature_flags import (
    ACTIONS,
    FeatureFlags,
    FeatureFlagsConfigurationError,
    FeatureFlagsError,
    FlagDocumentError,
    FlagStoreError,
    _document,
)

LOGGER = "lambda_toolkit.feature_flags"
GOLD = {"action": "EQUALS", "key": "tier", "value": "gold"}
DOCUMENT = {
    "premium": {"default": False, "rules": {"gold": {"when_match": True, "conditions": [GOLD]}}},
    "limit": {"default": 10, "rules": {"gold": {"when_match": 100, "conditions": [GOLD]}}},
}
INVALID = {
    "premium": {
        "default": False,
        "rules": {"gold": {"when_match": True, "conditions": [{"action": "EQUAL", "key": "tier", "value": "gold"}]}},
    }
}


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every document compiled, in order."""
    seen: list[object] = []
    real = _document.compile_document

    def counting(source: object, clock: Any) -> Any:
        seen.append(source)
        return real(source, clock)

    monkeypatch.setattr("lambda_toolkit.feature_flags._flags.compile_document", counting)
    return seen


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage() for record in caplog.records if record.name == LOGGER and record.levelno == logging.WARNING
    ]


class Store:
    """A store whose document (or failure) the test changes between calls."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        if isinstance(self.document, BaseException):
            raise self.document
        return self.document


def test_the_store_is_asked_at_every_evaluation_and_the_document_compiled_once(compilations: list[object]) -> None:
    store = Store(DOCUMENT)
    flags = FeatureFlags(store=store)
    for _ in range(5):
        assert flags.evaluate("premium", context={"tier": "gold"}, default=False) is True
        assert flags.enabled_features({"tier": "gold"}) == ["premium"]
    assert store.calls == 10
    assert compilations == [DOCUMENT]


@pytest.mark.parametrize("kind", ["copy", "json text", "json bytes"])
def test_a_new_but_equal_document_is_not_compiled_again(compilations: list[object], kind: str) -> None:
    make: Any = {
        "copy": lambda: copy.deepcopy(DOCUMENT),
        "json text": lambda: json.dumps(DOCUMENT),
        "json bytes": lambda: json.dumps(DOCUMENT).encode(),
    }[kind]
    flags = FeatureFlags(store=make)
    for _ in range(5):
        assert flags.evaluate("limit", context={"tier": "gold"}, default=0) == 100
    assert len(compilations) == 1


def test_a_changed_document_is_compiled_and_used() -> None:
    store = Store(DOCUMENT)
    flags = FeatureFlags(store=store)
    assert flags.evaluate("limit", context={"tier": "gold"}, default=0) == 100
    store.document = {"limit": {"default": 10, "rules": {"gold": {"when_match": 500, "conditions": [GOLD]}}}}
    assert flags.evaluate("limit", context={"tier": "gold"}, default=0) == 500
    assert flags.evaluate("premium", context={"tier": "gold"}, default="gone") == "gone"


def test_an_invalid_document_gives_the_call_defaults_with_one_warning_and_is_checked_once(
    compilations: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    flags = FeatureFlags(store=Store(INVALID))
    for _ in range(3):
        assert flags.evaluate("premium", context={"tier": "gold"}, default="call default") == "call default"
        assert flags.enabled_features({"tier": "gold"}) == []
    assert len(compilations) == 1
    (warning,) = warnings_of(caplog)
    assert warning == (
        "feature flags: the flag document is invalid: flag 'premium', rule 'gold', condition 0: unknown action "
        "'EQUAL' (did you mean EQUALS?); every flag evaluates to the default given in the call"
    )
    assert warning.endswith("; every flag evaluates to the default given in the call")
    assert "\n" not in warning


@pytest.mark.parametrize("text", ["premium:\n  default: true\n", "{not json"])
def test_a_yaml_or_broken_json_document_gives_the_defaults(text: str, caplog: pytest.LogCaptureFixture) -> None:
    flags = FeatureFlags(store=lambda: text)
    assert flags.evaluate("premium", default=False) is False
    assert flags.evaluate("premium", default=True) is True
    (warning,) = warnings_of(caplog)
    assert "the flag document is not JSON" in warning and "premium" not in warning


def test_a_failing_store_gives_the_defaults_with_one_warning_that_names_only_the_error_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store(ConnectionError("password=Zq9hunter2 rejected"))
    flags = FeatureFlags(store=store)
    assert [flags.evaluate("premium", default=d) for d in (True, False, 7)] == [True, False, 7]
    (warning,) = warnings_of(caplog)
    assert (
        warning
        == "feature flags: the flag store raised ConnectionError; every flag evaluates to the default given in the call"
    )


def test_a_toolkit_error_of_the_store_is_logged_with_its_message(caplog: pytest.LogCaptureFixture) -> None:
    class NotFoundError(FeatureFlagsError):
        pass

    flags = FeatureFlags(store=Store(NotFoundError("configuration profile 'flags' not found")))
    flags.evaluate("premium", default=False)
    assert warnings_of(caplog) == [
        "feature flags: the flag store raised NotFoundError: configuration profile 'flags' not found; "
        "every flag evaluates to the default given in the call"
    ]


def test_a_problem_is_logged_again_after_the_flags_worked_in_between(caplog: pytest.LogCaptureFixture) -> None:
    store = Store(TimeoutError())
    flags = FeatureFlags(store=store)
    flags.evaluate("premium", default=False)
    flags.evaluate("premium", default=False)
    store.document = DOCUMENT
    assert flags.evaluate("premium", context={"tier": "gold"}, default=False) is True
    store.document = TimeoutError()
    flags.evaluate("premium", default=False)
    store.document = INVALID
    flags.evaluate("premium", default=False)
    flags.evaluate("premium", default=False)
    assert [message.split(";")[0] for message in warnings_of(caplog)] == [
        "feature flags: the flag store raised TimeoutError",
        "feature flags: the flag store raised TimeoutError",
        "feature flags: the flag document is invalid: flag 'premium', rule 'gold', condition 0: "
        "unknown action 'EQUAL' (did you mean EQUALS?)",
    ]


def test_an_invalid_document_replacing_a_valid_one_gives_the_defaults() -> None:
    store = Store(DOCUMENT)
    flags = FeatureFlags(store=store)
    assert flags.evaluate("limit", default=0) == 10
    store.document = INVALID
    assert flags.evaluate("limit", default=0) == 0
    store.document = copy.deepcopy(DOCUMENT)
    assert flags.evaluate("limit", default=0) == 10


def test_the_timeout_guards_interruption_is_not_swallowed() -> None:
    flags = FeatureFlags(store=Store(InvocationTimeout()))
    with pytest.raises(InvocationTimeout):
        flags.evaluate("premium", default=False)
    with pytest.raises(InvocationTimeout):
        flags.check()


def test_check_raises_what_evaluate_turns_into_defaults() -> None:
    assert FeatureFlags(store=DOCUMENT).check() == ["premium", "limit"]
    with pytest.raises(FlagDocumentError, match="flag 'premium', rule 'gold', condition 0: unknown action"):
        FeatureFlags(store=INVALID).check()
    failure = OSError("disk")
    with pytest.raises(FlagStoreError, match=r"^the flag store raised OSError$") as caught:
        FeatureFlags(store=Store(failure)).check()
    assert caught.value.__cause__ is failure
    assert isinstance(caught.value, FeatureFlagsError)


@pytest.mark.parametrize("store", [42, None, ["premium"], object()])
def test_a_store_that_is_neither_callable_nor_a_document_is_refused_at_setup(store: Any) -> None:
    with pytest.raises(FeatureFlagsConfigurationError, match="store must be a zero-argument callable") as caught:
        FeatureFlags(store=store)
    assert isinstance(caught.value, ConfigurationError) and isinstance(caught.value, FeatureFlagsError)


def test_a_clock_that_is_not_callable_is_refused_at_setup() -> None:
    with pytest.raises(FeatureFlagsConfigurationError, match="clock must be a callable"):
        FeatureFlags(store={}, clock="12:00")  # type: ignore[arg-type]


def test_importing_the_utility_loads_no_schedule_hash_or_typing_module() -> None:
    code = (
        # only what the code adds: under ``coverage run`` the interpreter starts with coverage's imports
        "import sys, json\nbefore = set(sys.modules)\nimport lambda_toolkit.feature_flags as f\n"
        "flags = f.FeatureFlags(store={'a': {'default': True, 'rules': {'r': {'when_match': False, 'conditions': "
        "[{'action': 'IN', 'key': 'k', 'value': [1]}]}}}})\nassert flags.evaluate('a', default=None) is True\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout)
    )
    heavy = {"boto3", "botocore", "pydantic", "hashlib", "zoneinfo", "datetime", "typing", "lambda_toolkit.parameters"}
    assert not loaded & heavy


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)
ACTION_NAMES = st.sampled_from(sorted(ACTIONS))
conditions = st.fixed_dictionaries(
    {"action": ACTION_NAMES, "key": st.sampled_from(["k", "CURRENT_TIME"]), "value": json_values}
)
near_valid_documents = st.dictionaries(
    st.sampled_from(["a", "b"]),
    st.fixed_dictionaries(
        {"default": json_values},
        optional={
            "rules": st.dictionaries(
                st.text(max_size=3),
                st.fixed_dictionaries({"when_match": json_values, "conditions": st.lists(conditions, max_size=3)}),
                max_size=3,
            )
        },
    ),
    max_size=2,
)


@settings(max_examples=300)
@given(
    document=st.one_of(json_values, near_valid_documents),
    context=st.dictionaries(st.sampled_from(["k", "x"]), json_values),
)
def test_no_document_and_no_context_makes_evaluate_raise(document: Any, context: dict[str, Any]) -> None:
    sentinel = object()
    flags = FeatureFlags(store=lambda: document)
    value = flags.evaluate("a", context=context, default=sentinel)
    enabled = flags.enabled_features(context)
    try:
        names = flags.check()
    except FlagDocumentError:
        assert value is sentinel and enabled == []
    else:
        assert isinstance(document, dict) and names == list(document)
        assert set(enabled) <= set(names)


def test_a_document_nested_too_deeply_is_a_document_error() -> None:
    text = "[" * 100_000 + "]" * 100_000
    flags = FeatureFlags(store=text)
    assert flags.evaluate("a", default="d") == "d"
    with pytest.raises(FlagDocumentError, match="nested too deeply"):
        flags.check()


class HostileMapping(dict[str, Any]):
    """A mapping that fails when compared or read, as a buggy store's object might."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("cannot compare")

    __hash__ = None

    def items(self) -> Any:
        raise RuntimeError("cannot read")


def test_a_mapping_that_fails_when_read_gives_the_defaults_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    store = Store(HostileMapping(a={"default": True}))
    flags = FeatureFlags(store=store)
    assert flags.evaluate("a", default="d") == "d"
    store.document = HostileMapping(a={"default": True})  # another one: compared, fails, compiled again
    assert flags.evaluate("a", default="d") == "d"
    assert warnings_of(caplog) == [
        "feature flags: the flag document could not be read (RuntimeError); "
        "every flag evaluates to the default given in the call"
    ]

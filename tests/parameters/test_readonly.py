"""Values handed out by the lookups are read-only: one caller cannot change what the next one gets."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.parameters import (
    get_parameter,
    get_parameters_by_name,
    get_secret,
    get_secrets,
    injected_parameters,
    with_parameters,
)
from lambda_toolkit.testing import FakeContext

DOCUMENT = '{"password": "pw", "hosts": ["a", "b"], "pool": {"size": 5, "tags": [{"k": "v"}]}}'


class Memory:
    """A provider answering from dicts, counting the fetches."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.fetches = 0

    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        self.fetches += 1
        return self.values[name]

    def get_secret(self, name: str, *, version_id: str | None, version_stage: str | None) -> str:
        self.fetches += 1
        return self.values[name]

    def get_parameters(self, names: Any, *, decrypt: bool) -> Any:
        self.fetches += 1
        return {name: self.values[name] for name in names}, {}

    def get_secrets(self, names: Any) -> Any:
        self.fetches += 1
        return {name: self.values[name] for name in names}, {}

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        self.fetches += 1
        return {name: value for name, value in self.values.items() if name.startswith(f"{path.rstrip('/')}/")}


def _mutations(value: Any) -> list[Any]:
    return [
        lambda: value.__setitem__("password", "changed"),
        lambda: value.__delitem__("password"),
        lambda: value.update(password="changed"),
        lambda: value.setdefault("extra", 1),
        lambda: value.pop("password"),
        lambda: value.popitem(),
        lambda: value.clear(),
        lambda: value["hosts"].append("c"),
        lambda: value["hosts"].__setitem__(0, "z"),
        lambda: value["hosts"].extend(["c"]),
        lambda: value["hosts"].sort(reverse=True),
        lambda: value["hosts"].clear(),
        lambda: value["pool"].__setitem__("size", 50),
        lambda: value["pool"]["tags"][0].__setitem__("k", "changed"),
    ]


def test_a_json_secret_cannot_be_changed_by_one_caller_for_the_next() -> None:
    provider = Memory({"prod/db": DOCUMENT})
    first = get_secret("prod/db", transform="json", provider=provider)
    for mutate in _mutations(first):
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    again = get_secret("prod/db", transform="json", provider=provider)
    assert again == json.loads(DOCUMENT)
    assert provider.fetches == 1


def test_in_place_operators_are_refused_too() -> None:
    value = get_parameter("/app/config", transform="json", provider=Memory({"/app/config": DOCUMENT}))
    hosts = value["hosts"]
    with pytest.raises(TypeError, match="read-only"):
        hosts += ["c"]
    with pytest.raises(TypeError, match="read-only"):
        hosts *= 2
    with pytest.raises(TypeError, match="read-only"):
        value |= {"extra": 1}
    assert get_parameter("/app/config", transform="json", provider=Memory({"/app/config": DOCUMENT})) == json.loads(
        DOCUMENT
    )


def test_a_read_only_value_is_still_a_dict_and_a_list_for_the_caller() -> None:
    value = get_secret("prod/db", transform="json", provider=Memory({"prod/db": DOCUMENT}))
    assert isinstance(value, dict)
    assert isinstance(value["hosts"], list)
    assert value["hosts"] == ["a", "b"]
    assert json.loads(json.dumps(value)) == json.loads(DOCUMENT)
    assert {**value, "password": "other"}["password"] == "other"


def test_a_copy_is_plain_and_mutable() -> None:
    value = get_secret("prod/db", transform="json", provider=Memory({"prod/db": DOCUMENT}))
    for copied in (copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert type(copied) is dict
        assert type(copied["hosts"]) is list
        assert type(copied["pool"]["tags"][0]) is dict
        copied["pool"]["tags"][0]["k"] = "changed"
        copied["hosts"].append("c")
    shallow = copy.copy(value)
    assert type(shallow) is dict
    shallow["password"] = "changed"
    assert get_secret("prod/db", transform="json", provider=Memory({"prod/db": DOCUMENT})) == json.loads(DOCUMENT)


def test_batch_lookups_hand_out_read_only_values() -> None:
    provider = Memory({"/a": DOCUMENT, "b": DOCUMENT})
    parameters = get_parameters_by_name(["/a"], transform="json", provider=provider)
    secrets = get_secrets(["b"], transform="json", provider=provider)
    with pytest.raises(TypeError, match="read-only"):
        parameters["/a"]["hosts"].append("c")
    with pytest.raises(TypeError, match="read-only"):
        secrets["b"]["password"] = "changed"
    parameters["/other"] = "the result itself is the caller's"
    assert get_parameter("/a", transform="json", provider=provider)["hosts"] == ["a", "b"]
    assert provider.fetches == 2


class Pool(BaseModel):
    size: int
    tags: list[dict[str, str]]


class Database(BaseModel):
    password: str
    hosts: list[str]
    pool: Pool


def test_a_model_value_is_a_copy_for_each_caller() -> None:
    provider = Memory({"prod/db": DOCUMENT})
    first = get_secret("prod/db", transform=Database, provider=provider)
    first.hosts.append("c")
    first.pool.tags[0]["k"] = "changed"
    first.password = "changed"
    again = get_secret("prod/db", transform=Database, provider=provider)
    assert again == Database.model_validate_json(DOCUMENT)
    assert provider.fetches == 1


def test_a_callable_transform_result_is_a_copy_for_each_caller() -> None:
    provider = Memory({"/app/hosts": "a,b"})
    get_parameter("/app/hosts", transform=_split, provider=provider).add("c")
    assert get_parameter("/app/hosts", transform=_split, provider=provider) == {"a", "b"}
    assert provider.fetches == 1


def _split(value: str) -> set[str]:
    return set(value.split(","))


def test_injected_values_are_read_only() -> None:
    provider = Memory({"/app/limits": DOCUMENT})

    @with_parameters(limits=_limits(provider))
    def handler(event: Any, context: Any, *, limits: Any) -> Any:
        with pytest.raises(TypeError, match="read-only"):
            limits["pool"]["size"] = 1
        return injected_parameters()["limits"]["pool"]["size"]

    assert handler({}, FakeContext()) == 5
    assert handler({}, FakeContext()) == 5


def _limits(provider: Memory) -> Any:
    from lambda_toolkit.parameters import Parameter

    return Parameter("/app/limits", transform="json", provider=provider)

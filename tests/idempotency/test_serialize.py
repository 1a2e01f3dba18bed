"""Results: stored as JSON, rebuilt as the declared type on a replay."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

import pytest
from pydantic import BaseModel

from lambda_toolkit.idempotency import IdempotencySerializationError, MemoryStore, idempotent_function
from lambda_toolkit.idempotency._serialize import dump_result, make_decoder, return_type_of


class Item(BaseModel):
    sku: str
    qty: int = 1


@dataclasses.dataclass
class Line:
    item: Item
    note: Optional[str] = None  # noqa: UP045 (the Optional spelling must work too)


def replay(value: Any, annotation: Any) -> Any:
    """Run a function returning ``value`` twice under idempotency; return the replayed result."""
    store = MemoryStore()

    def fn(item: dict[str, Any]) -> Any:
        return value

    fn.__annotations__["return"] = annotation
    wrapped = idempotent_function(store=store, key="id")(fn)
    wrapped({"id": 1})
    return wrapped({"id": 1})


@pytest.mark.parametrize(
    ("value", "annotation"),
    [
        ({"a": [1, 2.5, None, True]}, dict),
        ([1, "two"], list),
        ("text", str),
        (42, int),
        (4.5, float),
        (None, None),
        (True, bool),
        ({"a": 1}, dict[str, int]),
        ({"a": 1}, Any),
        ("x", str | None),
        ("x", Optional[str]),  # noqa: UP045
    ],
)
def test_plain_json_values_come_back_equal(value: Any, annotation: Any) -> None:
    again = replay(value, annotation)
    assert again == value and type(again) is type(value)


def test_a_pydantic_model_comes_back_as_the_model() -> None:
    again = replay(Item(sku="a", qty=2), Item)
    assert again == Item(sku="a", qty=2) and isinstance(again, Item)


def test_a_dataclass_holding_a_model_comes_back_whole() -> None:
    again = replay(Line(Item(sku="b")), Line)
    assert again == Line(Item(sku="b")) and isinstance(again.item, Item)


def test_containers_of_models_and_tuples_come_back_typed() -> None:
    assert replay([Item(sku="a")], list[Item]) == [Item(sku="a")]
    assert replay((1, "a"), tuple[int, str]) == (1, "a")


def test_without_an_annotation_the_json_data_comes_back() -> None:
    store = MemoryStore()

    @idempotent_function(store=store, key="id")
    def fn(item):  # type: ignore[no-untyped-def]
        return Item(sku="c")

    fn({"id": 1})  # type: ignore[no-untyped-call]
    assert fn({"id": 1}) == {"sku": "c", "qty": 1}  # type: ignore[no-untyped-call]


def test_an_annotation_that_does_not_resolve_gives_the_json_data() -> None:
    def fn() -> NotDefinedAnywhere:  # type: ignore[name-defined]  # noqa: F821
        ...

    assert return_type_of(fn) is Any


def test_the_stored_text_is_compact_json() -> None:
    assert dump_result({"b": [1, "é"]}, "f") == '{"b":[1,"é"]}'
    assert json.loads(dump_result(Item(sku="a"), "f")) == {"sku": "a", "qty": 1}


@pytest.mark.parametrize("value", [object(), {"s": {1, 2}}, float("inf"), b"bytes", Item])
def test_a_value_that_is_not_json_is_a_serialization_error_naming_its_type(value: Any) -> None:
    with pytest.raises(IdempotencySerializationError, match=r"^orders: the result cannot be stored as JSON"):
        dump_result(value, "orders")


def test_the_decoder_of_a_plain_type_is_the_identity() -> None:
    data = {"a": 1}
    assert make_decoder(dict[str, Any], "f")(data) is data


def test_stored_text_with_surrounding_whitespace_or_none_is_read() -> None:
    from lambda_toolkit.idempotency._serialize import load_result

    assert load_result('{"a":[1,2]}') == {"a": [1, 2]}
    assert load_result(' {"a": 1}\n') == {"a": 1}
    assert load_result(None) is None
    assert load_result("") is None
    with pytest.raises(ValueError):
        load_result('{"a": 1} trailing')
    with pytest.raises(ValueError):
        load_result("{not json")


class Note(BaseModel):
    text: str


@pytest.mark.parametrize("value", ["caf\ud800", {"name": "a\udfffb"}, ["ok", "\ud83d"], Note(text="x\udc00")])
def test_text_with_a_lone_surrogate_is_a_serialization_error_without_the_text(value: Any) -> None:
    # JSON text with a lone surrogate has no UTF-8 form: no store can keep it.
    with pytest.raises(IdempotencySerializationError, match=r"^orders: the result cannot be stored") as caught:
        dump_result(value, "orders")
    message = str(caught.value)
    assert "not valid Unicode" in message
    assert not any("\ud800" <= char <= "\udfff" for char in message)
    assert "caf" not in message and "position" not in message

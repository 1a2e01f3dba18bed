"""Sample events for the model tests: the fixtures written by the project from the AWS documentation.

Also ``strip_optional``: a copy of an event without any field the model does not require,
at every level, so tests can check that a model demands only what AWS always sends.
"""

from __future__ import annotations

import copy
import json
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def samples_for(*triggers: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(trigger, ``fixtures/<file name>``, event) of every fixture of ``triggers``."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in sorted(FIXTURES.glob("*.json")):
        trigger = path.stem.split("--", 1)[0]
        if trigger in triggers:
            found.append((trigger, f"fixtures/{path.name}", json.loads(path.read_text())))
    return found


def sample_ids(samples: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """Readable pytest ids: the file names."""
    return [name for _, name, _ in samples]


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model class, is a list of them) inside ``annotation`` (``X``, ``X | None``, ``list[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            model, many = _nested_model(arg)
            if model is not None:
                return model, many
    if origin is list and args:
        model, _ = _nested_model(args[0])
        return model, True
    if origin is typing.Annotated:
        return _nested_model(args[0])
    return None, False


def _keys(field_name: str, field: Any) -> list[str]:
    keys = [field_name]
    if field.alias:
        keys.append(field.alias)
    if field.validation_alias is not None and hasattr(field.validation_alias, "choices"):
        keys.extend(c for c in field.validation_alias.choices if isinstance(c, str))
    return keys


def strip_optional(model: type[BaseModel], data: Any) -> Any:
    """``data`` keeping only what ``model`` requires (recursively); extra fields are dropped too."""
    if not isinstance(data, dict):
        return data
    stripped: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        for key in _keys(name, field):
            if key in data:
                value = copy.deepcopy(data[key])
                nested, many = _nested_model(field.annotation)
                if nested is not None and many and isinstance(value, list):
                    value = [strip_optional(nested, item) for item in value]
                elif nested is not None:
                    value = strip_optional(nested, value)
                stripped[key] = value
                break
    return stripped


def required_keys(model: type[BaseModel]) -> list[str]:
    """The wire names (aliases) of ``model``'s required top-level fields."""
    return [field.alias or name for name, field in model.model_fields.items() if field.is_required()]

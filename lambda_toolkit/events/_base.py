"""The base of every trigger model: read-only, tolerant of new AWS fields, AWS aliases.

Models use snake_case field names; the AWS names are aliases (camelCase by default, set
explicitly with ``Field(alias=...)`` where AWS spells a name otherwise: ``detail-type``,
``NewImage``, ``Records``). Unknown fields are kept (``extra="allow"``), so a field AWS adds
later never breaks a function. Validators are built when a model is first used
(``defer_build``), so importing a family of models costs little for the ones never used.

``repr()`` and ``str()`` mask credentials wherever they sit (headers such as ``Authorization``
and ``Cookie``, authorizer tokens, password-like fields, at any depth): see ``_masking``. The
attributes keep the real values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from lambda_toolkit.events._masking import masked_repr_args

__all__ = ["EventModel"]


class EventModel(BaseModel):
    """Base class of the trigger models and their parts."""

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # repr(), str() and pydantic's pretty printers all read these: one place masks them all.
        return masked_repr_args(self, super().__repr_args__())

"""Field markers shared by the models: containers checked shallowly, their items typed on demand.

A 10,000-message SQS batch carries 10,000 attribute maps. Copying and validating each item
of each map costs as much as the rest of the record, for values most functions never read.
``Annotated[dict[str, str], SHALLOW]`` checks that the value is an object and keeps it as it
is; the model types its items when they are read (``SQSRecord.system_attributes``), raising
``EventValidationError`` with the path then.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import core_schema

__all__ = ["SHALLOW"]


class _ShallowDict:
    """Validate with a type check only (``isinstance(value, dict)``), no copy."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.is_instance_schema(dict)

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "object"}

    def __repr__(self) -> str:
        return "SHALLOW"


#: ``Annotated[dict[...], SHALLOW]``: the field must be an object; its items are not validated.
SHALLOW = _ShallowDict()

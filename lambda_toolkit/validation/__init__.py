"""JSON Schema validation of events and responses.

- ``validate(data, schema, envelope=None)`` validates now and returns the payload;
- ``@validate(inbound=..., outbound=..., envelope=..., http_errors=...)`` validates a
  handler's event before it runs and its result after (core middleware);
- ``compile_schema(schema, formats=...)`` compiles a schema once, into a ``Schema``.

Drafts 7 and 2020-12 (read from ``$schema``; 2020-12 when absent), validated by
jsonschema-rs, which is imported on the first compile (the ``validation`` extra installs
it). ``ValidationError`` names each failed rule and its path, never the value;
``SchemaError`` (a ``ConfigurationError``) is an invalid schema, a remote ``$ref`` included.
"""

from __future__ import annotations

from lambda_toolkit.validation._errors import SchemaError, ValidationError, Violation
from lambda_toolkit.validation._schema import DEFAULT_DRAFT, MAX_ERRORS, Schema, compile_schema
from lambda_toolkit.validation._validate import validate

__all__ = [
    "DEFAULT_DRAFT",
    "MAX_ERRORS",
    "Schema",
    "SchemaError",
    "ValidationError",
    "Violation",
    "compile_schema",
    "validate",
]

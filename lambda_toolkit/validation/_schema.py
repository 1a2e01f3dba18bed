"""Compiled JSON Schemas: ``compile_schema`` and the ``Schema`` it returns.

The validator is jsonschema-rs (a Rust implementation, chosen on measurement: see
docs/validation.md), imported on the first compile, never at import. A schema is compiled
once: its draft is read from ``$schema`` (2020-12 when absent), it is checked against its
draft's meta-schema, ``format`` is asserted, an unknown format is refused, and every
``$ref`` must resolve inside the schema (or to a meta-schema the validator ships): a
remote one is refused, as a function never fetches schemas at run time.

Failures become ``Violation``s built here from the error's kind and its schema-side
parameters (the limit, the expected types, the pattern), never from the validator's own
message, which quotes the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from lambda_toolkit.validation._errors import SchemaError, ValidationError, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

__all__ = ["DEFAULT_DRAFT", "MAX_ERRORS", "Schema", "compile_schema"]

DEFAULT_DRAFT = "https://json-schema.org/draft/2020-12/schema"
"""The draft of a schema without ``$schema``."""

MAX_ERRORS = 50
"""The most violations one validation reports (a list of 10,000 bad items must not build
10,000 messages)."""

_DRAFTS = {4: "draft-04", 6: "draft-06", 7: "draft-07", 19: "2019-09", 20: "2020-12"}


class Schema:
    """A compiled schema: ``validate(data)`` raises ``ValidationError``, ``is_valid(data)``
    answers. Safe to share between threads; build it once, at import."""

    __slots__ = ("_is_valid", "_iter_errors", "draft", "name")

    def __init__(self, name: str, draft: str, validator: Any) -> None:
        self.name = name
        self.draft = draft
        self._is_valid: Callable[[Any], bool] = validator.is_valid
        self._iter_errors: Callable[[Any], Iterator[Any]] = validator.iter_errors

    def is_valid(self, data: Any) -> bool:
        """True when ``data`` matches (False too for data JSON cannot represent)."""
        try:
            return self._is_valid(data)
        except ValueError:
            return False

    def validate(self, data: Any, *, source: str = "data", path: str = "") -> None:
        """Raise ``ValidationError`` listing every failed rule (up to ``MAX_ERRORS``).

        ``path`` prefixes the violations' paths (where ``data`` sits in an event);
        ``source`` names what is validated in the message.
        """
        violations = self.violations(data, path)
        if violations:
            raise ValidationError(source, violations)

    def violations(self, data: Any, path: str = "") -> list[Violation]:
        """The failed rules of ``data`` (empty when it matches)."""
        try:
            if self._is_valid(data):
                return []
            found: list[Violation] = []
            for error in self._iter_errors(data):
                found.extend(_violations(error, path))
                if len(found) >= MAX_ERRORS:
                    return found[:MAX_ERRORS]
            # is_valid said no: whatever the second pass finds, the data is never let through
            return found or [Violation(path, "schema", "does not match the schema")]
        except ValueError as exc:  # data JSON cannot represent, or nested too deeply
            return [Violation(path, "json", _not_json(exc))]

    def __repr__(self) -> str:
        return f"<Schema {self.name} ({self.draft})>"


def compile_schema(
    schema: Schema | Mapping[str, Any] | bool,
    *,
    formats: Mapping[str, Callable[[str], bool]] | None = None,
    name: str = "schema",
) -> Schema:
    """Compile ``schema`` (a JSON Schema as a dict, or a boolean) once.

    ``formats`` adds custom ``format`` checks (``{"int64": callable}``, called with the
    string; True when valid). ``name`` appears in errors. Raises ``SchemaError`` when the
    schema is invalid, uses an unknown draft or format, or has a ``$ref`` that does not
    resolve inside it (a remote URL is refused).
    """
    if isinstance(schema, Schema):
        return schema
    if not isinstance(schema, (Mapping, bool)):
        raise SchemaError(name, [("", "type", f"a schema is a JSON object or a boolean, got {type(schema).__name__}")])
    custom = _check_formats(formats, name)
    import jsonschema_rs

    refused: list[str] = []

    def refuse(uri: str) -> Any:
        refused.append(uri)
        raise LookupError(uri)

    options: dict[str, Any] = {"validate_formats": True, "ignore_unknown_formats": False, "retriever": refuse}
    if custom:
        options["formats"] = custom
    document: Any = dict(schema) if isinstance(schema, Mapping) and not isinstance(schema, dict) else schema
    validator: Any
    try:
        if isinstance(document, dict) and "$schema" not in document:
            validator = jsonschema_rs.Draft202012Validator(document, **options)
        else:
            validator = jsonschema_rs.validator_for(document, **options)
    except jsonschema_rs.ValidationError as exc:
        if refused and isinstance(document, dict) and refused[0] == document.get("$schema"):
            raise SchemaError(
                name,
                [("$schema", "$schema", f"unknown draft {refused[0]!r}: use draft-07 or 2020-12 (the default)")],
            ) from None
        if refused:
            raise SchemaError(
                name,
                [
                    (
                        "",
                        "$ref",
                        f"$ref to the remote schema {refused[0]!r} is refused: schemas are never fetched "
                        "at run time; put it under $defs and refer to it as #/$defs/...",
                    )
                ],
            ) from None
        raise SchemaError(name, [(_join("", exc.instance_path), exc.kind.name, exc.message)]) from None
    except (ValueError, TypeError) as exc:  # a schema holding what JSON cannot (a set, a non-string key)
        raise SchemaError(name, [("", "json", f"the schema is not JSON: {exc}")]) from None
    draft = _DRAFTS.get(_draft_number(type(validator).__name__), type(validator).__name__)
    return Schema(name, draft, validator)


def _draft_number(class_name: str) -> int:
    digits = class_name.removeprefix("Draft").removesuffix("Validator")
    return {"201909": 19, "202012": 20}.get(digits, int(digits) if digits.isdigit() else 0)


def _check_formats(
    formats: Mapping[str, Callable[[str], bool]] | None, name: str
) -> dict[str, Callable[[str], bool]] | None:
    if formats is None:
        return None
    from lambda_toolkit.core.errors import ConfigurationError

    if not isinstance(formats, Mapping):
        raise ConfigurationError(
            f"{name}: formats must be a mapping of format name to check, got {type(formats).__name__}"
        )
    for key, check in formats.items():
        if not isinstance(key, str) or not callable(check):
            raise ConfigurationError(f"{name}: formats maps a format name (str) to a callable, got {key!r}")
    return dict(formats)


def _join(prefix: str, parts: Any) -> str:
    path = ".".join(str(part) for part in parts)
    if prefix:
        return f"{prefix}.{path}" if path else prefix
    return path


def _violations(error: Any, prefix: str) -> list[Violation]:
    kind = error.kind
    rule: str = kind.name
    path = list(error.instance_path)
    if rule in ("additionalProperties", "unevaluatedProperties"):
        return [Violation(_join(prefix, [*path, key]), rule, "unexpected property") for key in kind.unexpected]
    if rule == "unevaluatedItems":
        # kind.unexpected holds the items themselves (values), not their indexes: only counted
        count = len(kind.unexpected)
        return [Violation(_join(prefix, path), rule, f"has {count} unexpected item{'s' if count > 1 else ''}")]
    if rule == "required":
        return [Violation(_join(prefix, [*path, kind.property]), rule, "required property is missing")]
    if rule == "oneOf":
        several = type(kind).__name__ == "OneOfMultipleValid"
        message = "matches more than one of the oneOf schemas" if several else "matches none of the oneOf schemas"
        return [Violation(_join(prefix, path), rule, message)]
    return [Violation(_join(prefix, path), rule, _message(rule, kind))]


def _shown(value: Any) -> str:
    """A schema value (never data) for a message, cut short."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _message(rule: str, kind: Any) -> str:
    """What ``rule`` expected, from the schema's side of the error only."""
    if rule == "type":
        return f"expected {' or '.join(kind.types)}"
    if rule in _LIMITS:
        return _LIMITS[rule].format(limit=_shown(kind.limit))
    if rule == "enum":
        return f"must be one of {_shown(kind.options)}"
    if rule == "const":
        return f"must be {_shown(kind.expected_value)}"
    if rule == "pattern":
        return f"must match the pattern {_shown(kind.pattern)}"
    if rule == "format":
        return f"must be a valid {kind.format}"
    if rule == "multipleOf":
        return f"must be a multiple of {_shown(kind.multiple_of)}"
    if rule == "contentEncoding":
        return f"must be {kind.content_encoding}-encoded"
    if rule == "contentMediaType":
        return f"must be {kind.content_media_type} content"
    return _FIXED.get(rule, f"does not satisfy {rule}")


_LIMITS = {
    "minimum": "must be >= {limit}",
    "maximum": "must be <= {limit}",
    "exclusiveMinimum": "must be > {limit}",
    "exclusiveMaximum": "must be < {limit}",
    "minLength": "must be at least {limit} characters long",
    "maxLength": "must be at most {limit} characters long",
    "minItems": "must have at least {limit} items",
    "maxItems": "must have at most {limit} items",
    "minProperties": "must have at least {limit} properties",
    "maxProperties": "must have at most {limit} properties",
    "additionalItems": "must have at most {limit} items",
}

_FIXED = {
    "anyOf": "matches none of the anyOf schemas",
    "not": "matches the schema under not",
    "falseSchema": "no value is allowed here",
    "contains": "has no item matching contains",
    "uniqueItems": "items must be unique",
    "propertyNames": "has a property name that does not match propertyNames",
}


def _not_json(exc: ValueError) -> str:
    # The validator's conversion errors name a Python type, never a value; keep only those.
    text = str(exc)
    if text.startswith(("Unsupported type: '", "Dict key must be str")) and len(text) < 120:
        return f"not JSON data ({text})"
    if "ecursion" in text:
        return "not JSON data (nested too deeply)"
    return "not JSON data"

"""The flag document: read (JSON text or a mapping), checked and compiled into flags.

The schema is Powertools' feature flags schema, extended without breaking it::

    {
      "<flag name>": {
        "default": <JSON value>,
        "boolean_type": <bool, optional>,
        "rules": {                               # optional, tried in document order
          "<rule name>": {
            "when_match": <JSON value>,          # the flag's value when every condition matches
            "conditions": [{"action": "<ACTION>", "key": "<context key>", "value": ...}]
          }
        }
      }
    }

A flag is boolean when ``boolean_type`` says so, or, without it, when its ``default`` is
true or false; a boolean flag's ``when_match`` values must be booleans too. Any other flag
is a JSON value flag (Powertools asks for ``"boolean_type": false``; here the default's
type is enough). Keys the schema does not know are ignored, as Powertools ignores them.

Every check happens once, when the document is compiled; ``FlagDocumentError`` names the
flag, the rule and the condition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from lambda_toolkit.feature_flags._conditions import ACTIONS
from lambda_toolkit.feature_flags._errors import FlagDocumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any

    from lambda_toolkit.feature_flags._conditions import Test

__all__ = ["Flag", "compile_document", "read_document"]


class Flag:
    """One compiled flag: its default and its rules as ``(value, tests)`` pairs."""

    __slots__ = ("boolean", "default", "name", "rules")

    def __init__(self, name: str, default: Any, boolean: bool, rules: tuple[tuple[Any, tuple[Test, ...]], ...]) -> None:
        self.name = name
        self.default = default
        self.boolean = boolean
        self.rules = rules

    def value_for(self, context: Mapping[str, Any]) -> Any:
        """The value of the first rule whose conditions all match, else the default."""
        for value, tests in self.rules:
            for test in tests:
                if not test(context):
                    break
            else:
                return value
        return self.default


def read_document(source: object) -> Mapping[str, Any]:
    """The document as a mapping: JSON text (str or bytes) is parsed, a mapping is taken as is."""
    if isinstance(source, (str, bytes, bytearray)):
        try:
            source = json.loads(source)
        except RecursionError:
            raise FlagDocumentError("the flag document is nested too deeply to be read") from None
        except (ValueError, UnicodeDecodeError) as error:
            # The position only: the decoder's message never quotes the document, but its
            # document attribute would, so the error is not chained.
            where = f" (line {error.lineno}, column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
            problem = f"the flag document is not JSON{where}; YAML and other formats are not read"
            raise FlagDocumentError(problem) from None
    if not isinstance(source, Mapping):
        raise FlagDocumentError(f"the flag document must be a JSON object of flags, not {_kind(source)}")
    return source


def compile_document(source: object, clock: Callable[[], datetime] | None) -> dict[str, Flag]:
    """Every flag of the document, checked and compiled (``FlagDocumentError`` at the first problem)."""
    document = read_document(source)
    flags: dict[str, Flag] = {}
    for name, definition in document.items():
        if not isinstance(name, str):
            raise FlagDocumentError("flag names must be strings")
        flags[name] = _flag(name, definition, clock)
    return flags


def _flag(name: str, definition: object, clock: Callable[[], datetime] | None) -> Flag:
    if not isinstance(definition, Mapping):
        raise FlagDocumentError(f"a flag must be an object with a default, not {_kind(definition)}", flag=name)
    if "default" not in definition:
        raise FlagDocumentError("the flag has no default", flag=name)
    default = definition["default"]
    boolean_type = definition.get("boolean_type")
    if boolean_type is not None and not isinstance(boolean_type, bool):
        raise FlagDocumentError("boolean_type must be true or false", flag=name)
    boolean = boolean_type if boolean_type is not None else isinstance(default, bool)
    if boolean and not isinstance(default, bool):
        raise FlagDocumentError("the default of a boolean flag must be true or false", flag=name)
    rules = definition.get("rules")
    if rules is None:
        return Flag(name, default, boolean, ())
    if not isinstance(rules, Mapping):
        raise FlagDocumentError(f"rules must be an object of named rules, not {_kind(rules)}", flag=name)
    compiled = tuple(_rule(name, rule_name, rule, boolean, clock) for rule_name, rule in rules.items())
    return Flag(name, default, boolean, compiled)


def _rule(
    flag: str, name: str, rule: object, boolean: bool, clock: Callable[[], datetime] | None
) -> tuple[Any, tuple[Test, ...]]:
    if not isinstance(rule, Mapping):
        raise FlagDocumentError(f"a rule must be an object, not {_kind(rule)}", flag=flag, rule=name)
    if "when_match" not in rule:
        raise FlagDocumentError("the rule has no when_match", flag=flag, rule=name)
    value = rule["when_match"]
    if boolean and not isinstance(value, bool):
        raise FlagDocumentError("when_match of a boolean flag must be true or false", flag=flag, rule=name)
    conditions = rule.get("conditions")
    if not isinstance(conditions, (list, tuple)) or not conditions:
        raise FlagDocumentError("conditions must be a non-empty array", flag=flag, rule=name)
    tests = []
    for index, condition in enumerate(conditions):
        try:
            tests.append(_condition(condition, flag, clock))
        except FlagDocumentError as error:
            raise FlagDocumentError(error.problem, flag=flag, rule=name, condition=index) from None
    return value, tuple(tests)


def _condition(condition: object, flag: str, clock: Callable[[], datetime] | None) -> Test:
    if not isinstance(condition, Mapping):
        raise FlagDocumentError(f"a condition must be an object, not {_kind(condition)}")
    action = condition.get("action")
    if not isinstance(action, str):
        raise FlagDocumentError("the condition has no action")
    build = ACTIONS.get(action)
    if build is None:
        shown = action if len(action) <= 40 and action.isprintable() else action[:37] + "..."
        raise FlagDocumentError(f"unknown action {shown!r} ({_suggest(action)})")
    key = condition.get("key")
    if not isinstance(key, str) or not key:
        raise FlagDocumentError("the condition's key must be a non-empty string")
    if "value" not in condition:
        raise FlagDocumentError("the condition has no value")
    return build(key, condition["value"], flag, clock)


def _suggest(action: str) -> str:
    from difflib import get_close_matches  # only when a document is wrong

    close = get_close_matches(action.upper(), ACTIONS, n=1)
    return f"did you mean {close[0]}?" if close else "the actions are in lambda_toolkit.feature_flags.ACTIONS"


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages that must not quote the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__

"""The condition actions: each turns a condition's ``key`` and ``value`` into a test.

A test is a function of the evaluation context that answers True or False and never
raises: a context without the key, or whose value has a type the action cannot compare
(a string against a number, a list where a string is expected), does not match. That holds
for the negative actions too (``NOT_EQUALS``, ``NOT_IN``...): a condition can only match a
context that has its key. Each test is built once, when the document is compiled, with
the condition's value already checked and shaped for the comparison (list values become
sets), so evaluating is a few dictionary reads and comparisons.

The schedule actions live in ``_schedule`` and the percentage rollout in ``_rollout``:
they need modules (``datetime``, ``zoneinfo``, ``hashlib``) that a document without them
should not import.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

from lambda_toolkit.feature_flags._errors import FlagDocumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any, TypeAlias

    Test: TypeAlias = Callable[[Mapping[str, Any]], bool]
    Builder: TypeAlias = Callable[[str, Any, str, "Callable[[], datetime] | None"], Test]

__all__ = ["ACTIONS", "is_number"]

_ARRAY_TYPES = (list, tuple, set, frozenset)


def is_number(value: object) -> bool:
    """A JSON number: int or float, but not bool (``true`` is not ``1`` in a document)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare(compare: Callable[[Any, Any], Any]) -> Builder:
    def build(key: str, expected: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        def test(context: Mapping[str, Any]) -> bool:
            try:
                return bool(compare(context[key], expected))
            except Exception:  # missing key, or types the comparison refuses: no match
                return False

        return test

    return build


def _ordered(compare: Callable[[Any, Any], Any]) -> Builder:
    inner = _compare(compare)

    def build(key: str, expected: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        if not (is_number(expected) or isinstance(expected, str)):
            raise FlagDocumentError("the value of a comparison must be a number or a string")
        return inner(key, expected, flag, clock)

    return build


def _affix(suffix: bool) -> Builder:
    def build(key: str, affix: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        if not isinstance(affix, str):
            raise FlagDocumentError("the value of STARTSWITH and ENDSWITH must be a string")

        def test(context: Mapping[str, Any]) -> bool:
            try:
                value = context[key]
            except Exception:
                return False
            if not isinstance(value, str):
                return False
            return value.endswith(affix) if suffix else value.startswith(affix)

        return test

    return build


class _Members:
    """A JSON array as a set for fast lookups, and as a tuple for unhashable items."""

    __slots__ = ("items", "lookup")

    def __init__(self, items: list[Any] | tuple[Any, ...]) -> None:
        self.items = tuple(items)
        try:
            self.lookup: frozenset[Any] | tuple[Any, ...] = frozenset(items)
        except TypeError:  # the array holds objects or arrays
            self.lookup = self.items

    def __contains__(self, item: object) -> bool:
        try:
            return item in self.lookup
        except TypeError:  # an unhashable item asked of the set: compare one by one
            return item in self.items


def _container(value: Any, action: str) -> _Members | str:
    if isinstance(value, (list, tuple)):
        return _Members(value)
    if isinstance(value, str):  # substring semantics, as the Powertools schema allows
        return value
    raise FlagDocumentError(f"the value of {action} must be an array (or a string)")


def _key_in_value(negate: bool, action: str) -> Builder:
    def build(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        members = _container(value, action)

        def test(context: Mapping[str, Any]) -> bool:
            try:
                return (context[key] in members) is not negate
            except Exception:  # missing key, or a non-string asked of a string value
                return False

        return test

    return build


def _value_in_key(negate: bool) -> Builder:
    def build(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        def test(context: Mapping[str, Any]) -> bool:
            try:
                found = context[key]
                if not isinstance(found, (str, *_ARRAY_TYPES)):
                    return False
                return (value in found) is not negate
            except Exception:
                return False

        return test

    return build


def _array_in_value(mode: str) -> Builder:
    def build(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        if not isinstance(value, (list, tuple)):
            raise FlagDocumentError(f"the value of {mode}_IN_VALUE must be an array")
        members = _Members(value)

        def test(context: Mapping[str, Any]) -> bool:
            try:
                found = context[key]
            except Exception:
                return False
            if not isinstance(found, _ARRAY_TYPES):
                return False
            if mode == "ALL":
                return all(item in members for item in found)
            if mode == "ANY":
                return any(item in members for item in found)
            return not any(item in members for item in found)

        return test

    return build


def _modulo_range(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
    if not isinstance(value, Mapping) or not {"BASE", "START", "END"} <= value.keys():
        raise FlagDocumentError("the value of MODULO_RANGE must be an object with BASE, START and END")
    base: int = value["BASE"]
    start: int = value["START"]
    end: int = value["END"]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (base, start, end)):
        raise FlagDocumentError("BASE, START and END of MODULO_RANGE must be integers")
    if not 0 <= start <= end < base:
        raise FlagDocumentError("MODULO_RANGE must satisfy 0 <= START <= END < BASE")

    def test(context: Mapping[str, Any]) -> bool:
        try:
            number = context[key]
        except Exception:
            return False
        if not isinstance(number, int) or isinstance(number, bool):
            return False
        return start <= number % base <= end

    return test


def _schedule(action: str) -> Builder:
    def build(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
        from lambda_toolkit.feature_flags import _schedule

        return _schedule.build(action, key, value, clock)

    return build


def _rollout(key: str, value: Any, flag: str, clock: Callable[[], datetime] | None) -> Test:
    from lambda_toolkit.feature_flags import _rollout

    return _rollout.build(key, value, flag)


ACTIONS: dict[str, Builder] = {
    "EQUALS": _compare(operator.eq),
    "NOT_EQUALS": _compare(operator.ne),
    "KEY_GREATER_THAN_VALUE": _ordered(operator.gt),
    "KEY_GREATER_THAN_OR_EQUAL_VALUE": _ordered(operator.ge),
    "KEY_LESS_THAN_VALUE": _ordered(operator.lt),
    "KEY_LESS_THAN_OR_EQUAL_VALUE": _ordered(operator.le),
    "STARTSWITH": _affix(suffix=False),
    "ENDSWITH": _affix(suffix=True),
    "IN": _key_in_value(False, "IN"),
    "NOT_IN": _key_in_value(True, "NOT_IN"),
    "KEY_IN_VALUE": _key_in_value(False, "KEY_IN_VALUE"),
    "KEY_NOT_IN_VALUE": _key_in_value(True, "KEY_NOT_IN_VALUE"),
    "VALUE_IN_KEY": _value_in_key(False),
    "VALUE_NOT_IN_KEY": _value_in_key(True),
    "ALL_IN_VALUE": _array_in_value("ALL"),
    "ANY_IN_VALUE": _array_in_value("ANY"),
    "NONE_IN_VALUE": _array_in_value("NONE"),
    "SCHEDULE_BETWEEN_TIME_RANGE": _schedule("SCHEDULE_BETWEEN_TIME_RANGE"),
    "SCHEDULE_BETWEEN_DATETIME_RANGE": _schedule("SCHEDULE_BETWEEN_DATETIME_RANGE"),
    "SCHEDULE_BETWEEN_DAYS_OF_WEEK": _schedule("SCHEDULE_BETWEEN_DAYS_OF_WEEK"),
    "MODULO_RANGE": _modulo_range,
    "PERCENTAGE_ROLLOUT": _rollout,
}
"""Every action a condition may name, with the function that builds its test."""

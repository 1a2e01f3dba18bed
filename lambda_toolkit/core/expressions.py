"""The package's one JMESPath dialect: standard JMESPath plus a few helper functions.

Every utility that takes an expression over an event (the idempotency key, the logger's
correlation id, ...) compiles it here, so the same text means the same thing everywhere.
The helpers, on top of the standard functions:

- ``json_decode(s)``: parse a JSON string (an API Gateway or SQS ``body``); text that is
  not JSON gives null (nothing found); valid JSON Python cannot parse (nested too deeply, a
  number past the 4,300-digit limit) raises ``ExpressionError``;
- ``base64_decode(s)``: decode base64 text to a UTF-8 string (null if it is not that);
- ``base64_gzip_decode(s)``: decode base64 text of gzip data (a CloudWatch Logs
  ``awslogs.data``) to a UTF-8 string (null if it is not that); data that inflates past
  ``MAX_INFLATED_BYTES`` raises ``ExpressionError`` rather than fill the memory;
- ``lower_keys(obj)``: the object with lower-cased keys (HTTP headers, whatever the case).

Each helper gives null for a null argument (an absent ``body`` is "nothing found", not a
type error). ``compile_expression`` checks the syntax and the function names when a
decorator is set up (a ``ConfigurationError`` naming the expression); ``search`` raises
``ExpressionError`` when the data does not fit the expression (a function given the wrong
type), which each utility turns into its own outcome. jmespath is imported on the first
compile, never at import; compiled expressions are cached by their text.
"""

from __future__ import annotations

import base64
import json

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["HELPERS", "MAX_INFLATED_BYTES", "Expression", "ExpressionError", "compile_expression", "search"]

HELPERS: tuple[str, ...] = ("json_decode", "base64_decode", "base64_gzip_decode", "lower_keys")
"""The names of the helper functions the dialect adds to JMESPath."""

MAX_INFLATED_BYTES = 16 * 1024 * 1024
"""The most ``base64_gzip_decode`` inflates (a few KiB of gzip can inflate to gigabytes)."""


class ExpressionError(LambdaToolkitError, ValueError):
    """An expression could not be evaluated over this data.

    A helper met data it cannot read, or a function was given a value of the wrong type.
    The message names the expression and the function, never the data.
    """


class Expression:
    """A compiled expression: ``text`` as written, ``search(data)`` evaluates it.

    ``search`` is a plain function (no per-call lookups on this object); threads can share it.
    """

    __slots__ = ("search", "text")

    def __init__(self, text: str, search: Callable[[Any], Any]) -> None:
        self.text = text
        self.search = search

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


_compiled: dict[str, Expression] = {}
_MAX_CACHED = 512  # expressions come from code, a few per function; text built at run time must not grow it
_functions: Any = None


def compile_expression(text: str) -> Expression:
    """The compiled ``text`` (cached); a ``ConfigurationError`` naming it if it is not valid.

    Invalid means a syntax error, or a call of a function that is neither standard
    JMESPath nor one of ``HELPERS``.
    """
    found = _compiled.get(text)
    if found is None:
        found = _compile(text)
        if len(_compiled) < _MAX_CACHED:
            _compiled[text] = found
    return found


def search(expression: Expression, data: Any) -> Any:
    """The result of ``expression`` over ``data`` (None when it finds nothing).

    Raises ``ExpressionError`` when the data does not fit the expression.
    """
    return expression.search(data)


def _compile(text: str) -> Expression:
    if not isinstance(text, str):
        raise ConfigurationError(f"a JMESPath expression must be a string, got {type(text).__name__}")
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        parsed: Any = jmespath.compile(text).parsed
    except JMESPathError:
        raise ConfigurationError(f"{text!r} is not a valid JMESPath expression") from None
    functions = _helpers()
    for name in _function_names(parsed):
        if name not in functions.FUNCTION_TABLE:
            raise ConfigurationError(f"{text!r} calls the unknown function {name}()")
    fields = _field_names(parsed)
    if fields is not None:
        return Expression(text, _field_search(fields))
    # One interpreter per expression (jmespath's ``search`` builds one per call); it keeps
    # no per-call state, so threads can share it.
    from jmespath.visitor import Options, TreeInterpreter

    visit = TreeInterpreter(Options(custom_functions=functions)).visit

    def evaluate(data: Any) -> Any:
        try:
            return visit(parsed, data)
        except JMESPathError as error:
            # jmespath's message quotes the offending value: only its kind is kept.
            raise ExpressionError(f"{text!r} does not fit the data ({type(error).__name__})") from None

    return Expression(text, evaluate)


def _function_names(node: Any) -> list[str]:
    """The names of every function the parsed expression calls."""
    names: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        if current.get("type") == "function_expression":
            names.append(current["value"])
        stack.extend(current.get("children", ()))
    return names


def _field_names(parsed: dict[str, Any]) -> tuple[str, ...] | None:
    """The names of a plain field path (``a``, ``a.b."c-d"``), or None for any other expression."""
    if parsed["type"] == "field":
        return (parsed["value"],)
    if parsed["type"] == "subexpression" and all(child["type"] == "field" for child in parsed["children"]):
        return tuple(child["value"] for child in parsed["children"])
    return None


def _field_search(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """A plain field path evaluated as JMESPath does (``.get`` per step; None where a step cannot).

    The common case (``body.order_id``) costs a few dict lookups, not a tree walk.
    """
    if len(names) == 1:
        name = names[0]

        def one(data: Any) -> Any:
            try:
                return data.get(name)
            except AttributeError:
                return None

        return one

    def path(data: Any) -> Any:
        for name in names:
            try:
                data = data.get(name)
            except AttributeError:
                return None
        return data

    return path


def _unreadable(why: str) -> ExpressionError:
    # Valid JSON that Python cannot read: "nothing found" could let a utility skip its work
    # (run without idempotency), so it is an error (naming the helper, never the text).
    return ExpressionError(f"json_decode() got JSON it cannot parse ({why})")


def _gunzip_text(text: str) -> str | None:
    """The UTF-8 text of base64 gzip data; None when it is not that."""
    import zlib

    try:
        packed = base64.b64decode(text, validate=True)
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # gzip framing only
        # One byte past the bound tells "too big" apart from "exactly the bound"; flush()
        # is never called, as it would inflate the rest without a bound.
        data = inflater.decompress(packed, MAX_INFLATED_BYTES + 1)
    except (ValueError, zlib.error):  # binascii.Error is a ValueError
        return None
    if len(data) > MAX_INFLATED_BYTES:
        raise ExpressionError(f"base64_gzip_decode() got data inflating past {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof:
        return None  # truncated: not gzip data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _helpers() -> Any:
    """Build (once) the jmespath Functions object carrying the helpers."""
    global _functions
    if _functions is None:
        from jmespath import functions

        class _Helpers(functions.Functions):
            @functions.signature({"types": ["string", "null"]})
            def _func_json_decode(self, text: str | None) -> Any:
                if text is None:
                    return None
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    return None
                except RecursionError:
                    raise _unreadable("nested too deeply") from None
                except ValueError:  # besides JSONDecodeError: a number past Python's digit limit
                    raise _unreadable("a number has too many digits") from None

            @functions.signature({"types": ["string", "null"]})
            def _func_base64_decode(self, text: str | None) -> Any:
                if text is None:
                    return None
                try:
                    return base64.b64decode(text, validate=True).decode("utf-8")
                except ValueError:
                    return None

            @functions.signature({"types": ["string", "null"]})
            def _func_base64_gzip_decode(self, text: str | None) -> Any:
                if text is None:
                    return None
                return _gunzip_text(text)

            @functions.signature({"types": ["object", "null"]})
            def _func_lower_keys(self, obj: dict[str, Any] | None) -> Any:
                if obj is None:
                    return None
                return {str(k).lower(): v for k, v in obj.items()}

        _functions = _Helpers()
    return _functions

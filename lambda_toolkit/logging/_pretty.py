"""A human-readable, coloured rendering of the JSON lines, for local runs only.

Chosen by ``LOG_FORMAT=pretty``, or by default when the stream is a terminal and the
process is not on Lambda. Under the Lambda runtime (``AWS_LAMBDA_RUNTIME_API`` set: the
address every runtime polls for events, given to every function, and by Lambda's
emulators) lines are always JSON: CloudWatch, Lambda's log level filter and log tools
read the JSON fields. ``lambda-toolkit invoke`` and ``serve`` set Lambda's other
variables (the function name, ``AWS_EXECUTION_ENV``) for the handler but not that one,
so local runs get pretty lines too.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

__all__ = ["FORMATS", "RUNTIME_VARIABLE", "VARIABLE", "choose_pretty", "colour_for", "on_lambda", "render"]

VARIABLE = "LOG_FORMAT"
FORMATS = ("json", "pretty")
RUNTIME_VARIABLE = "AWS_LAMBDA_RUNTIME_API"
_RESET = "\033[0m"
_DIM = "\033[2m"
_COLOURS = {
    "DEBUG": "\033[36m",
    "INFO": "\033[32m",
    "WARNING": "\033[33m",
    "ERROR": "\033[31m",
    "CRITICAL": "\033[1;31m",
}
# Fields shown in the head of the line, or too long and repeated to help on a terminal.
_HIDDEN = frozenset(
    {
        "timestamp",
        "level",
        "message",
        "service",
        "logger",
        "location",
        "exception",
        "function_arn",
        "function_memory_size",
        "function_name",
    }
)


def on_lambda() -> bool:
    """True under the Lambda runtime (its Runtime API address is set)."""
    return bool(os.environ.get(RUNTIME_VARIABLE))


def _is_tty(stream: TextIO | None) -> bool:
    target = sys.stdout if stream is None else stream
    try:
        return bool(target.isatty())
    except Exception:  # a stream without isatty, or a closed one
        return False


def choose_pretty(stream: TextIO | None) -> tuple[bool, str | None]:
    """Whether lines are rendered pretty, and a warning for an unknown ``LOG_FORMAT``."""
    if on_lambda():
        return False, None
    value = os.environ.get(VARIABLE, "").strip().lower()
    if value == "pretty":
        return True, None
    if value == "json":
        return False, None
    warning = None
    if value:
        warning = f"{VARIABLE} must be 'json' or 'pretty'; ignoring the value set"
    return _is_tty(stream), warning


def _value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)


def _exception_lines(exception: dict[str, Any], indent: str = "  ") -> list[str]:
    lines = []
    for frame in exception.get("stack", ()):
        lines.append(f'{indent}File "{frame.get("file")}", line {frame.get("line")}, in {frame.get("function")}')
        if frame.get("code"):
            lines.append(f"{indent}  {frame['code']}")
    lines.append(f"{indent}{exception.get('type')}: {exception.get('message')}")
    cause = exception.get("cause")
    if isinstance(cause, dict):
        lines = [*_exception_lines(cause, indent), f"{indent}(then)", *lines]
    return lines


def render(line: str, colour: bool) -> str:
    """The JSON line as ``12:08:35.123 INFO  logger  message  key=value ...  [location]``,
    then the exception's stack, if any; the JSON line itself when it cannot be read."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    stamp = str(record.get("timestamp", ""))[11:23]
    level = str(record.get("level", ""))
    message = _value(record.get("message", ""))
    extras = "  ".join(f"{key}={_value(value)}" for key, value in record.items() if key not in _HIDDEN)
    where = f"[{record.get('location', '?')}]"
    logger = str(record.get("logger", ""))
    if colour:
        head = f"{_DIM}{stamp}{_RESET} {_COLOURS.get(level, '')}{level:<8}{_RESET} {_DIM}{logger}{_RESET}  {message}"
        where = f"{_DIM}{where}{_RESET}"
    else:
        head = f"{stamp} {level:<8} {logger}  {message}"
    text = f"{head}  {extras}  {where}" if extras else f"{head}  {where}"
    exception = record.get("exception")
    if isinstance(exception, dict):
        text = "\n".join([text, *_exception_lines(exception)])
    return text


def colour_for(stream: TextIO | None) -> bool:
    """Colours on a terminal, unless ``NO_COLOR`` is set."""
    return not os.environ.get("NO_COLOR") and _is_tty(stream)

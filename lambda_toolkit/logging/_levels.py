"""Log levels: names, parsing, and the one precedence between code and environment.

Precedence, highest first: the ``level`` given to ``Logger``, the ``LOG_LEVEL``
environment variable, Lambda's advanced logging controls (``AWS_LAMBDA_LOG_LEVEL``),
then INFO. When Lambda's level is stricter than the one in effect, Lambda itself drops
the lines below it (it filters JSON lines on their ``level`` field), so the logger says
so once, in a warning line.
"""

from __future__ import annotations

import os

from lambda_toolkit.core.errors import ConfigurationError

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "INFO",
    "WARNING",
    "LevelChoice",
    "lenient_level",
    "level_names",
    "name_of",
    "parse_level",
    "resolve_level",
]

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50

_BY_NAME: dict[str, int] = {
    "TRACE": DEBUG,  # Lambda's finest level; Python has nothing below DEBUG
    "DEBUG": DEBUG,
    "INFO": INFO,
    "WARN": WARNING,
    "WARNING": WARNING,
    "ERROR": ERROR,
    "CRITICAL": CRITICAL,
    "FATAL": CRITICAL,
}

_PYTHON_NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARNING", ERROR: "ERROR", CRITICAL: "CRITICAL"}
# The vocabulary of Lambda's log-level filter (TRACE, DEBUG, INFO, WARN, ERROR, FATAL):
# with AWS_LAMBDA_LOG_FORMAT=JSON Lambda reads the "level" field of each line, and a
# value it does not know counts as INFO, so a WARNING line would be dropped at WARN.
_LAMBDA_NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARN", ERROR: "ERROR", CRITICAL: "FATAL"}


def _number_of(value: str) -> int | None:
    text = value.strip()
    number = _BY_NAME.get(text.upper())
    if number is None and text.isdigit() and text.isascii():  # LOG_LEVEL=10
        number = int(text)
    return number


def parse_level(value: int | str, where: str = "level") -> int:
    """A level as a number: a name (any case, TRACE/WARN/FATAL accepted), an int, or an
    int written as text (``"10"``)."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{where} must be a level name or number, got a bool")
    if isinstance(value, int):
        if value < 0:
            raise ConfigurationError(f"{where} must not be negative")
        return value
    if isinstance(value, str):
        number = _number_of(value)
        if number is None:
            raise ConfigurationError(f"{where} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL or a number")
        return number
    raise ConfigurationError(f"{where} must be a level name or number, got {type(value).__name__}")


def lenient_level(value: int | str, source: str) -> tuple[int, str | None]:
    """``parse_level`` for configuration values: an unknown name or a negative number is
    INFO and a warning to write (a typo in LOG_LEVEL must not stop the function); a value
    of another type is still a ConfigurationError (a bug in code, not in configuration)."""
    try:
        return parse_level(value, source), None
    except ConfigurationError:
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            raise
    shown = repr(value.strip()[:32]) if isinstance(value, str) else str(value)
    return INFO, (
        f"log level {shown} from {source} is not a level "
        "(DEBUG, INFO, WARNING, ERROR, CRITICAL or a number): logging at INFO"
    )


def level_names() -> dict[int, str]:
    """The name written in the ``level`` field for each level (see the module docstring)."""
    fmt = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").strip().upper()
    return dict(_LAMBDA_NAMES if fmt == "JSON" else _PYTHON_NAMES)


def name_of(level: int, names: dict[int, str]) -> str:
    """The name of any level number: the named level at or below it (a custom 25 is INFO)."""
    if level in names:
        return names[level]
    best = DEBUG
    for known in names:
        if known <= level and known > best:
            best = known
    return names[best]


class LevelChoice:
    """The level in effect, and the warnings to write about how it was chosen (an unknown
    value, or Lambda's own level being stricter)."""

    __slots__ = ("level", "source", "warnings")

    def __init__(self, level: int, source: str, warnings: list[str]) -> None:
        self.level = level
        self.source = source
        self.warnings = warnings

    @property
    def conflict(self) -> str | None:
        """The first warning, if any (kept for callers written before ``warnings``)."""
        return self.warnings[0] if self.warnings else None


def resolve_level(explicit: int | str | None) -> LevelChoice:
    """Apply the precedence: constructor, LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL, INFO."""
    lambda_raw = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").strip()
    lambda_level = _number_of(lambda_raw) if lambda_raw else None  # an unknown one is Lambda's concern
    warnings: list[str] = []
    if explicit is not None:
        level, problem = lenient_level(explicit, "the level argument")
        source = "level argument"
    elif os.environ.get("LOG_LEVEL", "").strip():
        level, problem = lenient_level(os.environ["LOG_LEVEL"], "environment variable LOG_LEVEL")
        source = "LOG_LEVEL"
    elif lambda_level is not None:
        level, problem, source = lambda_level, None, "AWS_LAMBDA_LOG_LEVEL"
    else:
        level, problem, source = INFO, None, "default"
    if problem is not None:
        warnings.append(problem)
    if lambda_level is not None and level < lambda_level:
        lambda_name = _PYTHON_NAMES.get(lambda_level, str(lambda_level)) if lambda_raw.isdigit() else lambda_raw.upper()
        warnings.append(
            f"log level {_PYTHON_NAMES.get(level, level)} (from {source}) is below "
            f"AWS_LAMBDA_LOG_LEVEL={lambda_name}: Lambda drops the lines under {lambda_name}"
        )
    return LevelChoice(level, source, warnings)

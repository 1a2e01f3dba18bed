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


def parse_level(value: int | str, where: str = "level") -> int:
    """A level as a number: a name (any case, TRACE/WARN/FATAL accepted) or an int."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{where} must be a level name or number, got a bool")
    if isinstance(value, int):
        if value < 0:
            raise ConfigurationError(f"{where} must not be negative")
        return value
    if isinstance(value, str):
        number = _BY_NAME.get(value.strip().upper())
        if number is None:
            raise ConfigurationError(f"{where} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return number
    raise ConfigurationError(f"{where} must be a level name or number, got {type(value).__name__}")


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
    """The level in effect and, when Lambda's own level is stricter, the warning to write."""

    __slots__ = ("conflict", "level", "source")

    def __init__(self, level: int, source: str, conflict: str | None) -> None:
        self.level = level
        self.source = source
        self.conflict = conflict


def resolve_level(explicit: int | str | None) -> LevelChoice:
    """Apply the precedence: constructor, LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL, INFO."""
    lambda_raw = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").strip()
    lambda_level = _BY_NAME.get(lambda_raw.upper()) if lambda_raw else None
    if explicit is not None:
        level, source = parse_level(explicit), "level argument"
    elif os.environ.get("LOG_LEVEL", "").strip():
        level, source = parse_level(os.environ["LOG_LEVEL"], "environment variable LOG_LEVEL"), "LOG_LEVEL"
    elif lambda_level is not None:
        level, source = lambda_level, "AWS_LAMBDA_LOG_LEVEL"
    else:
        level, source = INFO, "default"
    conflict = None
    if lambda_level is not None and level < lambda_level:
        conflict = (
            f"log level {_PYTHON_NAMES.get(level, level)} (from {source}) is below "
            f"AWS_LAMBDA_LOG_LEVEL={lambda_raw.upper()}: Lambda drops the lines under {lambda_raw.upper()}"
        )
    return LevelChoice(level, source, conflict)

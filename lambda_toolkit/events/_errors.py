"""Errors of the events layer: what was wrong and where, never the payload values."""

from __future__ import annotations

from collections.abc import Sequence

from lambda_toolkit.core.errors import LambdaToolkitError

__all__ = ["EventValidationError", "EventsError", "FieldError", "UnknownEventError"]


class FieldError(tuple[str, str]):
    """One problem: (path, message), e.g. ``("Records.0.body", "not valid JSON")``."""

    __slots__ = ()

    def __new__(cls, path: str, message: str) -> FieldError:
        return super().__new__(cls, (path, message))

    @property
    def path(self) -> str:
        """Dotted path of the field (list indexes as numbers)."""
        return self[0]

    @property
    def message(self) -> str:
        """What is wrong with it, without its value."""
        return self[1]


class EventsError(LambdaToolkitError):
    """Root of the events layer's errors: ``except EventsError`` catches every event that
    could not be read (a malformed event, a payload that does not decode, an unknown trigger)."""


class EventValidationError(EventsError, ValueError):
    """An event (or a payload inside it) does not have the expected shape.

    ``errors`` lists the field paths and what is wrong with each; ``trigger`` names the
    trigger (or the model) that was expected. The message never contains field values.
    """

    def __init__(self, trigger: str, errors: Sequence[tuple[str, str]]) -> None:
        self.trigger = trigger
        self.errors: list[FieldError] = [FieldError(path, message) for path, message in errors]
        shown = "; ".join(f"{e.path or '<root>'}: {e.message}" for e in self.errors[:10])
        more = f" (+{len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"invalid {trigger} event: {shown}{more}")


class UnknownEventError(EventsError, ValueError):
    """The event is not one of the known triggers (or not a mapping at all)."""

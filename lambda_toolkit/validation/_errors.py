"""The validation errors: what failed, where and by which rule, never the submitted value."""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["SchemaError", "ValidationError", "Violation"]

_SHOWN = 10  # violations named in the message; ``errors`` has them all


class Violation(tuple[str, str, str]):
    """One failed rule: ``(path, rule, message)``.

    ``path`` is the dotted path of the value in the event (``body.items.1.sku``, list
    indexes as numbers, ``""`` for the whole document); ``rule`` the JSON Schema keyword
    that failed (``required``, ``maxLength``, ``type``...), or ``envelope`` / ``json`` when
    the payload could not be read at all; ``message`` says what was expected, never what
    was sent.
    """

    __slots__ = ()

    def __new__(cls, path: str, rule: str, message: str) -> Violation:
        return super().__new__(cls, (path, rule, message))

    @property
    def path(self) -> str:
        """Dotted path of the value (``""``: the whole document)."""
        return self[0]

    @property
    def rule(self) -> str:
        """The JSON Schema keyword that failed (or ``envelope`` / ``json``)."""
        return self[1]

    @property
    def message(self) -> str:
        """What was expected, without the value."""
        return self[2]


class ValidationError(LambdaToolkitError, ValueError):
    """Root of the validation utility's errors, raised as such when data does not match
    its schema.

    ``errors`` lists every failed rule as a ``Violation`` (path, rule, message), up to a
    bound; ``source`` says what was validated (``inbound``, ``outbound``, ``data``). The
    message names paths and rules only: a secret in a rejected field is never repeated.
    """

    def __init__(self, source: str, errors: Sequence[tuple[str, str, str]]) -> None:
        self.source = source
        self.errors: list[Violation] = [Violation(*error) for error in errors]
        shown = "; ".join(f"{e.path or '<root>'}: {e.message} ({e.rule})" for e in self.errors[:_SHOWN])
        more = f" (+{len(self.errors) - _SHOWN} more)" if len(self.errors) > _SHOWN else ""
        super().__init__(f"{source} does not match its schema: {shown}{more}")


class SchemaError(ValidationError, ConfigurationError):
    """The schema itself is invalid (raised when it is compiled: at decoration time for
    ``@validate``, at ``compile_schema``): not valid under its draft's meta-schema, an
    unknown ``$schema`` or ``format``, or a ``$ref`` that cannot be resolved locally (a
    remote URL is refused: schemas are never fetched at run time).

    ``errors`` point into the schema (``properties.age.minimum``), not into data.
    """

    def __init__(self, where: str, errors: Sequence[tuple[str, str, str]]) -> None:
        self.source = where
        self.errors = [Violation(*error) for error in errors]
        shown = "; ".join(f"{e.path or '<root>'}: {e.message}" for e in self.errors[:_SHOWN])
        # ConfigurationError's own __init__ is Exception's: the message is set once, here.
        LambdaToolkitError.__init__(self, f"invalid {where}: {shown}")

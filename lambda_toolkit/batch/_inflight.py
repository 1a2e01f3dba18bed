"""The record a runner is processing, made the core's current record while it runs.

While a record runs it is ``core.state.current_record()`` (and listed in the invocation's
``records_in_flight``): log lines written in it carry its own correlation id, a
subsegment opened in it is annotated with its id, a timeout post-mortem names it. Its
correlation id is read from the record (``SourceSpec.correlation_id``) the first time
something asks: most records are never logged about, so what a record costs is one
small object and the begin/end pair, not a look into its attributes or body.
"""

from __future__ import annotations

from lambda_toolkit.core.state import RecordInFlight

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from lambda_toolkit.batch._sources import SourceSpec

__all__ = ["InFlight"]


class InFlight(RecordInFlight):
    """A batch record in flight whose correlation id is read on first use."""

    # (RecordInFlight's own correlation_id slot is shadowed by the property: unused)
    __slots__ = ("_found", "_raw", "_spec")

    def __init__(self, index: int, record_id: str, raw: Mapping[str, Any], spec: SourceSpec) -> None:
        self.index = index
        self.record_id = record_id
        self._raw = raw
        self._spec: SourceSpec | None = spec
        self._found: str | None

    @property
    def correlation_id(self) -> str | None:
        """The record's own correlation id (None: the invocation's applies)."""
        spec = self._spec
        if spec is not None:
            # another thread (a timeout post-mortem) may read it too: the value is stored
            # before the spec is dropped, so a reader sees either nothing yet or the value
            self._found = spec.correlation_id(self._raw)
            self._spec = None
        return self._found

    @correlation_id.setter
    def correlation_id(self, value: str | None) -> None:
        self._found = value
        self._spec = None

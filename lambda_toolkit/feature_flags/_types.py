"""The type aliases of the public surface (this module imports ``typing``: loaded on demand)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

__all__ = ["FlagDocument", "FlagStore"]

FlagDocument: TypeAlias = Mapping[str, Any] | str | bytes | bytearray
"""A flag document: a mapping of flags, or its JSON text."""

FlagStore: TypeAlias = Callable[[], FlagDocument] | FlagDocument
"""What ``FeatureFlags(store=...)`` takes: a zero-argument callable returning the document, or the document."""

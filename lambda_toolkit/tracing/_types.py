"""Type aliases of the tracing API (plain unions of builtins: no ``typing`` import)."""

from __future__ import annotations

__all__ = ["AnnotationValue"]

AnnotationValue = str | int | float | bool
"""What ``put_annotation`` records: X-Ray indexes strings, numbers and booleans."""

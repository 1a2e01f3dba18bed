"""Test helpers that ship with the library, so users test their own handlers with them.

``FakeContext`` stands in for the runtime's context object; the pytest plugin (registered
through the ``pytest11`` entry point) provides the ``lambda_context`` fixture.
"""

from __future__ import annotations

from lambda_toolkit.testing._context import FakeClock, FakeContext

__all__ = ["FakeClock", "FakeContext"]

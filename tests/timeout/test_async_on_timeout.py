"""An async on_timeout is refused when the guard is set up: the guard calls it synchronously."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.timeout import TimeoutInfo, timeout_guard


async def answer_503(info: TimeoutInfo) -> dict[str, Any]:
    return {"statusCode": 503}


def test_an_async_on_timeout_is_refused_by_name() -> None:
    # Its coroutine would become the handler's answer, never awaited.
    with pytest.raises(ConfigurationError, match=r"timeout_guard: on_timeout is called synchronously .*answer_503"):
        timeout_guard(on_timeout=answer_503)

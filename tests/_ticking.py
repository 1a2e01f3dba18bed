"""A loop that must keep ticking: the async tests' proof that nothing blocked the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class Ticker:
    """A task counting the loop's turns: it can only count while the loop is free."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def run_ticking(main: Callable[[Ticker], Awaitable[Any]]) -> Any:
    """``asyncio.run(main(ticker))`` with a ticker counting meanwhile."""

    async def body() -> Any:
        with Ticker() as ticker:
            return await main(ticker)

    return asyncio.run(body())

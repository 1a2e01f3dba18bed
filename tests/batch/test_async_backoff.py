"""process_batch_async backs failed messages off without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from lambda_toolkit.batch import Backoff, process_batch_async

from . import _events


class SlowSQS:
    """A ChangeMessageVisibilityBatch that answers once the loop has ticked 3 times (or after
    2 s: a call made on the loop's own thread never sees a tick)."""

    def __init__(self, ticks: list[int]) -> None:
        self.ticks = ticks
        self.calls: list[dict[str, Any]] = []
        self.ticks_during: list[int] = []
        self.threads: list[str] = []

    def change_message_visibility_batch(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        self.threads.append(threading.current_thread().name)
        start = len(self.ticks)
        waited = 0.0
        while len(self.ticks) < start + 3 and waited < 2.0:
            threading.Event().wait(0.005)
            waited += 0.005
        self.ticks_during.append(len(self.ticks) - start)
        return {"Successful": [{"Id": entry["Id"]} for entry in request["Entries"]], "Failed": []}


def test_the_visibility_call_runs_off_the_loop() -> None:
    ticks: list[int] = []
    sqs = SlowSQS(ticks)

    async def fail_odd(record: Any) -> None:
        if int(record.message_id[1:]) % 2:
            raise ValueError("odd")

    async def main() -> Any:
        async def ticker() -> None:
            while True:
                await asyncio.sleep(0.001)
                ticks.append(1)

        task = asyncio.ensure_future(ticker())
        try:
            return await process_batch_async(_events.sqs(4), fail_odd, source="sqs", backoff=Backoff(client=sqs))
        finally:
            task.cancel()

    outcome = asyncio.run(main())
    assert outcome.failed_count == 2
    assert len(sqs.calls) == 1 and len(sqs.calls[0]["Entries"]) == 2
    assert sqs.ticks_during[0] >= 3  # the loop ran while SQS was answering
    assert sqs.threads[0].startswith("lambda-toolkit-io")

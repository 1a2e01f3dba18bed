"""The same queue worker with Powertools' BatchProcessor (cold-import benchmark)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record):  # type: ignore[no-untyped-def]
    order = json.loads(record.body)
    if order["quantity"] % 10 == 9:
        raise ValueError("cannot process this one")


def handler(event, context):  # type: ignore[no-untyped-def]
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

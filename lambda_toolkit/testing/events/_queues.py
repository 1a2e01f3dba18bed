"""Test-event factories for SQS, SNS and SES (plain dicts, no pydantic)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lambda_toolkit.testing.events._common import ACCOUNT_ID, REGION, merge, new_id, payload_text

__all__ = ["FACTORIES", "ses_event", "sns_event", "sns_notification", "sqs_event", "sqs_record"]


def _now_ms() -> int:
    return int(time.time() * 1000)


def sqs_record(
    body: Any = "",
    *,
    queue: str = "my-queue",
    message_id: str | None = None,
    attributes: Mapping[str, str] | None = None,
    message_attributes: Mapping[str, str] | None = None,
    group_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One SQS message. ``body``: a string as is, anything else as JSON. ``message_attributes``
    are String attributes by name; ``group_id`` makes it a FIFO message."""
    text = payload_text(body)
    sent = _now_ms()
    system: dict[str, str] = {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": str(sent),
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": str(sent + 3),
    }
    if group_id is not None:
        system.update({"MessageGroupId": group_id, "MessageDeduplicationId": new_id(), "SequenceNumber": str(sent)})
    system.update(attributes or {})
    record: dict[str, Any] = {
        "messageId": message_id or new_id(),
        "receiptHandle": "AQEB" + new_id().replace("-", ""),
        "body": text,
        "attributes": system,
        "messageAttributes": {
            name: {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}
            for name, value in (message_attributes or {}).items()
        },
        "md5OfBody": hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}",
        "awsRegion": REGION,
    }
    return merge(record, overrides)


def sqs_event(
    bodies: Sequence[Any] = ('{"hello": "world"}',),
    *,
    queue: str = "my-queue",
    fifo: bool = False,
    message_attributes: Mapping[str, str] | None = None,
    record: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An SQS event with one message per body (strings as they are, other values as JSON).

    ``fifo=True`` uses a ``.fifo`` queue and FIFO attributes; ``record`` is merged into every
    record (AWS names); other keyword overrides are merged into the event.
    """
    name = f"{queue}.fifo" if fifo and not queue.endswith(".fifo") else queue
    records = [
        sqs_record(
            body,
            queue=name,
            message_attributes=message_attributes,
            group_id="group-1" if fifo else None,
            **dict(record or {}),
        )
        for body in bodies
    ]
    return merge({"Records": records}, overrides)


def sns_notification(
    message: Any = "Hello from SNS!",
    *,
    subject: str | None = None,
    topic: str = "my-topic",
    message_attributes: Mapping[str, str] | None = None,
    for_sqs: bool = True,
) -> dict[str, Any]:
    """An SNS notification as JSON (what an SQS body holds when SNS delivers to SQS).

    ``for_sqs=False`` spells the URL fields as in a Lambda SNS record (``SigningCertUrl``).
    """
    url = "URL" if for_sqs else "Url"
    notification: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": new_id(),
        "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{topic}",
        "Subject": subject,
        "Message": payload_text(message),
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6==",
        f"SigningCert{url}": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
        f"Unsubscribe{url}": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
        "MessageAttributes": {
            name: {"Type": "String", "Value": value} for name, value in (message_attributes or {}).items()
        },
    }
    return notification


def sns_event(
    message: Any = "Hello from SNS!",
    *,
    subject: str | None = None,
    topic: str = "my-topic",
    message_attributes: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An SNS event delivering ``message`` (a string as is, anything else as JSON)."""
    notification = sns_notification(
        message, subject=subject, topic=topic, message_attributes=message_attributes, for_sqs=False
    )
    topic_arn = notification["TopicArn"]
    event = {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{new_id()}",
                "EventSource": "aws:sns",
                "Sns": notification,
            }
        ]
    }
    return merge(event, overrides)


def ses_event(
    sender: str = "sender@example.com",
    recipients: Sequence[str] = ("recipient@example.com",),
    subject: str = "Example subject",
    *,
    verdict: str = "PASS",
    **overrides: Any,
) -> dict[str, Any]:
    """An SES email-receiving event for a receipt rule with a Lambda action."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    message_id = new_id().replace("-", "")[:20]
    event = {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": stamp,
                        "source": sender,
                        "messageId": message_id,
                        "destination": list(recipients),
                        "headersTruncated": False,
                        "headers": [
                            {"name": "From", "value": sender},
                            {"name": "To", "value": ", ".join(recipients)},
                            {"name": "Subject", "value": subject},
                        ],
                        "commonHeaders": {
                            "returnPath": sender,
                            "from": [sender],
                            "to": list(recipients),
                            "messageId": f"<{message_id}@example.com>",
                            "subject": subject,
                        },
                    },
                    "receipt": {
                        "timestamp": stamp,
                        "processingTimeMillis": 320,
                        "recipients": list(recipients),
                        "spamVerdict": {"status": verdict},
                        "virusVerdict": {"status": verdict},
                        "spfVerdict": {"status": verdict},
                        "dkimVerdict": {"status": verdict},
                        "dmarcVerdict": {"status": verdict},
                        "action": {
                            "type": "Lambda",
                            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:my-function",
                            "invocationType": "Event",
                        },
                    },
                },
            }
        ]
    }
    return merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "sqs": sqs_event,
    "sns": sns_event,
    "ses": ses_event,
}

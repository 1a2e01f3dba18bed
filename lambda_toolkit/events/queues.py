"""Models of the messaging triggers: SQS, SNS and SES (email receiving).

Bodies and messages stay strings when validated; ``json_body()`` / ``json_message()`` parse
them on demand, so a 10,000-message batch whose bodies are never read pays no JSON parsing.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events._fields import SHALLOW
from lambda_toolkit.events.decoding import b64decode, json_loads

__all__ = [
    "SESAction",
    "SESCommonHeaders",
    "SESEvent",
    "SESHeader",
    "SESMail",
    "SESMessage",
    "SESReceipt",
    "SESRecord",
    "SESVerdict",
    "SNSEvent",
    "SNSMessage",
    "SNSMessageAttribute",
    "SNSRecord",
    "SQSAttributes",
    "SQSEvent",
    "SQSMessageAttribute",
    "SQSRecord",
]


class _PascalModel(EventModel):
    """A part whose AWS names are PascalCase (``MessageId``, ``TopicArn``)."""

    model_config = ConfigDict(alias_generator=to_pascal)


# -- SQS ---------------------------------------------------------------------------------------


class SQSMessageAttribute(EventModel):
    """A message attribute: ``data_type`` is String, Number or Binary (with an optional ``.label``)."""

    data_type: str
    string_value: str | None = None
    binary_value: str | None = None
    string_list_values: list[str] = Field(default_factory=list)
    binary_list_values: list[str] = Field(default_factory=list)

    def binary(self) -> bytes | None:
        """The base64-decoded ``binary_value`` (None when the attribute has none)."""
        return None if self.binary_value is None else b64decode(self.binary_value, "binaryValue", source="sqs")


class SQSAttributes(_PascalModel):
    """The system attributes of a message (receive count, timestamps, FIFO group and sequence)."""

    approximate_receive_count: int
    sent_timestamp: datetime
    sender_id: str | None = None
    approximate_first_receive_timestamp: datetime | None = None
    sequence_number: str | None = None
    message_group_id: str | None = None
    message_deduplication_id: str | None = None
    dead_letter_queue_source_arn: str | None = None
    aws_trace_header: str | None = Field(None, alias="AWSTraceHeader")


class SQSRecord(EventModel):
    """One SQS message. ``message_id`` is the id batch partial failures report.

    ``attributes`` and ``message_attributes`` are kept as AWS sent them and typed when read:
    ``system_attributes`` (receive count, timestamps, FIFO group...) and
    ``typed_message_attributes`` / ``message_attribute(name)``. A big batch whose attributes
    are never read pays nothing for them.
    """

    message_id: str
    receipt_handle: str = Field(repr=False)
    body: str = Field(repr=False)
    attributes: Annotated[dict[str, str], SHALLOW]
    message_attributes: Annotated[dict[str, dict[str, Any]], SHALLOW] = Field(default_factory=dict, repr=False)
    md5_of_body: str | None = None
    md5_of_message_attributes: str | None = None
    event_source: Literal["aws:sqs"]
    event_source_arn: str = Field(alias="eventSourceARN")
    aws_region: str

    def json_body(self) -> Any:
        """The body parsed as JSON (``EventValidationError`` at ``body`` when it is not JSON)."""
        return json_loads(self.body, "body", source="sqs")

    @cached_property
    def system_attributes(self) -> SQSAttributes:
        """``attributes`` typed (validated the first time they are read)."""
        from lambda_toolkit.events._registry import validate

        return validate(SQSAttributes, self.attributes, "sqs", "attributes")  # type: ignore[return-value]

    @cached_property
    def typed_message_attributes(self) -> dict[str, SQSMessageAttribute]:
        """``message_attributes`` typed (validated the first time they are read)."""
        from lambda_toolkit.events._registry import validate

        return {
            name: validate(SQSMessageAttribute, value, "sqs", f"messageAttributes.{name}")  # type: ignore[misc]
            for name, value in self.message_attributes.items()
        }

    def message_attribute(self, name: str) -> SQSMessageAttribute | None:
        """The message attribute ``name``, typed (None when the message has none by that name)."""
        return self.typed_message_attributes.get(name)

    @property
    def approximate_receive_count(self) -> int:
        """How many times the message was received (1 on the first delivery)."""
        return self.system_attributes.approximate_receive_count

    @property
    def sent_timestamp(self) -> datetime:
        """When the message was sent to the queue."""
        return self.system_attributes.sent_timestamp

    @property
    def message_group_id(self) -> str | None:
        """The FIFO message group (None for a standard queue)."""
        return self.system_attributes.message_group_id

    @property
    def queue_name(self) -> str:
        """The queue's name, the last part of ``event_source_arn``."""
        return self.event_source_arn.rpartition(":")[2]


class SQSEvent(EventModel):
    """An SQS event: up to 10,000 messages in ``records`` (``Records``)."""

    records: list[SQSRecord] = Field(alias="Records")


# -- SNS ---------------------------------------------------------------------------------------


class SNSMessageAttribute(_PascalModel):
    """An SNS message attribute (``type`` String, Number, Binary, String.Array)."""

    type: str
    value: str


class SNSMessage(_PascalModel):
    """The SNS notification itself (also what an SQS body holds for SNS-to-SQS subscriptions)."""

    type: str
    message_id: str
    topic_arn: str
    subject: str | None = None
    message: str = Field(repr=False)
    timestamp: datetime
    signature_version: str | None = None
    signature: str | None = None
    signing_cert_url: str | None = Field(
        None, validation_alias=AliasChoices("SigningCertUrl", "SigningCertURL", "signing_cert_url")
    )
    unsubscribe_url: str | None = Field(
        None, validation_alias=AliasChoices("UnsubscribeUrl", "UnsubscribeURL", "unsubscribe_url")
    )
    message_attributes: dict[str, SNSMessageAttribute] = Field(default_factory=dict, repr=False)

    def json_message(self) -> Any:
        """The message parsed as JSON (``EventValidationError`` at ``Message`` when it is not JSON)."""
        return json_loads(self.message, "Message", source="sns")


class SNSRecord(_PascalModel):
    """One SNS delivery; ``sns.message_id`` identifies it."""

    event_version: str
    event_subscription_arn: str
    event_source: Literal["aws:sns"]
    sns: SNSMessage

    @property
    def message_id(self) -> str:
        """The SNS message id."""
        return self.sns.message_id


class SNSEvent(EventModel):
    """An SNS event (Lambda receives one record per invocation)."""

    records: list[SNSRecord] = Field(alias="Records")


# -- SES ---------------------------------------------------------------------------------------


class SESHeader(EventModel):
    """One raw email header."""

    name: str
    value: str


class SESCommonHeaders(EventModel):
    """The parsed common headers of the email."""

    return_path: str | None = None
    from_: list[str] | None = Field(None, alias="from")
    sender: str | None = None
    reply_to: list[str] | None = None
    date: str | None = None
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    message_id: str | None = None
    subject: str | None = None


class SESMail(EventModel):
    """The email: envelope sender, destinations and headers."""

    timestamp: datetime
    source: str
    message_id: str
    destination: list[str]
    headers_truncated: bool | None = None
    headers: list[SESHeader] = Field(default_factory=list)
    common_headers: SESCommonHeaders | None = None


class SESVerdict(EventModel):
    """A check's outcome: PASS, FAIL, GRAY or PROCESSING_FAILED."""

    status: str


class SESAction(EventModel):
    """The receipt rule action that invoked the function (Lambda, S3, SNS...)."""

    type: str
    function_arn: str | None = None
    invocation_type: str | None = None
    topic_arn: str | None = None
    bucket_name: str | None = None
    object_key: str | None = None


class SESReceipt(EventModel):
    """What SES found when it received the email."""

    timestamp: datetime
    processing_time_millis: int
    recipients: list[str] = Field(repr=False)
    spam_verdict: SESVerdict | None = None
    virus_verdict: SESVerdict | None = None
    spf_verdict: SESVerdict | None = None
    dkim_verdict: SESVerdict | None = None
    dmarc_verdict: SESVerdict | None = None
    dmarc_policy: str | None = None
    action: SESAction


class SESMessage(EventModel):
    """The ``ses`` part of a record: ``mail`` and ``receipt``."""

    mail: SESMail = Field(repr=False)
    receipt: SESReceipt


class SESRecord(EventModel):
    """One received email."""

    event_source: Literal["aws:ses"]
    event_version: str
    ses: SESMessage


class SESEvent(EventModel):
    """An SES email receiving event."""

    records: list[SESRecord] = Field(alias="Records")

"""``propagate_correlation_id``: the current correlation id travels with what the function
sends through boto3 (real clients, AWS served in process by moto)."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.state import begin_invocation, end_invocation, set_correlation_id
from lambda_toolkit.logging import Logger, get_correlation_id, propagate_correlation_id
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import eventbridge_event, make_event, sqs_event
from tests.logging.conftest import Capture

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    with moto.mock_aws():
        yield
    propagate_correlation_id(enabled=False)


def within(correlation_id: str, call: Callable[[], Any], out: io.StringIO | None = None) -> Any:
    """Run ``call`` inside an invocation whose correlation id is ``correlation_id`` (the
    caller's header), as a handler decorated with ``inject_context`` would."""
    log = Logger(service="sender", stream=out if out is not None else io.StringIO())
    event = make_event("api-gateway-http", headers={"x-correlation-id": correlation_id})
    return log.inject_context(lambda event, context: call())(event, FakeContext())


def make_queue(sqs: Any, name: str = "orders") -> str:
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
            "Messages", []
        )
        if not batch:
            return sorted(messages, key=lambda message: message["Body"])
        messages += batch


def attributes_of(message: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.get("StringValue", value.get("BinaryValue"))
        for name, value in message.get("MessageAttributes", {}).items()
    }


def ten_attributes() -> dict[str, Any]:
    return {f"a{n}": {"DataType": "String", "StringValue": f"v{n}"} for n in range(10)}


# --- SQS --------------------------------------------------------------------------------


def test_a_message_sent_inside_an_invocation_arrives_with_its_correlation_id() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    within("corr-1", lambda: sqs.send_message(QueueUrl=url, MessageBody="order"))
    [message] = received(sqs, url)
    assert message["MessageAttributes"]["correlation_id"] == {"DataType": "String", "StringValue": "corr-1"}


def test_clients_made_after_the_call_propagate_too() -> None:
    propagate_correlation_id()
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    within("corr-after", lambda: sqs.send_message(QueueUrl=url, MessageBody="order"))
    assert attributes_of(received(sqs, url)[0]) == {"correlation_id": "corr-after"}


def test_clients_of_a_session_made_before_the_call_propagate() -> None:
    session = boto3.session.Session()
    propagate_correlation_id()
    sqs = session.client("sqs")
    url = make_queue(sqs)
    within("corr-session", lambda: sqs.send_message(QueueUrl=url, MessageBody="order"))
    assert attributes_of(received(sqs, url)[0]) == {"correlation_id": "corr-session"}


def test_the_package_s_own_clients_propagate() -> None:
    from lambda_toolkit.core.aws import shared_client

    before = shared_client("sqs")
    propagate_correlation_id()
    url = make_queue(before)
    within("corr-own", lambda: before.send_message(QueueUrl=url, MessageBody="order"))
    assert attributes_of(received(before, url)[0]) == {"correlation_id": "corr-own"}


def test_nothing_is_added_unless_asked_for() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    within("corr-1", lambda: sqs.send_message(QueueUrl=url, MessageBody="order"))
    assert "MessageAttributes" not in received(sqs, url)[0]


def test_nothing_is_added_outside_an_invocation() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    sqs.send_message(QueueUrl=url, MessageBody="order")
    assert "MessageAttributes" not in received(sqs, url)[0]


def test_each_call_carries_the_id_current_when_it_is_made() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()

    def two_ids() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="1")
        set_correlation_id("corr-changed")  # as a batch record's own id would be
        sqs.send_message(QueueUrl=url, MessageBody="2")

    within("corr-first", two_ids)
    within("corr-next", lambda: sqs.send_message(QueueUrl=url, MessageBody="3"))
    assert [attributes_of(m)["correlation_id"] for m in received(sqs, url)] == [
        "corr-first",
        "corr-changed",
        "corr-next",
    ]


def test_concurrent_invocations_in_threads_each_send_their_own_id() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    barrier = threading.Barrier(4)

    def invocation(number: int) -> None:
        def send() -> None:
            barrier.wait(timeout=10)  # all four invocations in progress at once
            sqs.send_message(QueueUrl=url, MessageBody=str(number))

        within(f"corr-{number}", send)

    threads = [threading.Thread(target=invocation, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {m["Body"]: attributes_of(m)["correlation_id"] for m in received(sqs, url)} == {
        str(n): f"corr-{n}" for n in range(4)
    }


def test_the_caller_s_own_value_is_never_replaced() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    mine = {"correlation_id": {"DataType": "String", "StringValue": "mine"}}
    spelled = {"CorrelationId": {"DataType": "String", "StringValue": "spelled"}}  # the receiver reads it too
    as_number = {"correlation_id": {"DataType": "Number", "StringValue": "42"}}

    def send() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="1", MessageAttributes=mine)
        sqs.send_message(QueueUrl=url, MessageBody="2", MessageAttributes=spelled)
        sqs.send_message(QueueUrl=url, MessageBody="3", MessageAttributes=as_number)

    within("corr-lib", send)
    assert [attributes_of(m) for m in received(sqs, url)] == [
        {"correlation_id": "mine"},
        {"CorrelationId": "spelled"},
        {"correlation_id": "42"},
    ]


def test_the_caller_s_attributes_dict_is_not_changed_so_a_reused_one_never_keeps_an_old_id() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    shared = {"kind": {"DataType": "String", "StringValue": "order"}}  # a module-level constant
    within("corr-a", lambda: sqs.send_message(QueueUrl=url, MessageBody="1", MessageAttributes=shared))
    within("corr-b", lambda: sqs.send_message(QueueUrl=url, MessageBody="2", MessageAttributes=shared))
    assert shared == {"kind": {"DataType": "String", "StringValue": "order"}}
    assert [attributes_of(m) for m in received(sqs, url)] == [
        {"kind": "order", "correlation_id": "corr-a"},
        {"kind": "order", "correlation_id": "corr-b"},
    ]


def test_non_string_attributes_of_the_caller_are_kept() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    attributes = {
        "count": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        "price": {"DataType": "Number.float", "StringValue": "1.5"},
    }
    within("corr-1", lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes))
    [message] = received(sqs, url)
    assert message["MessageAttributes"]["count"] == {"DataType": "Number", "StringValue": "3"}
    assert message["MessageAttributes"]["blob"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01"}
    assert message["MessageAttributes"]["price"] == {"DataType": "Number.float", "StringValue": "1.5"}
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == "corr-1"


def test_a_message_with_ten_attributes_is_sent_as_given_with_one_warning_per_invocation() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    out = Capture()

    def send() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="secret-body-1", MessageAttributes=ten_attributes())
        sqs.send_message(QueueUrl=url, MessageBody="secret-body-2", MessageAttributes=ten_attributes())

    within("corr-full", send, out)
    messages = received(sqs, url)
    assert [attributes_of(m) for m in messages] == [{f"a{n}": f"v{n}" for n in range(10)}] * 2
    warnings = [line for line in out.lines() if line["level"] == "WARNING"]
    assert len(warnings) == 1
    assert "10 message attributes" in warnings[0]["message"] and "SendMessage" in warnings[0]["message"]
    assert warnings[0]["correlation_id"] == "corr-full"  # a line of the invocation
    text = out.getvalue()
    assert "secret-body" not in text and "v9" not in text  # no payload, no attribute value


def test_a_batch_of_mixed_entries_is_sent_whole_each_entry_as_it_allows() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    mine = {"correlation_id": {"DataType": "String", "StringValue": "mine"}}
    nine = {f"a{n}": {"DataType": "String", "StringValue": "v"} for n in range(9)}
    entries = [
        {"Id": "plain", "MessageBody": "1"},
        {"Id": "own", "MessageBody": "2", "MessageAttributes": mine},
        {"Id": "full", "MessageBody": "3", "MessageAttributes": ten_attributes()},
        {"Id": "number", "MessageBody": "4", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "7"}}},
        {"Id": "nine", "MessageBody": "5", "MessageAttributes": nine},
    ]
    given = json.dumps(entries, default=str)
    out = Capture()
    response = within("corr-batch", lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries), out)
    assert sorted(entry["Id"] for entry in response["Successful"]) == ["full", "nine", "number", "own", "plain"]
    assert json.dumps(entries, default=str) == given  # the caller's entries untouched
    by_body = {m["Body"]: attributes_of(m) for m in received(sqs, url)}
    assert by_body["1"] == {"correlation_id": "corr-batch"}
    assert by_body["2"] == {"correlation_id": "mine"}
    assert by_body["3"] == {f"a{n}": f"v{n}" for n in range(10)}
    assert by_body["4"] == {"n": "7", "correlation_id": "corr-batch"}
    assert len(by_body["5"]) == 10 and by_body["5"]["correlation_id"] == "corr-batch"
    [warning] = [line for line in out.lines() if line["level"] == "WARNING"]
    assert "SendMessageBatch" in warning["message"] and "1 message(s)" in warning["message"]


def test_malformed_parameters_fail_as_botocore_says_without_the_hook_in_the_way() -> None:
    from botocore.exceptions import ParamValidationError

    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    attributes: Any
    for attributes in (None, ["correlation_id"], {"correlation_id": "not-a-dict"}):
        with pytest.raises(ParamValidationError) as caught:
            within("corr-1", lambda a=attributes: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=a))  # type: ignore[misc]
        assert "MessageAttributes" in str(caught.value)
    with pytest.raises(ParamValidationError):
        within(
            "corr-1",
            lambda: sqs.send_message_batch(QueueUrl=url, Entries=["not-an-entry", {"Id": "ok", "MessageBody": "x"}]),
        )


def test_an_id_sqs_would_refuse_is_not_sent_and_the_call_goes_through() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()

    def send() -> None:
        set_correlation_id("bad\x00id")
        sqs.send_message(QueueUrl=url, MessageBody="x")

    within("corr-1", send)
    assert "MessageAttributes" not in received(sqs, url)[0]


# --- SNS ---------------------------------------------------------------------------------


def subscribed_queue(sns: Any, sqs: Any) -> tuple[str, str]:
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url = make_queue(sqs, "subscriber")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, url


def test_sns_publish_and_publish_batch_carry_the_id_to_the_subscriber() -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic, url = subscribed_queue(sns, sqs)
    propagate_correlation_id()
    own = {"correlation_id": {"DataType": "String", "StringValue": "mine"}}

    def publish() -> None:
        sns.publish(TopicArn=topic, Message="1")
        sns.publish(TopicArn=topic, Message="2", MessageAttributes=ten_attributes())
        sns.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {"Id": "a", "Message": "3"},
                {"Id": "b", "Message": "4", "MessageAttributes": own},
            ],
        )

    out = Capture()
    within("corr-sns", publish, out)
    by_body = {m["Body"]: attributes_of(m) for m in received(sqs, url)}
    assert by_body["1"] == {"correlation_id": "corr-sns"}
    assert by_body["2"] == {f"a{n}": f"v{n}" for n in range(10)}
    assert by_body["3"] == {"correlation_id": "corr-sns"}
    assert by_body["4"] == {"correlation_id": "mine"}
    [warning] = [line for line in out.lines() if line["level"] == "WARNING"]
    assert "Publish" in warning["message"]


# --- Lambda --------------------------------------------------------------------------------


def sent_client_context(client: Any) -> list[str | None]:
    """The X-Amz-Client-Context header of every Invoke ``client`` sends (answered here:
    moto would need Docker to run a function)."""
    from botocore.awsrequest import AWSResponse

    sent: list[str | None] = []

    def answer(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        sent.append(params["headers"].get("X-Amz-Client-Context"))
        return AWSResponse(None, 200, {}, None), {"StatusCode": 200}

    client.meta.events.register("before-call.lambda.Invoke", answer)
    return sent


def decoded(context: str | None) -> Any:
    assert context is not None
    return json.loads(base64.b64decode(context))


def encoded(context: Any) -> str:
    return base64.b64encode(json.dumps(context).encode()).decode()


def test_lambda_invoke_carries_the_id_in_the_client_context_merged_with_the_caller_s() -> None:
    client = boto3.client("lambda")
    sent = sent_client_context(client)
    propagate_correlation_id()
    theirs = {"custom": {"tenant": "t-1"}, "env": {"locale": "fr"}}

    def invoke() -> None:
        client.invoke(FunctionName="worker", Payload=b"{}")
        client.invoke(FunctionName="worker", Payload=b"{}", ClientContext=encoded(theirs))
        client.invoke(
            FunctionName="worker", Payload=b"{}", ClientContext=encoded({"custom": {"correlation_id": "mine"}})
        )

    within("corr-invoke", invoke)
    assert [decoded(context) for context in sent] == [
        {"custom": {"correlation_id": "corr-invoke"}},
        {"custom": {"tenant": "t-1", "correlation_id": "corr-invoke"}, "env": {"locale": "fr"}},
        {"custom": {"correlation_id": "mine"}},
    ]


def test_a_client_context_that_cannot_take_the_id_is_sent_as_given_with_a_warning() -> None:
    client = boto3.client("lambda")
    sent = sent_client_context(client)
    propagate_correlation_id()
    not_json = base64.b64encode(b"not json").decode()
    not_object = encoded({"custom": ["a"]})
    too_deep = base64.b64encode(b"[" * 1300 + b"]" * 1300).decode()  # valid JSON, deeper than json reads
    near_limit = encoded({"custom": {"big": "s" * 2600}})
    assert len(near_limit) <= 3583

    def invoke() -> None:
        for context in (not_json, not_object, near_limit, too_deep):
            client.invoke(FunctionName="worker", Payload=b"{}", ClientContext=context)

    out = Capture()
    within("corr-" + "x" * 200, invoke, out)
    assert sent == [not_json, not_object, near_limit, too_deep]
    messages = [line["message"] for line in out.lines() if line["level"] == "WARNING"]
    assert len(messages) == 3  # once per invocation and reason: too_deep is "not base64 JSON" again
    assert "not base64 JSON" in messages[0] and "custom" in messages[1] and "3583" in messages[2]
    assert "ssss" not in out.getvalue() and "not json" not in out.getvalue()  # nothing of the payload


def test_invoke_with_response_stream_carries_it_too() -> None:
    client = boto3.client("lambda")
    sent: list[Any] = []
    client.meta.events.register_last(
        "before-parameter-build.lambda.InvokeWithResponseStream", lambda params, **_: sent.append(dict(params))
    )
    from botocore.awsrequest import AWSResponse

    answer: tuple[AWSResponse, dict[str, Any]] = (AWSResponse(None, 200, {}, None), {})
    client.meta.events.register("before-call.lambda.InvokeWithResponseStream", lambda **_: answer)
    propagate_correlation_id()
    within("corr-stream", lambda: client.invoke_with_response_stream(FunctionName="worker", Payload=b"{}"))
    assert decoded(sent[0]["ClientContext"]) == {"custom": {"correlation_id": "corr-stream"}}


# --- EventBridge ---------------------------------------------------------------------------


def sent_entries(client: Any) -> list[list[dict[str, Any]]]:
    """The Entries of every PutEvents ``client`` sends, as sent (after the hooks)."""
    sent: list[list[dict[str, Any]]] = []
    client.meta.events.register_last(
        "before-parameter-build.eventbridge.PutEvents", lambda params, **_: sent.append(params["Entries"])
    )
    return sent


def test_eventbridge_events_carry_the_id_in_their_detail_and_reach_the_target() -> None:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    url = make_queue(sqs, "targets")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": arn}])
    propagate_correlation_id()
    entry = {"Source": "orders", "DetailType": "OrderPlaced", "Detail": json.dumps({"order_id": "o-1"})}
    within("corr-events", lambda: events.put_events(Entries=[entry]))
    [message] = received(sqs, url)
    assert json.loads(message["Body"])["detail"] == {"correlation_id": "corr-events", "order_id": "o-1"}
    assert entry["Detail"] == '{"order_id": "o-1"}'


def test_eventbridge_details_keep_the_caller_s_text_and_key_and_odd_ones_pass_unchanged() -> None:
    events = boto3.client("events")
    sent = sent_entries(events)
    propagate_correlation_id()
    details = [
        '  {"amount": 1.10, "big": 1e400}',  # text kept as written (json would rewrite both numbers)
        "{}",
        '{"correlationId": "mine"}',
        '{"deep": ' + "[" * 5000 + "]" * 5000 + "}",  # deeper than the json module can read
        "[1, 2]",
        "not json",
        '{"broken": ',
    ]
    entries: list[Any] = [{"Source": "orders", "DetailType": "T", "Detail": d} for d in details]
    entries += [
        {"Source": "orders", "DetailType": "no detail"},
        {"Source": "orders", "DetailType": "T", "Detail": None},
    ]
    with pytest.raises(Exception, match="Detail"):  # botocore refuses the None detail, as without the hook
        within("corr-ev", lambda: events.put_events(Entries=entries))
    [as_sent] = sent
    assert [entry.get("Detail") for entry in as_sent] == [
        '  {"correlation_id":"corr-ev","amount": 1.10, "big": 1e400}',
        '{"correlation_id":"corr-ev"}',
        '{"correlationId": "mine"}',
        details[3],
        "[1, 2]",
        "not json",
        '{"broken": ',
        None,
        None,
    ]
    assert [entry.get("Detail") for entry in entries] == [*details, None, None]


# --- options ---------------------------------------------------------------------------------


def test_services_choose_which_calls_carry_the_id_and_attribute_names_it() -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic, subscriber = subscribed_queue(sns, sqs)
    url = make_queue(sqs)
    propagate_correlation_id(services=["sqs"], attribute="x-request.id")

    def send() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="sqs")
        sns.publish(TopicArn=topic, Message="sns")

    within("corr-1", send)
    assert attributes_of(received(sqs, url)[0]) == {"x-request.id": "corr-1"}
    assert "MessageAttributes" not in received(sqs, subscriber)[0]


def test_calling_it_twice_registers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.logging import _propagation

    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    propagate_correlation_id()
    reads: list[str | None] = []

    def counted() -> str | None:
        reads.append("read")
        return "corr-once"

    monkeypatch.setattr(_propagation, "get_correlation_id", counted)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="y")  # a client made after both calls
    assert len(reads) == 2  # one hook per client, not two
    assert [attributes_of(m) for m in received(sqs, url)] == [{"correlation_id": "corr-once"}] * 2


def test_enabled_false_stops_it_for_clients_made_before_and_after() -> None:
    before = boto3.client("sqs")
    url = make_queue(before)
    propagate_correlation_id()
    propagate_correlation_id(enabled=False)
    after = boto3.client("sqs")
    within(
        "corr-1",
        lambda: (before.send_message(QueueUrl=url, MessageBody="1"), after.send_message(QueueUrl=url, MessageBody="2")),
    )
    assert [m.get("MessageAttributes") for m in received(before, url)] == [None, None]


@pytest.mark.parametrize(
    ("options", "names"),
    [
        ({"services": ["sqs", "kinesis"]}, "'kinesis'"),
        ({"services": [3]}, "3"),
        ({"attribute": "AWS.trace"}, "attribute"),
        ({"attribute": "two..periods"}, "attribute"),
        ({"attribute": ""}, "attribute"),
        ({"attribute": "x" * 257}, "attribute"),
    ],
)
def test_bad_options_fail_at_the_call_naming_the_option(options: dict[str, Any], names: str) -> None:
    with pytest.raises(ConfigurationError, match="propagate_correlation_id") as caught:
        propagate_correlation_id(**options)
    assert names in str(caught.value)


def test_importing_the_name_imports_neither_boto3_nor_botocore() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from lambda_toolkit.logging import propagate_correlation_id\n"
        "print(sorted(name for name in ('boto3', 'botocore') if name in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_the_hooks_do_nothing_without_an_invocation_even_with_a_stale_one_ended() -> None:
    sqs = boto3.client("sqs")
    url = make_queue(sqs)
    propagate_correlation_id()
    invocation, token = begin_invocation({}, FakeContext())
    invocation.correlation_id = "corr-ended"
    end_invocation(token)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert "MessageAttributes" not in received(sqs, url)[0]


# --- the receiving side reads what was sent ----------------------------------------------


def received_id(event: Any, context: Any = None) -> Any:
    log = Logger(service="receiver", stream=io.StringIO())
    return log.inject_context(lambda event, context: get_correlation_id())(
        event, context if context is not None else FakeContext(aws_request_id="lambda-request-id")
    )


def test_an_invoked_function_reads_the_id_from_its_client_context() -> None:
    client = boto3.client("lambda")
    sent = sent_client_context(client)
    propagate_correlation_id()
    within("corr-invoked", lambda: client.invoke(FunctionName="worker", Payload=b'{"order_id": "o-1"}'))
    custom = decoded(sent[0])["custom"]
    # awslambdaric gives the handler an object with .custom; a local runner may give a dict
    as_object = type("ClientContext", (), {"custom": custom, "env": None, "client": None})()
    for client_context in (as_object, {"custom": custom}):
        context = FakeContext(aws_request_id="lambda-request-id", client_context=client_context)
        assert received_id({"order_id": "o-1"}, context) == "corr-invoked"
        assert received_id(["a", "list", "payload"], context) == "corr-invoked"


def test_a_direct_invocation_without_an_id_in_its_client_context_keeps_the_request_id() -> None:
    for client_context in (None, {"custom": None}, {"custom": {"other": "x"}}, {"custom": {"correlation_id": ""}}, "x"):
        context = FakeContext(aws_request_id="lambda-request-id", client_context=client_context)
        assert received_id({"order_id": "o-1"}, context) == "lambda-request-id"


def test_an_eventbridge_target_reads_the_id_from_the_detail_else_the_event_id() -> None:
    with_id = eventbridge_event({"correlation_id": "corr-detail", "order_id": "o-1"})
    assert received_id(with_id) == "corr-detail"
    assert received_id(eventbridge_event({"correlationId": "spelled"})) == "spelled"
    plain = eventbridge_event({"order_id": "o-1"})
    assert received_id(plain) == plain["id"]
    odd = eventbridge_event()
    odd["detail"] = "not an object"
    assert received_id(odd) == odd["id"]


def test_an_eventbridge_event_delivered_to_a_queue_gives_its_detail_id_to_the_worker() -> None:
    event = eventbridge_event({"correlation_id": "corr-detail"})
    assert received_id(sqs_event([json.dumps(event)])) == "corr-detail"
    plain = eventbridge_event({"order_id": "o-1"})
    assert received_id(sqs_event([json.dumps(plain)])) == plain["id"]


def test_without_botocore_installed_it_does_nothing_and_does_not_fail() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['botocore'] = None  # as if not installed: importing it raises ImportError\n"
        "from lambda_toolkit.logging import propagate_correlation_id\n"
        "propagate_correlation_id()\n"
        "propagate_correlation_id(enabled=False)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("concurrency", [1, 4])
def test_inside_batch_each_record_sends_its_own_id(concurrency: int) -> None:
    from lambda_toolkit.batch import batch

    sqs = boto3.client("sqs")
    url = make_queue(sqs, "downstream")
    propagate_correlation_id()
    log = Logger(service="worker", stream=io.StringIO())

    @log.inject_context
    @batch("sqs", concurrency=concurrency)
    def forward(record: Any) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=record.body)

    event = sqs_event([f"order-{n}" for n in range(4)])
    for n, record in enumerate(event["Records"]):
        if n != 3:  # the last one carries no id: its own message id is its id
            record["messageAttributes"] = {"correlation_id": {"stringValue": f"corr-{n}", "dataType": "String"}}
    assert forward(event, FakeContext()) == {"batchItemFailures": []}
    sent = {m["Body"]: attributes_of(m)["correlation_id"] for m in received(sqs, url)}
    assert sent == {
        "order-0": "corr-0",
        "order-1": "corr-1",
        "order-2": "corr-2",
        "order-3": event["Records"][3]["messageId"],
    }

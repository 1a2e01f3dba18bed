"""`lambda-toolkit events`: list the triggers and print sample events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_toolkit.cli import main
from lambda_toolkit.events import TRIGGER_NAMES, detect, parse

BATCH_TRIGGERS = {
    "sqs": "Records",
    "kinesis-stream": "Records",
    "kinesis-firehose": "records",
    "dynamodb-stream": "Records",
    "rabbitmq": None,
    "activemq": "messages",
    "s3": "Records",
    "s3-batch-operation": "tasks",
}


def test_list_prints_every_trigger_with_its_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(TRIGGER_NAMES)
    assert "lambda_toolkit.events.queues.SQSEvent" in lines[TRIGGER_NAMES.index("sqs")]


@pytest.mark.parametrize("trigger", TRIGGER_NAMES)
def test_generate_prints_an_event_that_detects_and_parses(trigger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", trigger]) == 0
    event = json.loads(capsys.readouterr().out)
    assert detect(event) == trigger
    parse(event)


def test_body_becomes_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    main(["events", "generate", "sqs", "--body", '{"order": 1}'])
    assert json.loads(json.loads(capsys.readouterr().out)["Records"][0]["body"]) == {"order": 1}
    main(["events", "generate", "api-gateway-rest", "--body", '{"order": 1}', "--indent", "0"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    event = json.loads(out)
    assert json.loads(event["body"]) == {"order": 1}
    main(["events", "generate", "sns", "--body", "plain text"])
    assert json.loads(capsys.readouterr().out)["Records"][0]["Sns"]["Message"] == "plain text"
    main(["events", "generate", "eventbridge", "--body", '{"k": "v"}'])
    assert json.loads(capsys.readouterr().out)["detail"] == {"k": "v"}


def test_body_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"from": "file"}')
    main(["events", "generate", "kinesis-stream", "--body", f"@{body}"])
    event = parse(json.loads(capsys.readouterr().out))
    assert event.records[0].json_data() == {"from": "file"}  # type: ignore[attr-defined]


def test_http_options_shape_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--method", "post", "--path", "/orders/7", "--header", "X-Correlation-Id: c-1", "--query", "page=2"]
    assert main(["events", "generate", "api-gateway-rest", *argv, "--query", "tag=a", "--query", "tag=b"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert (event["httpMethod"], event["path"]) == ("POST", "/orders/7")
    assert event["headers"]["X-Correlation-Id"] == "c-1"
    assert event["multiValueQueryStringParameters"] == {"page": ["2"], "tag": ["a", "b"]}
    request = parse(event)
    assert detect(event) == "api-gateway-rest"
    assert request.http_method == "POST"  # type: ignore[attr-defined]
    assert main(["events", "generate", "api-gateway-http", *argv]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == "/orders/7"
    assert event["rawQueryString"] == "page=2"
    assert event["headers"]["x-correlation-id"] == "c-1"


@pytest.mark.parametrize("trigger", sorted(BATCH_TRIGGERS))
def test_count_makes_that_many_records(trigger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", trigger, "--count", "3"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert detect(event) == trigger
    parse(event)
    field = BATCH_TRIGGERS[trigger]
    records = event[field] if field else [m for messages in event["rmqMessagesByQueue"].values() for m in messages]
    assert len(records) == 3


def test_count_repeats_the_body(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", "sqs", "--count", "2", "--body", '{"order": 1}']) == 0
    records = json.loads(capsys.readouterr().out)["Records"]
    assert [json.loads(record["body"]) for record in records] == [{"order": 1}, {"order": 1}]
    assert records[0]["messageId"] != records[1]["messageId"]


def test_the_scheduled_preset_is_an_eventbridge_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", "scheduled"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert detect(event) == "eventbridge"
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"][0].startswith("arn:aws:events:")
    parse(event)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["events", "generate", "nope"], "unknown trigger 'nope'"),
        (["events", "generate", "sqs", "--method", "GET"], "the sqs trigger has no place for --method"),
        (["events", "generate", "s3", "--header", "a:b"], "the s3 trigger has no place for --header"),
        (["events", "generate", "alb", "--path", "orders"], "--path must start with /"),
        (["events", "generate", "alb", "--header", "no-colon"], "--header expects NAME:VALUE"),
        (["events", "generate", "alb", "--query", "=x"], "--query expects NAME=VALUE"),
        (["events", "generate", "vpc-lattice", "--query", "a=1", "--query", "a=2"], "one value per query parameter"),
        (["events", "generate", "sns", "--count", "2"], "the sns trigger carries no list of records"),
        (["events", "generate", "sqs", "--count", "0"], "--count must be at least 1"),
        (["events", "generate", "sqs", "--body", "[" * 100_000], "--body is nested too deeply to parse"),
        (["events", "generate", "api-gateway-authorizer-token", "--body", "x"], "carries no body"),
        (["events", "generate", "eventbridge", "--body", "[1]"], "must be a JSON object"),
        (["events", "generate", "sqs", "--body", "@/no/such/file"], "cannot read body file"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lambda-toolkit events: error: ") and message in err


def test_a_body_file_that_is_not_utf8_or_too_deep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "latin1.json").write_bytes('{"city": "Zürich"}'.encode("latin-1"))
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert main(["events", "generate", "sqs", "--body", f"@{tmp_path / 'latin1.json'}"]) == 2
    assert capsys.readouterr().err.endswith("latin1.json' is not UTF-8 text (byte 11)\n")
    assert main(["events", "generate", "sqs", "--body", f"@{tmp_path / 'deep.json'}"]) == 2
    err = capsys.readouterr().err
    assert err.endswith("deep.json' is nested too deeply to parse\n") and err.count("\n") == 1


def test_an_action_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["events"])
    assert caught.value.code == 2


def test_the_console_command_prints_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lambda_toolkit", "events", "generate", "dynamodb-stream"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert detect(json.loads(result.stdout)) == "dynamodb-stream"


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    command = [sys.executable, "-m", "lambda_toolkit", "events", "generate", "sqs", "--count", "5000"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()  # like `| head -c 1`
        err = process.stderr.read().decode()
    assert process.returncode == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err

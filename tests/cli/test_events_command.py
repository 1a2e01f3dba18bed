"""`lambda-toolkit events`: list the triggers and print sample events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_toolkit.cli import main
from lambda_toolkit.events import TRIGGER_NAMES, detect, parse


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["events", "generate", "nope"], "unknown trigger 'nope'"),
        (["events", "generate", "api-gateway-authorizer-token", "--body", "x"], "carries no body"),
        (["events", "generate", "eventbridge", "--body", "[1]"], "must be a JSON object"),
        (["events", "generate", "sqs", "--body", "@/no/such/file"], "cannot read body file"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lambda-toolkit events: error: ") and message in err


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

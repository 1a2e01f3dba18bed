"""``lambda-toolkit events``: list the known triggers and print sample events.

``events list`` prints every trigger name with its model class; ``events generate TRIGGER``
prints a realistic event of that trigger as JSON (like ``sam local generate-event``,
without Docker or SAM). ``TRIGGER`` may also be a preset, a common shape of a trigger
(``scheduled``: an EventBridge schedule). Options fill in what the trigger carries:

- ``--body`` the payload (the HTTP body, the SQS body, the SNS message, the Kinesis
  data...): valid JSON is sent as JSON, anything else as text; ``@FILE`` reads it from a
  UTF-8 file;
- ``--method``, ``--path``, ``--header NAME:VALUE``, ``--query NAME=VALUE`` for HTTP
  triggers (a repeated query name gives a multi-value parameter);
- ``--count N`` for triggers that deliver a batch of records (SQS, Kinesis, DynamoDB
  Streams, Kafka, MQ, Firehose, S3...): N records.

An option the trigger has no place for is an error, never silently dropped.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["PRESETS", "register", "run_generate", "run_list"]

# Factory parameter that takes the payload, and whether it takes a list of them.
_PAYLOAD_PARAMETERS = {
    "body": False,
    "message": False,
    "detail": False,
    "bodies": True,
    "messages": True,
    "data": True,
    "values": True,
}
# Factory parameters holding the records of a batch (``--count`` repeats one of them).
_RECORD_PARAMETERS = ("bodies", "messages", "data", "values", "changes", "keys", "key")


def _scheduled() -> dict[str, Any]:
    from lambda_toolkit.testing.events._common import ACCOUNT_ID, REGION

    return {
        "source": "aws.events",
        "detail_type": "Scheduled Event",
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/my-schedule"],
    }


# Preset name -> (trigger, the factory arguments that make it).
PRESETS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "scheduled": ("eventbridge", _scheduled),
}


def register(subparsers: Any) -> None:
    """Add the ``events`` subcommand with ``list`` and ``generate``."""
    parser = subparsers.add_parser("events", help="list triggers and print sample events")
    actions = parser.add_subparsers(dest="events_command", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="print every trigger name")
    listing.set_defaults(run=run_list)
    generate = actions.add_parser("generate", help="print a sample event of TRIGGER as JSON")
    generate.add_argument(
        "trigger",
        metavar="TRIGGER",
        help=f"a trigger name (see `lambda-toolkit events list`) or a preset: {', '.join(PRESETS)}",
    )
    generate.add_argument("--body", default=None, help="the payload (JSON is sent as JSON, other text as text; @FILE)")
    generate.add_argument("--method", default=None, help="HTTP method (HTTP triggers)")
    generate.add_argument("--path", default=None, help="request path, starting with / (HTTP triggers)")
    generate.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE", help="a request header (repeatable)"
    )
    generate.add_argument(
        "--query", action="append", default=[], metavar="NAME=VALUE", help="a query string parameter (repeatable)"
    )
    generate.add_argument("--count", type=int, default=None, metavar="N", help="number of records (batch triggers)")
    generate.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2, 0 for one line)")
    generate.set_defaults(run=run_generate)


def run_list(args: argparse.Namespace) -> int:
    """Print ``name  ModelClass`` for every trigger."""
    from lambda_toolkit.events._registry import MODEL_LOCATIONS

    width = max(len(name) for name in MODEL_LOCATIONS)
    for name, (module, model) in MODEL_LOCATIONS.items():
        print(f"{name:<{width}}  lambda_toolkit.events.{module}.{model}")
    return 0


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


def _payload(text: str, origin: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
    except RecursionError:
        raise _command_error(f"{origin} is nested too deeply to parse") from None


def _read_body(argument: str) -> tuple[str, str]:
    """(text, where it came from) of ``--body``: the text itself, or ``@FILE``'s content."""
    if not argument.startswith("@"):
        return argument, "--body"
    path = argument[1:]
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise _command_error(f"cannot read body file {path!r}: {exc.strerror}") from None
    try:
        return data.decode("utf-8"), f"body file {path!r}"
    except UnicodeDecodeError as exc:
        raise _command_error(f"body file {path!r} is not UTF-8 text (byte {exc.start})") from None


def _pairs(items: list[str], separator: str, option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        name, sep, value = item.partition(separator)
        if not sep or not name.strip():
            raise _command_error(f"{option} expects NAME{separator}VALUE")
        pairs.append((name.strip(), value.strip() if separator == ":" else value))
    return pairs


def _arguments(trigger: str, factory: Callable[..., dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """The factory's keyword arguments for the command's options."""
    parameters = inspect.signature(factory).parameters
    kwargs: dict[str, Any] = {}

    def takes(name: str, option: str) -> None:
        if name not in parameters:
            raise _command_error(f"the {trigger} trigger has no place for {option}; drop it")

    if args.method is not None:
        takes("method", "--method")
        kwargs["method"] = args.method.upper()
    if args.path is not None:
        takes("path", "--path")
        if not args.path.startswith("/"):
            raise _command_error("--path must start with /")
        kwargs["path"] = args.path
    if args.header:
        takes("headers", "--header")
        kwargs["headers"] = dict(_pairs(args.header, ":", "--header"))
    if args.query:
        takes("query", "--query")
        query: dict[str, Any] = {}
        for name, value in _pairs(args.query, "=", "--query"):
            query.setdefault(name, []).append(value)
        if any(len(values) > 1 for values in query.values()) and "list" not in str(parameters["query"].annotation):
            raise _command_error(f"the {trigger} trigger takes one value per query parameter")
        kwargs["query"] = {name: values[0] if len(values) == 1 else values for name, values in query.items()}
    if args.body is not None:
        text, origin = _read_body(args.body)
        payload = next((name for name in parameters if name in _PAYLOAD_PARAMETERS), None)
        if payload is None:
            raise _command_error(f"the {trigger} trigger carries no body; drop --body")
        value = _payload(text, origin)
        if payload == "detail" and not isinstance(value, dict):
            raise _command_error("--body for an EventBridge event must be a JSON object")
        kwargs[payload] = [value] if _PAYLOAD_PARAMETERS[payload] else value
    if args.count is not None:
        if args.count < 1:
            raise _command_error("--count must be at least 1")
        records = next((name for name in _RECORD_PARAMETERS if name in parameters), None)
        if records is None:
            raise _command_error(f"the {trigger} trigger carries no list of records; drop --count")
        given = kwargs.get(records, parameters[records].default)
        record = given if isinstance(given, str) else next(iter(given))
        kwargs[records] = [record] * args.count
    return kwargs


def run_generate(args: argparse.Namespace) -> int:
    """Print a sample event of ``args.trigger``."""
    from lambda_toolkit.testing.events import FACTORIES

    trigger, preset = PRESETS.get(args.trigger, (args.trigger, dict))
    factory = FACTORIES.get(trigger)
    if factory is None:
        raise _command_error(f"unknown trigger {args.trigger!r}; see `lambda-toolkit events list`")
    event = factory(**{**preset(), **_arguments(trigger, factory, args)})
    json.dump(event, sys.stdout, indent=args.indent or None)
    sys.stdout.write("\n")
    return 0

"""``lambda-toolkit events``: list the known triggers and print sample events.

``events list`` prints every trigger name with its model class; ``events generate TRIGGER
[--body TEXT]`` prints a realistic event of that trigger as JSON (like ``sam local
generate-event``, without Docker or SAM). ``--body`` becomes the payload where the trigger
carries one (the HTTP body, the SQS body, the SNS message, the Kinesis data...): valid JSON is
sent as JSON, anything else as text.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from typing import Any

__all__ = ["register", "run_generate", "run_list"]

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


def register(subparsers: Any) -> None:
    """Add the ``events`` subcommand with ``list`` and ``generate``."""
    parser = subparsers.add_parser("events", help="list triggers and print sample events")
    actions = parser.add_subparsers(dest="events_command", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="print every trigger name")
    listing.set_defaults(run=run_list)
    generate = actions.add_parser("generate", help="print a sample event of TRIGGER as JSON")
    generate.add_argument("trigger", metavar="TRIGGER", help="a trigger name (see `lambda-toolkit events list`)")
    generate.add_argument("--body", default=None, help="the payload (JSON is sent as JSON, other text as text)")
    generate.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2, 0 for one line)")
    generate.set_defaults(run=run_generate)


def run_list(args: argparse.Namespace) -> int:
    """Print ``name  ModelClass`` for every trigger."""
    from lambda_toolkit.events._registry import MODEL_LOCATIONS

    width = max(len(name) for name in MODEL_LOCATIONS)
    for name, (module, model) in MODEL_LOCATIONS.items():
        print(f"{name:<{width}}  lambda_toolkit.events.{module}.{model}")
    return 0


def _payload(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _payload_arguments(factory: Any, body: str | None) -> dict[str, Any]:
    if body is None:
        return {}
    from lambda_toolkit.cli import CommandError

    for name in inspect.signature(factory).parameters:
        if name in _PAYLOAD_PARAMETERS:
            value = _payload(body)
            if name == "detail" and not isinstance(value, dict):
                raise CommandError("--body for an EventBridge event must be a JSON object")
            return {name: [value] if _PAYLOAD_PARAMETERS[name] else value}
    raise CommandError(f"the {factory.__name__.removesuffix('_event')} trigger carries no body; drop --body")


def run_generate(args: argparse.Namespace) -> int:
    """Print a sample event of ``args.trigger``."""
    from lambda_toolkit.cli import CommandError
    from lambda_toolkit.testing.events import FACTORIES

    factory = FACTORIES.get(args.trigger)
    if factory is None:
        raise CommandError(f"unknown trigger {args.trigger!r}; see `lambda-toolkit events list`")
    if args.body is not None and args.body.startswith("@"):
        try:
            with open(args.body[1:], encoding="utf-8") as file:
                args.body = file.read()
        except OSError as exc:
            raise CommandError(f"cannot read body file {args.body[1:]!r}: {exc.strerror}") from None
    event = factory(**_payload_arguments(factory, args.body))
    json.dump(event, sys.stdout, indent=args.indent or None)
    sys.stdout.write("\n")
    return 0

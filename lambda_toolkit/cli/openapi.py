"""``lambda-toolkit openapi``: write an App's OpenAPI 3.1 document as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lambda_toolkit.cli.invoke import _split_handler, load_handler
from lambda_toolkit.core.errors import LambdaToolkitError
from lambda_toolkit.core.files import write_atomic

__all__ = ["find_app", "register", "run"]

DEFAULT_VERSION = "1.0.0"


def register(subparsers: Any) -> None:
    """Add the ``openapi`` subcommand."""
    parser = subparsers.add_parser("openapi", help="write the OpenAPI document of an http.App as JSON")
    parser.add_argument("app", metavar="MODULE:APP", help="the App, e.g. app:app (a handler wrapping it works too)")
    parser.add_argument("--output", default=None, metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--title", default=None, help="the API title (default: the module name)")
    parser.add_argument("--version", default=DEFAULT_VERSION, help=f"the API version (default {DEFAULT_VERSION})")
    parser.set_defaults(run=run)


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


def find_app(value: Any, spec: str) -> Any:
    """The ``App`` that ``value`` is, or that the decorators ``value`` is made of wrap."""
    from lambda_toolkit.http import App

    seen = 0
    while not isinstance(value, App):
        value = getattr(value, "__wrapped__", None)
        seen += 1
        if value is None or seen > 100:
            raise _command_error(f"{spec} is not a lambda_toolkit.http.App (nor a handler wrapping one)")
    return value


def run(args: argparse.Namespace) -> int:
    """Import the app, build its document and write it."""
    module_name, _ = _split_handler(args.app)
    try:
        target = load_handler(args.app)
    except LambdaToolkitError:
        raise
    except (Exception, SystemExit) as exc:
        # The exception's type, not its message: the message may quote configuration values.
        raise _command_error(f"importing module {module_name!r} failed with {type(exc).__name__}") from None
    app = find_app(target, args.app)
    document = app.openapi(title=args.title or module_name, version=args.version)
    text = json.dumps(document, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_atomic(args.output, text)  # never a half-written document for a reader
    except OSError as exc:
        raise _command_error(f"cannot write {args.output!r}: {exc.strerror}") from None
    return 0

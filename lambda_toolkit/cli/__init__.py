"""The ``lambda-toolkit`` command.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds
its parser and sets ``run`` (a function of the parsed arguments returning the exit code).
Subcommand modules are imported only to build the parser, never by the library itself.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from lambda_toolkit import __version__
from lambda_toolkit.core.errors import LambdaToolkitError

__all__ = ["CommandError", "main"]

# Modules defining subcommands, in the order `--help` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "lambda_toolkit.cli.invoke",
    "lambda_toolkit.cli.serve",
    "lambda_toolkit.cli.openapi",
    "lambda_toolkit.cli.layer",
    "lambda_toolkit.cli.events",
    "lambda_toolkit.cli.doctor",
)

USAGE_ERROR = 2


class CommandError(LambdaToolkitError):
    """A bad command-line input: printed as one line, exit code 2, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="lambda-toolkit", description="Run and package AWS Lambda functions locally.")
    parser.add_argument("--version", action="version", version=f"lambda-toolkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return USAGE_ERROR
    try:
        code: int = args.run(args)
    except CommandError as exc:
        print(f"lambda-toolkit {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly. Pointing stdout at /dev/null
        # keeps the interpreter's final flush from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code

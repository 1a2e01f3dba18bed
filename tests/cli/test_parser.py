"""The command's surface: every subcommand and option is documented in docs/cli.md."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from lambda_toolkit.cli import build_parser

CLI_PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{prefix} {name}")


def test_every_subcommand_and_option_is_in_the_cli_page() -> None:
    page = CLI_PAGE.read_text()
    missing = []
    for command, parser in _commands(build_parser(), "lambda-toolkit"):
        if f"`{command}" not in page:
            missing.append(command)
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help") and not re.search(rf"(?<![\w-]){option}(?![\w-])", page):
                    missing.append(f"{command} {option}")
    assert missing == []

"""``lambda-toolkit doctor``: check a SAM or CloudFormation template against the code it deploys.

For each Python function of the template, doctor finds the handler's module, reads which
lambda_toolkit utilities it uses (statically, with ``ast``: nothing is imported or run) and
reports the deployment settings that do not fit them, each with its fix. Exit code 0 when
clean, 1 with findings, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["CHECKS", "REPORT_SCHEMA", "diagnose", "register", "run"]

CLEAN = 0
FINDINGS = 1

# The check names, as reported (``check`` in the JSON output). The checks themselves, the
# template reader and the code scanner are imported when the command runs: building the
# parser for another subcommand does not pay for them.
CHECKS = (
    "batch-report-failures",
    "sqs-visibility-timeout",
    "timeout-guard-margin",
    "batch-deadline-margin",
    "tracing-inactive",
    "idempotency-table-key",
    "idempotency-table-ttl",
    "iam-missing",
    "layer-runtime",
    "layer-architecture",
)

# The shape of ``--format json`` (JSON Schema), for CI scripts that read it.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["template", "functions", "findings", "notes"],
    "additionalProperties": False,
    "properties": {
        "template": {"type": "string"},
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "handler", "module", "uses"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "handler": {"type": ["string", "null"]},
                    "module": {"type": ["string", "null"]},
                    "uses": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["check", "function", "resource", "message", "fix", "where"],
                "additionalProperties": False,
                "properties": {
                    "check": {"enum": list(CHECKS)},
                    "function": {"type": "string"},
                    "resource": {"type": "string"},
                    "message": {"type": "string"},
                    "fix": {"type": "string"},
                    "where": {"type": ["string", "null"]},
                },
            },
        },
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["function", "message"],
                "additionalProperties": False,
                "properties": {"function": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def register(subparsers: Any) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor", help="check a SAM/CloudFormation template against the lambda_toolkit utilities its code uses"
    )
    parser.add_argument("template", metavar="TEMPLATE", help="the template, YAML or JSON")
    parser.add_argument(
        "--handler-root",
        default=None,
        metavar="DIR",
        help="the directory CodeUri paths are relative to, and where handlers without a local CodeUri are "
        "(default: the template's directory)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="the report's format")
    parser.set_defaults(run=run)


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


def diagnose(template_path: Path, handler_root: Path | None) -> dict[str, Any]:
    """The report (``REPORT_SCHEMA``) of one template; a CommandError (TemplateError, ScanError) on bad input."""
    from lambda_toolkit.cli._doctor_checks import Finding, Note, check_function
    from lambda_toolkit.cli._doctor_scan import scan_handler
    from lambda_toolkit.cli._doctor_template import load_template

    template = load_template(template_path)
    report: dict[str, Any] = {"template": str(template_path), "functions": [], "findings": [], "notes": []}
    for function in template.functions(handler_root):
        entry: dict[str, Any] = {"name": function.name, "handler": function.handler, "module": None, "uses": []}
        report["functions"].append(entry)
        skipped = _skipped(function.runtime, function.handler, function.code_dir, function.inline)
        if skipped:
            report["notes"].append(Note(function.name, skipped).as_dict())
            continue
        assert function.code_dir is not None and function.handler is not None
        usage = scan_handler(function.code_dir, function.handler, function.name)
        entry["module"] = str(usage.module_file)
        entry["uses"] = sorted({call.name for call in usage.handler + usage.anywhere})
        for result in check_function(template, function, usage):
            key = "findings" if isinstance(result, Finding) else "notes"
            if result.as_dict() not in report[key]:
                report[key].append(result.as_dict())
    return report


def _skipped(runtime: str | None, handler: str | None, code_dir: Path | None, inline: bool) -> str | None:
    if runtime is None:
        return "no Runtime (a container image, or set by a parameter doctor cannot read): not checked"
    if not runtime.startswith("python"):
        return f"runtime {runtime} is not Python: not checked"
    if handler is None:
        return "no Handler: not checked"
    if inline:
        return "its code is inline in the template: not checked"
    if code_dir is None:
        return "its code is not in a local directory (give --handler-root): not checked"
    return None


def run(args: argparse.Namespace) -> int:
    """Check the template; print the report; 0 clean, 1 with findings."""
    root = Path(args.handler_root) if args.handler_root else None
    if root is not None and not root.is_dir():
        raise _command_error(f"--handler-root {args.handler_root!r} is not a directory")
    report = diagnose(Path(args.template), root)  # bad input raises a CommandError: exit code 2
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(_text(report))
    return FINDINGS if report["findings"] else CLEAN


def _text(report: dict[str, Any]) -> str:
    lines = []
    for finding in report["findings"]:
        lines.append(f"{finding['function']}: {finding['check']}: {finding['message']}")
        lines.append(f"  fix: {finding['fix']}")
    for note in report["notes"]:
        lines.append(f"{note['function']}: note: {note['message']}")
    count = len(report["findings"])
    checked = len(report["functions"])
    summary = f"{report['template']}: {checked} function(s), "
    summary += f"{count} finding(s)" if count else "no findings"
    lines.append(summary)
    return "\n".join(lines) + "\n"

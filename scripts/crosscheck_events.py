"""Cross-check against a folder of labelled real events: ``python scripts/crosscheck_events.py DIR``.

Not a test (the tests use only the fixtures in the repository): a developer who has a
folder of real samples with a ``labels.json`` (file name -> label) runs it to check that
every labelled sample is detected as its label and, when it is a trigger, parses into that
trigger's model. Labels are
trigger names, ``null`` (not an event in scope: must not be detected) or ``invalid-json``
(must be rejected by ``decoding.json_loads``). Exits 1 on any mismatch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def check(directory: Path) -> list[str]:
    """The problems found, one line each (empty when every sample behaves as labelled)."""
    from lambda_toolkit.events import EventValidationError, detect, parse
    from lambda_toolkit.events.decoding import json_loads

    labels: dict[str, str | None] = json.loads((directory / "labels.json").read_text())
    problems: list[str] = []
    for name, label in sorted(labels.items()):
        raw = (directory / name).read_bytes()
        if label == "invalid-json":
            try:
                json_loads(raw, name)
            except EventValidationError:
                continue
            problems.append(f"{name}: labelled invalid-json but parses as JSON")
            continue
        event = json.loads(raw)
        found = detect(event)
        if found != label:
            problems.append(f"{name}: detected as {found!r}, labelled {label!r}")
            continue
        if label is not None:
            try:
                parse(event, label)
            except EventValidationError as exc:
                problems.append(f"{name}: does not parse as {label}: {exc}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scripts/crosscheck_events.py DIR  (a folder with labels.json)", file=sys.stderr)
        return 2
    directory = Path(argv[1])
    if not (directory / "labels.json").is_file():
        print(f"no labels.json in {directory}", file=sys.stderr)
        return 2
    problems = check(directory)
    total = len(json.loads((directory / "labels.json").read_text()))
    for problem in problems:
        print(problem)
    print(f"{total - len(problems)}/{total} samples behave as labelled")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main(sys.argv))

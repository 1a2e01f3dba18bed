"""`make demo`: run the example application end to end, locally, with no AWS account."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def invoke(app_dir: Path, handler: str, event: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "lambda_toolkit", "invoke", handler, "--event", str(event), "--timeout-ms", "3000"],
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.stderr:
        print(result.stderr, end="", file=sys.stderr)
    if result.returncode != 0:
        raise SystemExit(f"invoke {handler} failed ({result.returncode}): {result.stdout.strip()}")
    response: dict[str, object] = json.loads(result.stdout)
    return response


def main() -> None:
    print("== hello: a handler on the middleware core, run by `lambda-toolkit invoke` ==")
    response = invoke(HERE / "hello", "app:handler", HERE / "hello" / "event.json")
    print(json.dumps(response, indent=2))


if __name__ == "__main__":
    main()

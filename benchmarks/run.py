"""`make bench`: every scenario of benchmarks/bench_*.py, lambda-toolkit beside Powertools.

Usage: python benchmarks/run.py [NAME_FILTER ...]
Prints one row per scenario with both figures and the ratio lambda-toolkit / Powertools,
and writes them to benchmarks/results.json.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Scenario  # noqa: E402


def _modules(filters: list[str]) -> list[str]:
    names = sorted(path.stem for path in HERE.glob("bench_*.py"))
    return [name for name in names if not filters or any(f in name for f in filters)]


def _format(value: float) -> str:
    return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"


def main(filters: list[str]) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    header = f"{'scenario':<60} {'unit':<10} {'toolkit':>12} {'powertools':>12} {'ratio':>7}  goal"
    print(header)
    print("-" * len(header))
    results = []
    for module_name in _modules(filters):
        module = importlib.import_module(module_name)
        scenarios: list[Scenario] = module.scenarios()
        for scenario in scenarios:
            ours = scenario.ours()
            theirs = scenario.theirs() if scenario.theirs else None
            ratio = ours / theirs if theirs else None
            row = {
                "module": module_name,
                "scenario": scenario.name,
                "unit": scenario.unit,
                "toolkit": ours,
                "powertools": theirs,
                "ratio": ratio,
                "goal": scenario.goal,
            }
            for label, measure in scenario.extra.items():
                row[label] = measure()
            results.append(row)
            theirs_text = _format(theirs) if theirs is not None else "-"
            ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
            print(
                f"{scenario.name:<60} {scenario.unit:<10} {_format(ours):>12} {theirs_text:>12} "
                f"{ratio_text:>7}  {scenario.goal}",
                flush=True,
            )
            for label in scenario.extra:
                print(f"{'  ' + label:<60} {scenario.unit:<10} {_format(row[label]):>12}", flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

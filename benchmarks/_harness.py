"""Measuring helpers shared by the benchmark modules.

Every scenario measures lambda-toolkit and Powertools for AWS Lambda (Python) in the same
process run, so the ratio between them is meaningful on a shared, noisy machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RUNTIME_PRELOADED", "Scenario", "cold_import", "per_call"]

# The standard-library modules AWS's Python runtime client has already imported when it
# loads the handler module, so a function's cold start does not pay for them. Obtained with
# awslambdaric 4.2.2 on Python 3.11 (`python -X importtime -c "import awslambdaric.__main__"`,
# the module /var/runtime/bootstrap.py runs; its run() imports nothing more before it imports
# the handler): every stdlib module in that tree that a bare interpreter has not already
# loaded. Not in it: typing, inspect, dataclasses, asyncio, signal, datetime, uuid, random.
RUNTIME_PRELOADED = (
    "__future__",
    "atexit",
    "collections",
    "collections.abc",
    "contextlib",
    "copyreg",
    "decimal",
    "enum",
    "functools",
    "importlib",
    "itertools",
    "json",
    "keyword",
    "linecache",
    "logging",
    "math",
    "numbers",
    "operator",
    "re",
    "reprlib",
    "string",
    "textwrap",
    "threading",
    "token",
    "tokenize",
    "traceback",
    "types",
    "warnings",
    "weakref",
)


@dataclass
class Scenario:
    """One comparison: ``ours`` and ``theirs`` return a figure in ``unit``.

    ``higher_is_better`` is for throughputs (records/s); the ratio is always
    lambda-toolkit / Powertools.
    """

    name: str
    unit: str
    ours: Callable[[], float]
    theirs: Callable[[], float] | None
    goal: str = ""
    higher_is_better: bool = False
    extra: dict[str, Callable[[], float]] = field(default_factory=dict)


def per_call(fn: Callable[[], object], *, repeat: int = 7, min_time: float = 0.2) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` timed batches."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, int(number * min_time / 0.2))
    samples = timer.repeat(repeat=repeat, number=number)
    return statistics.median(samples) / number


_IMPORT_PROBE = """
import importlib, sys, time
for name in sys.argv[2].split():
    importlib.import_module(name)
start = time.perf_counter()
exec(sys.argv[1])
print(time.perf_counter() - start)
"""


def cold_import(code: str, *, runs: int = 15, preload: tuple[str, ...] = RUNTIME_PRELOADED) -> float:
    """Median seconds to run ``code`` (imports) in a fresh interpreter, startup excluded.

    The ``preload`` modules are imported first, untimed: by default what the Lambda
    runtime has already loaded when it imports a handler, so both libraries are measured
    as they start on Lambda.
    """
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE, code, " ".join(preload)], capture_output=True, text=True, check=True
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)

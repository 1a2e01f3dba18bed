"""Shipping scenarios: the layer's size beside a Powertools layer built the same way, the
bytecode's effect on importing from a layer, and the example application's cold start
(import plus first invocation) beside the same application written with Powertools."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from _harness import RUNTIME_PRELOADED, Scenario

ROOT = Path(__file__).resolve().parents[1]
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
RUNS = 15

_cache: dict[str, Any] = {}


def _layers() -> dict[str, Path]:
    """Both layers, built once: ours with the command, Powertools' with the same pip flags."""
    if "layers" in _cache:
        return _cache["layers"]  # type: ignore[no-any-return]
    from lambda_toolkit.cli.layer import (
        RUNTIME_PROVIDED,
        LayerSpec,
        _compile,
        _distributions,
        _prune,
        _remove_distribution,
        _write_zip,
        build_layer,
        target_interpreter,
    )

    work = Path(tempfile.mkdtemp(prefix="bench-layers-"))
    ours = work / "toolkit.zip"
    build_layer(LayerSpec(python=PYTHON, arch="x86_64", extras=("tracing",), output=ours))
    site = work / "pt" / "python"
    spec = LayerSpec(python=PYTHON, arch="x86_64")
    platforms = [arg for platform in spec.platforms for arg in ("--platform", platform)]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(site),
         "--implementation", "cp", "--python-version", PYTHON, "--only-binary=:all:", *platforms,
         "aws-lambda-powertools[tracer,parser]"],
        check=True,
    )  # fmt: skip
    installed = _distributions(site)
    for name in RUNTIME_PROVIDED & set(installed):
        _remove_distribution(site, installed[name][1])
    _prune(site)
    interpreter = target_interpreter(PYTHON)
    if interpreter:
        _compile(site, interpreter)
    theirs = work / "powertools.zip"
    _write_zip(work / "pt", theirs)
    _cache["layers"] = {"ours": ours, "theirs": theirs}
    return _cache["layers"]  # type: ignore[no-any-return]


def _unzipped(zip_path: Path) -> tuple[int, int]:
    infos = zipfile.ZipFile(zip_path).infolist()
    return sum(i.file_size for i in infos), len(infos)


def _runtime_site() -> Path:
    if "runtime" not in _cache:
        import boto3

        site = Path(boto3.__file__).resolve().parents[1]
        runtime = Path(tempfile.mkdtemp(prefix="bench-runtime-"))
        for name in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"):
            source = site / name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, runtime / name)
        _cache["runtime"] = runtime
    return Path(_cache["runtime"])


def _import_from_layer(zip_path: Path, code: str, *, strip_bytecode: bool) -> float:
    """Median ms to run ``code`` in an isolated interpreter importing from the unzipped layer."""
    opt = Path(tempfile.mkdtemp(prefix="bench-opt-"))
    zipfile.ZipFile(zip_path).extractall(opt)
    if strip_bytecode:
        for cache in opt.rglob("__pycache__"):
            shutil.rmtree(cache)
        os.chmod(opt / "python", 0o555)  # like /opt on Lambda: read-only, no .pyc written
    # What the Lambda runtime has imported before the handler is imported first, untimed.
    probe = (
        "import importlib, sys, time; sys.path[:0] = sys.argv[1:3]; "
        "[importlib.import_module(name) for name in sys.argv[4].split()]; "
        "t = time.perf_counter(); exec(sys.argv[3]); print(time.perf_counter() - t)"
    )
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-I", "-B", "-c", probe, str(opt / "python"), str(_runtime_site()), code,
             " ".join(RUNTIME_PRELOADED)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        samples.append(float(out.strip().splitlines()[-1]) * 1e3)
    os.chmod(opt / "python", 0o755)
    shutil.rmtree(opt)
    return statistics.median(samples)


def _local_aws() -> dict[str, str]:
    """One moto server for both applications (moto's state is per process anyway)."""
    if "aws" not in _cache:
        sys.path.insert(0, str(ROOT / "examples"))
        import demo  # examples/demo.py: moto server and the template's resources

        server, endpoint = demo.start_aws()
        env = demo.aws_environment(endpoint)
        os.environ.update(env)
        env.update(demo.provision(env))
        _cache["aws"] = env
        _cache["server"] = server
    return dict(_cache["aws"])


# What the runtime sets for a function (its LambdaContext reads them).
_LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "create-order",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/create-order",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/03/[$LATEST]bench",
}


def _cold_start_ms(app_dir: Path, module: str, function: str) -> float:
    """Median ms for import + first invocation of the API handler, against a moto server."""
    from lambda_toolkit.testing.events import api_gateway_http_event

    env = _local_aws()
    samples = []
    for run in range(RUNS):
        event = api_gateway_http_event(
            "POST", "/orders", headers={"idempotency-key": f"bench-{module}-{run}", "x-correlation-id": "c"},
            body={"customer_id": "c", "sku": "s", "quantity": 1, "unit_price": "2"},
        )  # fmt: skip
        # As on Lambda, untimed: what the runtime has imported, and its own context class
        # (not the testing kit's FakeContext, which would import part of lambda-toolkit).
        probe = (
            "import importlib, json, sys, time\n"
            "for name in sys.argv[2].split():\n"
            "    importlib.import_module(name)\n"
            "from awslambdaric.lambda_context import LambdaContext\n"
            "event = json.loads(sys.argv[1])\n"
            "arn = 'arn:aws:lambda:us-east-1:123456789012:function:create-order'\n"
            "context = LambdaContext('bench-request', None, None, int(time.time() * 1000) + 30_000, arn)\n"
            "t = time.perf_counter()\n"
            f"from {module} import {function} as handler\n"
            "response = handler(event, context)\n"
            "elapsed = time.perf_counter() - t\n"
            "assert response['statusCode'] == 201, response\n"
            "print(elapsed)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe, json.dumps(event), " ".join(RUNTIME_PRELOADED)],
            cwd=app_dir, env={**os.environ, **env, **_LAMBDA_ENV, "POWERTOOLS_TRACE_DISABLED": "true",
                              "PYTHONPATH": str(app_dir)},
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        samples.append(float(out.strip().splitlines()[-1]) * 1e3)
    return statistics.median(samples)


def scenarios() -> list[Scenario]:
    layer_import = "import lambda_toolkit.logging, lambda_toolkit.metrics, lambda_toolkit.events, lambda_toolkit.idempotency, lambda_toolkit.batch, lambda_toolkit.events.http, pydantic"  # noqa: E501
    return [
        Scenario(
            "layer: zipped size (extras tracing; runtime-provided left out)",
            "MB",
            lambda: _layers()["ours"].stat().st_size / 1e6,
            lambda: _layers()["theirs"].stat().st_size / 1e6,
            goal="smaller",
        ),
        Scenario(
            "layer: unzipped size",
            "MB",
            lambda: _unzipped(_layers()["ours"])[0] / 1e6,
            lambda: _unzipped(_layers()["theirs"])[0] / 1e6,
            goal="smaller",
        ),
        Scenario(
            "layer: file count",
            "files",
            lambda: float(_unzipped(_layers()["ours"])[1]),
            lambda: float(_unzipped(_layers()["theirs"])[1]),
            goal="smaller",
        ),
        Scenario(
            "layer: import utilities from the unzipped layer, with vs without bytecode",
            "ms",
            lambda: _import_from_layer(_layers()["ours"], layer_import, strip_bytecode=False),
            None,
            extra={
                "  same import, sources only (read-only /opt)": lambda: _import_from_layer(
                    _layers()["ours"], layer_import, strip_bytecode=True
                )
            },
        ),
        Scenario(
            "example API handler: cold start (import + first invocation, moto)",
            "ms",
            lambda: _cold_start_ms(ROOT / "examples" / "orders", "orders.api", "create_order"),
            lambda: _cold_start_ms(ROOT / "benchmarks" / "apps" / "powertools_orders", "orders_pt.api", "create_order"),
            goal="<= 0.5x",
            extra={
                "  the same work on plain boto3 + pydantic, no library (the floor)": lambda: _cold_start_ms(
                    ROOT / "benchmarks" / "apps" / "plain_orders", "orders_plain.api", "create_order"
                )
            },
        ),
    ]

"""`lambda-toolkit layer build`: a reproducible layer that works on its own.

The build downloads wheels for Lambda's platform from the package index (the one network
access the project has). The layer check imports every public module from the unzipped
layer in an isolated interpreter whose path holds only the layer's `python/` and the
packages the Lambda runtime provides (boto3 and its dependencies), then runs a handler
that uses every utility.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambda_toolkit.cli import main
from lambda_toolkit.cli.layer import MANIFEST_NAME, RUNTIME_PROVIDED

HERE = Path(__file__).resolve().parent
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
PUBLIC_MODULES = [
    "lambda_toolkit",
    "lambda_toolkit.core",
    "lambda_toolkit.events",
    "lambda_toolkit.logging",
    "lambda_toolkit.tracing",
    "lambda_toolkit.metrics",
    "lambda_toolkit.idempotency",
    "lambda_toolkit.batch",
    "lambda_toolkit.parameters",
    "lambda_toolkit.timeout",
    "lambda_toolkit.testing",
    "lambda_toolkit.cli",
]
RUNTIME_PACKAGES = ["boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"]


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layer")
    assert main(["layer", "build", "--python", PYTHON, "--arch", ARCH, "--output", str(out / "layer.zip")]) == 0
    return out / "layer.zip"


@pytest.fixture(scope="module")
def runtime_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the Lambda Python runtime provides: boto3 and its dependencies, nothing else."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    runtime = tmp_path_factory.mktemp("runtime")
    for name in RUNTIME_PACKAGES:
        source = site / name
        if source.is_dir():
            shutil.copytree(source, runtime / name)
        else:
            shutil.copy2(source, runtime / name)
    return runtime


@pytest.mark.integration
def test_the_layer_holds_python_at_its_root_without_runtime_provided_packages(layer: Path) -> None:
    names = zipfile.ZipFile(layer).namelist()
    assert names == sorted(names)
    assert all(name.startswith("python/") or name == MANIFEST_NAME for name in names)
    top_level = {name.split("/")[1] for name in names if name.startswith("python/")}
    assert {"lambda_toolkit", "pydantic", "pydantic_core", "cachetools"} <= top_level
    assert not top_level & {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"}
    assert not any("/tests/" in name for name in names)
    pyc = [name for name in names if name.endswith(".pyc")]
    assert pyc, "an interpreter of the target version is here, so bytecode is shipped"
    assert all(f"cpython-{PYTHON.replace('.', '')}" in name for name in pyc)


@pytest.mark.integration
def test_the_manifest_lists_what_is_inside_with_versions(layer: Path) -> None:
    manifest = json.loads(zipfile.ZipFile(layer).read(MANIFEST_NAME))
    assert manifest["python"] == PYTHON
    assert manifest["architecture"] == ARCH
    assert manifest["bytecode"] == "unchecked-hash"
    assert manifest["packages"]["lambda-toolkit"]
    assert manifest["packages"]["pydantic"].startswith("2.")
    assert set(manifest["excluded_runtime_provided"]) <= RUNTIME_PROVIDED
    assert "jmespath" in manifest["excluded_runtime_provided"]


@pytest.mark.integration
def test_the_same_inputs_give_the_same_zip(layer: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    assert main(["layer", "build", "--python", PYTHON, "--arch", ARCH, "--output", str(again)]) == 0
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(layer.read_bytes()).digest()


@pytest.mark.integration
def test_every_public_module_imports_from_the_layer_alone(layer: Path, runtime_site: Path, tmp_path: Path) -> None:
    opt = tmp_path / "opt"
    zipfile.ZipFile(layer).extractall(opt)
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import importlib, json\n"
        f"for name in {PUBLIC_MODULES!r}: importlib.import_module(name)\n"
        "import lambda_toolkit.events as events\n"
        "for trigger in events.TRIGGERS: events.TRIGGERS[trigger]\n"
        "print(json.dumps(sorted({m.__file__.split('/opt/')[0] for m in sys.modules.values() "
        "if getattr(m, '__file__', None) and 'lambda_toolkit' in m.__name__})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(opt / "python"), str(runtime_site)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [str(tmp_path)]  # every lambda_toolkit module came from the layer


@pytest.mark.integration
def test_a_handler_using_every_utility_runs_from_the_layer(layer: Path, runtime_site: Path, tmp_path: Path) -> None:
    opt = tmp_path / "opt"
    zipfile.ZipFile(layer).extractall(opt)
    code = "import runpy, sys; sys.path[:0] = sys.argv[1:3]; runpy.run_path(sys.argv[3], run_name='__main__')"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(opt / "python"), str(runtime_site), str(HERE / "layer_app.py")],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "layer-check"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "layer check: every utility ran\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--python", "3.9"], "unknown Python version '3.9'"),
        (["--arch", "sparc"], "unknown architecture 'sparc'"),
        (["--extras", "tracing,gpu"], "unknown extra 'gpu'"),
        (["--output", "/nonexistent/folder/layer.zip"], "folder missing or not writable"),
    ],
)
def test_bad_input_is_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layer", "build", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_no_package_index_is_a_clear_error_and_leaves_no_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    output = tmp_path / "layer.zip"
    assert main(["layer", "build", "--python", PYTHON, "--output", str(output), "--no-compile"]) == 2
    assert "is the package index reachable?" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []

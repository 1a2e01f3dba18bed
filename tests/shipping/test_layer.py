"""`lambda-toolkit layer build`: a reproducible layer that works on its own.

The build downloads wheels for Lambda's platform from the package index (the one network
access the project has); lambda_toolkit itself always comes from the copy running the
command (this checkout, or an installed distribution's own files), never from the index.
The layer check imports every public module from the unzipped layer in an isolated
interpreter whose path holds only the layer's `python/` and the packages the Lambda
runtime provides (boto3 and its dependencies), then runs a handler that uses every utility.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
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
from lambda_toolkit.cli.layer import MANIFEST_NAME, RUNTIME_PROVIDED, wheel_from_installed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DISTRIBUTION = "lambda-toolkit-aws"
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
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The layer built from this checkout, and what the command wrote on stderr."""
    out = tmp_path_factory.mktemp("layer")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["layer", "build", "--python", PYTHON, "--arch", ARCH, "--output", str(out / "layer.zip")])
    assert code == 0, stderr.getvalue()
    return out / "layer.zip", stderr.getvalue()


@pytest.fixture(scope="module")
def layer(build: tuple[Path, str]) -> Path:
    return build[0]


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A regular (non-editable) install of this project: (its site folder, the wheel it came from)."""
    work = tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(work / "dist"), str(ROOT)], check=True)
    wheel = next((work / "dist").glob("*.whl"))
    site = work / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], check=True)
    return site, wheel


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
    assert manifest["distribution"] == DISTRIBUTION
    assert manifest["packages"][DISTRIBUTION] == manifest["lambda_toolkit"]
    assert "lambda-toolkit" not in manifest["packages"]
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


@pytest.mark.integration
def test_the_build_reports_each_step_on_stderr(build: tuple[Path, str]) -> None:
    steps = [line.removeprefix("lambda-toolkit layer: ") for line in build[1].splitlines()]
    assert [step.split()[0] for step in steps] == ["building", "installing", "leaving", "compiling", "writing"]
    assert steps[0] == f"building the {DISTRIBUTION} wheel from the source tree {ROOT}"
    assert steps[1].startswith(f"installing {DISTRIBUTION} and its dependencies for Python {PYTHON} on {ARCH}")


@pytest.mark.integration
def test_an_installed_copy_packs_back_into_the_wheel_it_came_from(
    installed_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    site, original = installed_copy
    (distribution,) = importlib.metadata.distributions(path=[str(site)])
    repacked = wheel_from_installed(distribution, tmp_path)
    assert repacked.name == original.name
    with zipfile.ZipFile(original) as before, zipfile.ZipFile(repacked) as after:
        assert sorted(after.namelist()) == sorted(before.namelist())
        for name in before.namelist():
            if not name.endswith("/RECORD"):
                assert after.read(name) == before.read(name), name
    # pip accepts it: every hash in the new RECORD is right.
    again = tmp_path / "again"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(again)]
    subprocess.run([*pip, str(repacked)], check=True)


@pytest.mark.integration
def test_an_installed_copy_builds_its_layer_from_its_own_files(
    installed_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    site, _ = installed_copy
    output = tmp_path / "layer.zip"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from lambda_toolkit.cli import main; "
        "sys.exit(main(['layer', 'build', '--python', sys.argv[2], '--no-compile', '--output', sys.argv[3]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site), PYTHON, str(output)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert f"packing the installed {DISTRIBUTION} " in result.stderr
    with zipfile.ZipFile(output) as layer:
        manifest = json.loads(layer.read(MANIFEST_NAME))
        assert manifest["distribution"] == DISTRIBUTION and DISTRIBUTION in manifest["packages"]
        names = [name for name in layer.namelist() if name.startswith("python/lambda_toolkit/")]
        shipped = {name.removeprefix("python/"): layer.read(name) for name in names}
    installed = {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in (site / "lambda_toolkit").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert shipped == installed


def test_a_source_that_is_a_file_but_not_a_wheel_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("not a wheel")
    assert main(["layer", "build", "--source", str(source), "--output", str(tmp_path / "layer.zip")]) == 2
    assert "is a file but not a wheel" in capsys.readouterr().err

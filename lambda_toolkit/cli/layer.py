"""``lambda-toolkit layer build``: a Lambda layer zip of lambda_toolkit and its dependencies.

The zip holds ``python/`` at its root (Lambda extracts layers to /opt and puts
/opt/python on the path) with wheels for Lambda's platform, without what the runtime
already provides, without ``__pycache__`` and tests, and byte-for-byte reproducible: the
same inputs give the same zip. When an interpreter of the target version is on this
machine, the layer ships bytecode compiled with ``--invalidation-mode unchecked-hash``
(timestamp-checked .pyc files are useless after zipping), which cuts import time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_toolkit import __version__
from lambda_toolkit.core.files import atomic_path

__all__ = ["DISTRIBUTION", "LayerSpec", "build_layer", "register", "run", "run_publish", "wheel_from_installed"]

# The name on the package index (``lambda-toolkit`` there is an unrelated project); the
# import package is still ``lambda_toolkit``.
DISTRIBUTION = "lambda-toolkit-aws"
Progress = Callable[[str], None]

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
EXTRAS = ("tracing", "otel", "validation")
# pip picks pydantic v1 unless it may use all of these (pydantic-core's wheels need 2_17+).
MANYLINUX_TAGS = ("manylinux2014", "manylinux_2_17", "manylinux_2_28", "manylinux_2_34")
# Distributions the Lambda Python runtime already provides (boto3 and what it needs).
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"})
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_SKIPPED_DIRS = frozenset({"__pycache__", "tests", "test"})
MANIFEST_NAME = "lambda-toolkit-layer.json"


def register(subparsers: Any) -> None:
    """Add the ``layer`` subcommand and its actions ``build`` and ``publish``."""
    parser = subparsers.add_parser("layer", help="build a Lambda layer zip, or publish one")
    actions = parser.add_subparsers(dest="layer_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the layer zip")
    _build_options(build, defaults=True)
    build.add_argument("--output", default=None, help="zip path (default lambda-toolkit-layer-PY-ARCH.zip)")
    build.set_defaults(run=run)
    publish = actions.add_parser(
        "publish",
        help="publish the layer as a new layer version (built now, or --zip)",
        description="Publish a layer version and print its ARN on stdout (the steps go to stderr).",
    )
    publish.add_argument("--zip", default=None, help="a layer zip made by 'layer build' (default: build one now)")
    _build_options(publish, defaults=False)
    publish.add_argument("--layer-name", default=None, help="the layer's name (default lambda-toolkit-pyXY-ARCH)")
    publish.add_argument("--region", default=None, help="the AWS region (default: AWS_REGION or the profile's)")
    publish.add_argument("--profile", default=None, help="the AWS profile (default: AWS_PROFILE or the default)")
    publish.add_argument("--runtimes", default=None, help="compatible runtimes (default: the layer's Python)")
    publish.add_argument("--architectures", default=None, help="compatible architectures (default: the layer's)")
    publish.add_argument("--description", default=None, help="the version's description")
    publish.add_argument("--license-info", default="Apache-2.0", help="the version's license (default Apache-2.0)")
    publish.add_argument("--s3-bucket", default=None, help="upload through this S3 bucket (needed above 50 MB)")
    publish.add_argument("--s3-key", default=None, help="the S3 key (default lambda-toolkit/layers/NAME/HASH.zip)")
    publish.add_argument(
        "--grant-account",
        action="append",
        default=[],
        metavar="ACCOUNT_ID",
        help="let this account (or '*', everyone) use the version; repeatable",
    )
    publish.add_argument("--grant-org", default=None, metavar="ORG_ID", help="let this organization use the version")
    publish.add_argument("--ssm-parameter", default=None, metavar="NAME", help="store the version's ARN in SSM")
    publish.set_defaults(run=run_publish)


def _build_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    parser.add_argument(
        "--python",
        default="3.12" if defaults else None,
        help=f"target Python version ({', '.join(PYTHON_VERSIONS)}; default 3.12)",
    )
    parser.add_argument(
        "--arch", default="x86_64" if defaults else None, help="target architecture (x86_64 (default) or arm64)"
    )
    parser.add_argument("--extras", default="", help=f"comma-separated extras to include ({', '.join(EXTRAS)})")
    parser.add_argument(
        "--source",
        default=None,
        help=f"a {DISTRIBUTION} source tree, wheel, or requirement to fetch from the index "
        "(default: the copy running this command, never an index lookup)",
    )
    parser.add_argument("--no-compile", action="store_true", help="ship sources only, no bytecode")


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


@dataclass
class LayerSpec:
    """What to build; ``check()`` turns bad input into one clear error before any work."""

    python: str = "3.12"
    arch: str = "x86_64"
    extras: tuple[str, ...] = ()
    output: Path = field(default_factory=lambda: Path("lambda-toolkit-layer.zip"))
    source: str | None = None
    compile: bool = True

    def check(self) -> None:
        if self.python not in PYTHON_VERSIONS:
            raise _command_error(f"unknown Python version {self.python!r}; use one of {', '.join(PYTHON_VERSIONS)}")
        if self.arch not in ARCHITECTURES:
            raise _command_error(f"unknown architecture {self.arch!r}; use x86_64 or arm64")
        unknown = [extra for extra in self.extras if extra not in EXTRAS]
        if unknown:
            raise _command_error(f"unknown extra {unknown[0]!r}; use {', '.join(EXTRAS)}")
        folder = self.output.parent if str(self.output.parent) else Path(".")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise _command_error(f"cannot write the layer to {str(self.output)!r}: folder missing or not writable")

    @property
    def platforms(self) -> list[str]:
        machine = ARCHITECTURES[self.arch]
        return [f"{tag}_{machine}" for tag in MANYLINUX_TAGS]


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def _source_tree() -> Path | None:
    """The project folder when this copy runs from a checkout (editable or on the path)."""
    root = _package_dir().parent
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and '"lambda_toolkit"' in pyproject.read_text(encoding="utf-8"):
        return root
    return None


def _installed_distribution() -> importlib.metadata.Distribution | None:
    """The installed distribution whose files are the lambda_toolkit running this command."""
    for distribution in importlib.metadata.distributions(path=[str(_package_dir().parent)]):
        if any(file.as_posix() == "lambda_toolkit/__init__.py" for file in distribution.files or ()):
            return distribution
    return None


def _pip(args: list[str], what: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise _command_error(f"{what} failed (is the package index reachable?): {last}")


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def wheel_from_installed(distribution: importlib.metadata.Distribution, folder: Path) -> Path:
    """Pack an installed (non-editable) distribution back into a wheel in ``folder``.

    The files are the ones its RECORD lists, minus bytecode, console scripts (in ``bin/``
    or outside the site folder; pip writes them again from ``entry_points.txt``) and what
    records this particular install (INSTALLER, REQUESTED, direct_url.json); the RECORD is
    written anew. Dates are fixed, so the same installed copy gives the same wheel.
    """
    name, version = distribution.metadata["Name"], distribution.version
    files = distribution.files
    if not files:
        raise _command_error(f"the installed {name} {version} lists no files (no RECORD); pass --source")
    info_dir = next((f.parts[0] for f in files if f.parts[0].endswith(".dist-info")), None)
    if info_dir is None:
        raise _command_error(f"the installed {name} {version} has no .dist-info folder; pass --source")
    local = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}
    members: dict[str, bytes] = {}
    for file in files:
        relative = file.as_posix()
        if file.parts[0] in ("..", "bin", "Scripts") or "__pycache__" in file.parts or relative.endswith(".pyc"):
            continue
        if file.parts[0] == info_dir and file.name in local:
            continue
        path = Path(str(file.locate()))
        try:
            members[relative] = path.read_bytes()
        except OSError:
            missing = f"the installed {name} {version} is incomplete ({relative} is missing)"
            raise _command_error(f"{missing}; reinstall it or pass --source") from None
    if f"{info_dir}/WHEEL" not in members:
        members[f"{info_dir}/WHEEL"] = (
            b"Wheel-Version: 1.0\nGenerator: lambda-toolkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in sorted(members.items()))
    members[f"{info_dir}/RECORD"] = f"{record}{info_dir}/RECORD,,\n".encode()
    stem = re.sub(r"[-_.]+", "_", name).lower()
    wheel = folder / f"{stem}-{version}-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative, data in sorted(members.items()):
            info = zipfile.ZipInfo(relative, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return wheel


def _wheel_name(wheel: Path) -> str:
    return wheel.name.split("-", 1)[0].replace("_", "-")


def _requirement(spec: LayerSpec, wheels: Path, progress: Progress) -> tuple[str, str]:
    """(distribution name, requirement) of the toolkit to install: a local wheel by default.

    ``--source`` picks a source tree, a wheel or (the one index lookup) a requirement such
    as ``lambda-toolkit-aws==0.1.0``; without it the copy running this command is used: its
    source tree when it runs from a checkout, else the installed distribution's own files.
    """
    suffix = f"[{','.join(spec.extras)}]" if spec.extras else ""
    source = spec.source
    if source is not None and not Path(source).exists():
        progress(f"using {source} as given by --source (from the package index)")
        named = re.match(r"[A-Za-z0-9._-]+", source)
        return (named.group(0) if named else source), f"{source}{suffix}"
    if source is not None and Path(source).is_file():
        if not source.endswith(".whl"):
            raise _command_error(f"--source {source!r} is a file but not a wheel (.whl)")
        wheel = Path(source)
    else:
        tree = Path(source) if source is not None else _source_tree()
        installed = None if tree is not None else _installed_distribution()
        if tree is not None:
            progress(f"building the {DISTRIBUTION} wheel from the source tree {tree}")
            _pip(
                ["wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(tree)],
                f"building the wheel of {tree}",
            )
            built = sorted(wheels.glob("*.whl"))
            if not built:
                raise _command_error(f"building the wheel of {tree} produced no wheel")
            wheel = built[0]
        elif installed is not None:
            progress(f"packing the installed {installed.metadata['Name']} {installed.version} into a wheel")
            wheel = wheel_from_installed(installed, wheels)
        else:
            raise _command_error(
                f"cannot find the installed {DISTRIBUTION} files; pass --source (a source tree or wheel)"
            )
    name = _wheel_name(wheel)
    return name, f"{name}{suffix} @ {wheel.resolve().as_uri()}"


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _distributions(site: Path) -> dict[str, tuple[str, Path]]:
    """name -> (version, dist-info folder) of what pip installed into ``site``."""
    found = {}
    for info in site.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        fields = dict(line.split(": ", 1) for line in metadata.splitlines()[:20] if ": " in line)
        found[_normalise(fields.get("Name", info.name))] = (fields.get("Version", "?"), info)
    return found


def _remove_distribution(site: Path, info: Path) -> None:
    record = info / "RECORD"
    paths = (
        [line.rsplit(",", 2)[0] for line in record.read_text(encoding="utf-8").splitlines()] if record.exists() else []
    )
    for relative in paths:
        target = (site / relative).resolve()
        if site.resolve() in target.parents and target.is_file():
            target.unlink()
    shutil.rmtree(info, ignore_errors=True)
    for folder in sorted((p for p in site.iterdir() if p.is_dir()), reverse=True):
        if not any(folder.rglob("*")):
            folder.rmdir()


def _prune(site: Path) -> None:
    # direct_url.json records the temporary path of the wheel: it would make every build
    # differ (and leak a local path).
    for direct_url in site.glob("*.dist-info/direct_url.json"):
        direct_url.unlink()
        record = direct_url.with_name("RECORD")
        if record.exists():
            lines = record.read_text(encoding="utf-8").splitlines()
            record.write_text("".join(f"{line}\n" for line in lines if "/direct_url.json," not in line))
    for folder in sorted(site.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and folder.name in _SKIPPED_DIRS and not folder.name.endswith(".dist-info"):
            shutil.rmtree(folder, ignore_errors=True)
    for path in site.glob("bin"):
        shutil.rmtree(path, ignore_errors=True)


def target_interpreter(version: str) -> str | None:
    """An interpreter of ``version`` on this machine, to compile the layer's bytecode."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{version}*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def _compile(site: Path, interpreter: str) -> None:
    subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-d",
            "/opt/python",
            str(site),
        ],
        check=True,
        capture_output=True,
    )


def _write_zip(root: Path, destination: Path) -> tuple[int, int]:
    """Zip ``root`` reproducibly (sorted names, fixed dates and modes); return (files, bytes)."""
    files = sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())
    total = 0
    # A scratch file of this build's own, moved in place whole: parallel builds of one
    # output (CI) never share or delete each other's, and no reader sees a half zip.
    with (
        atomic_path(destination) as partial,
        zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            total += len(data)
            archive.writestr(info, data, compresslevel=9)
    return len(files), total


def _silent(step: str) -> None:
    return None


def build_layer(spec: LayerSpec, progress: Progress = _silent) -> dict[str, Any]:
    """Build the layer zip; return its manifest (also stored in the zip).

    ``progress`` is called with a short line at each step (the command prints them on
    stderr: the install step alone takes seconds).
    """
    spec.check()
    with tempfile.TemporaryDirectory(prefix="lambda-toolkit-layer-") as scratch:
        work = Path(scratch)
        site = work / "layer" / "python"
        site.mkdir(parents=True)
        distribution, requirement = _requirement(spec, work / "wheels", progress)
        distribution = _normalise(distribution)
        platform_args = [arg for platform in spec.platforms for arg in ("--platform", platform)]
        progress(f"installing {distribution} and its dependencies for Python {spec.python} on {spec.arch} "
                 "(wheels from the package index)")  # fmt: skip
        _pip(
            ["install", "--quiet", "--no-compile", "--target", str(site), "--implementation", "cp",
             "--python-version", spec.python, "--only-binary=:all:", *platform_args, requirement],
            f"installing {distribution} and its dependencies",
        )  # fmt: skip
        installed = _distributions(site)
        excluded = sorted(RUNTIME_PROVIDED & set(installed))
        if excluded:
            progress(f"leaving out what the Lambda runtime provides: {', '.join(excluded)}")
        for name in excluded:
            _remove_distribution(site, installed[name][1])
        _prune(site)
        interpreter = target_interpreter(spec.python) if spec.compile else None
        if interpreter is not None:
            progress(f"compiling bytecode with {interpreter}")
            _compile(site, interpreter)
        elif spec.compile:
            progress(f"no python{spec.python} on this machine: the layer ships sources without bytecode")
        packages = {name: version for name, (version, _) in sorted(_distributions(site).items())}
        manifest: dict[str, Any] = {
            "distribution": distribution,
            "lambda_toolkit": packages.get(distribution, __version__),
            "python": spec.python,
            "architecture": spec.arch,
            "extras": list(spec.extras),
            "bytecode": "unchecked-hash" if interpreter is not None else None,
            "packages": packages,
            "excluded_runtime_provided": excluded,
        }
        (work / "layer" / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        progress(f"writing {spec.output}")
        files, size = _write_zip(work / "layer", spec.output)
    manifest.update(files=files, unzipped_bytes=size, zipped_bytes=spec.output.stat().st_size)
    return manifest


def _print_progress(step: str) -> None:
    print(f"lambda-toolkit layer: {step}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Build the layer and print what is in it (the steps on stderr as they happen)."""
    extras = tuple(e.strip() for e in args.extras.split(",") if e.strip())
    output = Path(args.output or f"lambda-toolkit-layer-py{args.python}-{args.arch}.zip")
    spec = LayerSpec(args.python, args.arch, extras, output, args.source, not args.no_compile)
    manifest = build_layer(spec, _print_progress)
    packages = ", ".join(f"{name} {version}" for name, version in manifest["packages"].items())
    print(f"built {output} for Python {spec.python} on {spec.arch}")
    zipped, unzipped = manifest["zipped_bytes"] / 1e6, manifest["unzipped_bytes"] / 1e6
    print(f"  {zipped:.2f} MB zipped, {unzipped:.2f} MB unzipped, {manifest['files']} files")
    print(f"  bytecode: {manifest['bytecode'] or 'none (no python' + spec.python + ' here)'}")
    print(f"  packages: {packages}")
    return 0


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def run_publish(args: argparse.Namespace) -> int:
    """Publish a layer version (building the zip first unless ``--zip``); print its ARN."""
    from lambda_toolkit.cli._publish import PublishError, PublishSpec, publish_layer

    build_given = [
        option
        for option, given in (
            ("--python", args.python is not None),
            ("--arch", args.arch is not None),
            ("--extras", bool(args.extras)),
            ("--source", args.source is not None),
            ("--no-compile", args.no_compile),
        )
        if given
    ]
    if args.zip is not None and build_given:
        raise _command_error(f"{build_given[0]} is a build option: it cannot go with --zip (a layer already built)")
    python, arch = args.python or "3.12", args.arch or "x86_64"
    spec = PublishSpec(
        zip_path=Path(args.zip) if args.zip is not None else None,
        layer_name=args.layer_name,
        region=args.region,
        profile=args.profile,
        runtimes=_names(args.runtimes),
        architectures=_names(args.architectures),
        description=args.description,
        license_info=args.license_info,
        s3_bucket=args.s3_bucket,
        s3_key=args.s3_key,
        grant_accounts=tuple(args.grant_account),
        grant_organization=args.grant_org,
        ssm_parameter=args.ssm_parameter,
        build_python=python,
        build_arch=arch,
    )
    with tempfile.TemporaryDirectory(prefix="lambda-toolkit-publish-") as scratch:
        layer_spec = LayerSpec(
            python, arch, _names(args.extras), Path(scratch) / "layer.zip", args.source, not args.no_compile
        )
        if args.zip is None:
            layer_spec.check()  # bad build options fail before any AWS check

        def build() -> Path:
            manifest = build_layer(layer_spec, _print_progress)
            _print_progress(f"built {manifest['zipped_bytes']:,} bytes ({manifest['files']} files)")
            return layer_spec.output

        try:
            published = publish_layer(spec, _print_progress, build)
        except PublishError as exc:
            if exc.arn is not None:
                print(exc.arn, flush=True)  # the version exists: say which, whatever failed after
            print(f"lambda-toolkit layer publish: error: {exc}", file=sys.stderr)
            return 1
    print(published.arn, flush=True)
    return 0

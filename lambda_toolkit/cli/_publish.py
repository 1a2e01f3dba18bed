"""``lambda-toolkit layer publish``: publish a layer zip as a new Lambda layer version.

The order is fixed so that bad input costs nothing: every check that can be made offline
(the zip and its manifest, the layer name, runtimes and architectures against the Lambda
API model of the installed botocore, the region against botocore's endpoint data, the
permission and SSM names, credentials found through botocore's own resolution chain)
runs before the layer is built; one small call (``ListLayerVersions`` filtered on the
runtime and architecture) then checks with the regional service that the credentials
are accepted and the region takes that runtime and architecture, before the zip is
uploaded. Only then: the upload (``PublishLayerVersion`` with the zip, or through S3),
the optional ``AddLayerVersionPermission`` statements and the optional SSM parameter.

stdout receives the new version's ARN and nothing else; every step goes to stderr.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_toolkit import __version__
from lambda_toolkit.core.errors import LambdaToolkitError

__all__ = [
    "DIRECT_UPLOAD_LIMIT",
    "PublishError",
    "PublishSpec",
    "Published",
    "check_offline",
    "publish_layer",
]

Progress = Callable[[str], None]

#: PublishLayerVersion takes a zip of at most 50 MB in the request; larger ones go through S3.
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
#: A function and its layers may hold at most 250 MB unzipped: a bigger layer is unusable.
UNZIPPED_LIMIT = 250 * 1024 * 1024
MANIFEST_NAME = "lambda-toolkit-layer.json"
_LAYER_NAME = re.compile(r"[A-Za-z0-9_-]{1,140}")
_ACCOUNT = re.compile(r"\d{12}")
_ORGANIZATION = re.compile(r"o-[a-z0-9]{10,32}")
_SSM_NAME = re.compile(r"/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
# Service answers meaning the credentials were not accepted.
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
    }
)
# Service answers meaning the request's values were refused: here, the runtime or architecture.
_REFUSED_VALUES = frozenset({"InvalidParameterValueException", "ValidationException"})


class PublishError(LambdaToolkitError):
    """A call to AWS failed while publishing (the input was fine): exit code 1."""

    def __init__(self, message: str, *, arn: str | None = None) -> None:
        super().__init__(message)
        self.arn = arn  # set when the layer version exists (a later step failed)


def _usage_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


@dataclass
class PublishSpec:
    """What to publish and where; ``zip_path`` is None when the layer is built first."""

    zip_path: Path | None
    layer_name: str | None = None
    region: str | None = None
    profile: str | None = None
    runtimes: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()
    description: str | None = None
    license_info: str = "Apache-2.0"
    s3_bucket: str | None = None
    s3_key: str | None = None
    grant_accounts: tuple[str, ...] = ()
    grant_organization: str | None = None
    ssm_parameter: str | None = None
    # what the build will produce, when there is no zip yet
    build_python: str | None = None
    build_arch: str | None = None


@dataclass
class Published:
    """The outcome: the new version's ARN and what was done around it."""

    arn: str
    version: int
    region: str
    size: int
    permissions: list[str] = field(default_factory=list)
    ssm_parameter: str | None = None


@dataclass
class _Checked:
    """The spec once checked: every default resolved."""

    layer_name: str
    region: str
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    session: Any
    client: Any  # Lambda, in ``region``


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The ``lambda-toolkit-layer.json`` of a layer zip (None when it has none); checks
    that ``path`` is a zip with ``python/`` at its root and not too big unzipped."""
    if not path.is_file():
        raise _usage_error(f"--zip {str(path)!r}: no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            manifest = archive.read(MANIFEST_NAME) if MANIFEST_NAME in names else None
    except (zipfile.BadZipFile, OSError):
        raise _usage_error(f"--zip {str(path)!r} is not a zip file") from None
    if not any(name.startswith("python/") for name in names):
        raise _usage_error(
            f"--zip {str(path)!r} has no python/ folder at its root: Lambda would not put it on the path"
        )
    unzipped = sum(info.file_size for info in infos)
    if unzipped > UNZIPPED_LIMIT:
        raise _usage_error(
            f"--zip {str(path)!r} holds {unzipped / 1e6:.0f} MB unzipped; Lambda allows 250 MB for a "
            "function and all its layers"
        )
    if manifest is None:
        return None
    try:
        loaded = json.loads(manifest)
    except ValueError:
        raise _usage_error(f"--zip {str(path)!r}: its {MANIFEST_NAME} is not JSON") from None
    return loaded if isinstance(loaded, dict) else None


def _lambda_enums(client: Any) -> tuple[set[str], set[str]]:
    """The runtimes and architectures of the Lambda API model shipped with botocore."""
    model = client.meta.service_model
    return set(model.shape_for("Runtime").enum), set(model.shape_for("Architecture").enum)


def _lambda_regions(session: Any) -> set[str]:
    """Every region where botocore's endpoint data lists Lambda, in every partition."""
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("lambda", partition_name=partition))
    return regions


def _new_session(profile: str | None, region: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise _usage_error(f"--profile {profile!r}: no such profile in the AWS config files") from None


def _check_credentials(session: Any, profile: str | None) -> None:
    """Credentials as botocore resolves them (environment, config files, SSO, container
    and instance metadata): a clear error when none are found or they cannot be loaded."""
    from botocore.exceptions import BotoCoreError

    where = f"profile {profile!r}" if profile else "the environment, the AWS config files, SSO or instance metadata"
    try:
        credentials = session.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()  # SSO and assumed roles resolve here
    except BotoCoreError as exc:
        raise _usage_error(f"cannot load AWS credentials from {where} ({type(exc).__name__})") from None
    if credentials is None:
        raise _usage_error(
            f"no AWS credentials found in {where}; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or run 'aws sso login'"
        )


def _runtime_of(python: str) -> str:
    return f"python{python}"


def check_offline(spec: PublishSpec, manifest: dict[str, Any] | None) -> _Checked:
    """Every check that needs no call to AWS; returns the spec with its defaults resolved."""
    if spec.zip_path is not None:
        python, arch = (manifest or {}).get("python"), (manifest or {}).get("architecture")
    else:
        python, arch = spec.build_python, spec.build_arch
    runtimes = spec.runtimes or ((_runtime_of(python),) if isinstance(python, str) else ())
    architectures = spec.architectures or ((arch,) if isinstance(arch, str) else ())
    if not runtimes or not architectures:
        raise _usage_error(
            f"--zip {str(spec.zip_path)!r} has no {MANIFEST_NAME} (not built by 'layer build'): "
            "pass --runtimes and --architectures"
        )
    layer_name = spec.layer_name or f"lambda-toolkit-py{str(python).replace('.', '')}-{arch}"
    if not _LAYER_NAME.fullmatch(layer_name):
        raise _usage_error(f"--layer-name {layer_name!r}: use 1 to 140 letters, digits, '-' or '_'")
    for account in spec.grant_accounts:
        if account != "*" and not _ACCOUNT.fullmatch(account):
            raise _usage_error(f"--grant-account {account!r}: expected a 12-digit account id or '*' (everyone)")
    if spec.grant_organization is not None and not _ORGANIZATION.fullmatch(spec.grant_organization):
        raise _usage_error(f"--grant-org {spec.grant_organization!r}: expected an organization id such as o-a1b2c3d4e5")
    if spec.ssm_parameter is not None:
        name = spec.ssm_parameter
        if len(name) > 1011 or not _SSM_NAME.fullmatch(name) or name.lstrip("/").lower().startswith(("aws", "ssm")):
            raise _usage_error(
                f"--ssm-parameter {name!r}: use letters, digits and _.-/ (a path starts with /), not beginning "
                "with aws or ssm"
            )
    if spec.s3_bucket is not None and not _BUCKET.fullmatch(spec.s3_bucket):
        raise _usage_error(f"--s3-bucket {spec.s3_bucket!r} is not a valid bucket name")
    if spec.s3_key is not None and spec.s3_bucket is None:
        raise _usage_error("--s3-key needs --s3-bucket")

    session = _new_session(spec.profile, spec.region)
    region = session.region_name
    if not region:
        raise _usage_error("no AWS region: pass --region or set AWS_REGION (or a region in the profile)")
    if region not in _lambda_regions(session):
        import botocore

        raise _usage_error(
            f"region {region!r} is not one where AWS Lambda is offered, as far as botocore {botocore.__version__} "
            "knows (a misspelt name? a region newer than this botocore: upgrade it)"
        )
    client = session.client("lambda", region_name=region)  # offline: no call is made
    known_runtimes, known_architectures = _lambda_enums(client)
    for runtime in runtimes:
        if runtime not in known_runtimes or not runtime.startswith("python3"):
            raise _usage_error(f"--runtimes: {runtime!r} is not a Python runtime the Lambda API knows")
    for architecture in architectures:
        if architecture not in known_architectures:
            raise _usage_error(f"--architectures: {architecture!r} is not x86_64 or arm64")
    if isinstance(python, str) and set(runtimes) != {_runtime_of(python)}:
        raise _usage_error(
            f"the layer is built for Python {python} (its compiled packages work with no other version): "
            f"--runtimes must be {_runtime_of(python)}"
        )
    if isinstance(arch, str) and set(architectures) != {arch}:
        raise _usage_error(
            f"the layer is built for {arch} (its compiled packages work on no other architecture): "
            f"--architectures must be {arch}"
        )
    _check_credentials(session, spec.profile)
    return _Checked(layer_name, region, tuple(runtimes), tuple(architectures), session, client)


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def _aws_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    message = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else ""
    return f": {str(message)[:300]}" if message else ""


def preflight(checked: _Checked, client: Any, progress: Progress) -> int | None:
    """Ask the regional service about the credentials, runtime and architecture before
    uploading anything; returns the latest existing version number (None for a new layer)."""
    from botocore.exceptions import BotoCoreError, ClientError

    progress(f"checking credentials, runtime and architecture with Lambda in {checked.region}")
    try:
        answer = client.list_layer_versions(
            LayerName=checked.layer_name,
            CompatibleRuntime=checked.runtimes[0],
            CompatibleArchitecture=checked.architectures[0],
            MaxItems=1,
        )
    except ClientError as exc:
        code = _error_code(exc)
        if code in _BAD_CREDENTIALS:
            raise _usage_error(f"AWS did not accept the credentials ({code}); nothing was uploaded") from None
        if code in _REFUSED_VALUES:
            raise _usage_error(
                f"Lambda in {checked.region} refuses runtime {checked.runtimes[0]} or architecture "
                f"{checked.architectures[0]} ({code}{_aws_message(exc)}); nothing was uploaded"
            ) from None
        if code == "ResourceNotFoundException":
            return None
        # AccessDenied and the like: the credentials were recognised; the role may publish
        # without being allowed to list. Go on, the publish call will tell.
        progress(f"cannot list the layer's versions ({code}): going on without the check")
        return None
    except BotoCoreError as exc:
        raise _usage_error(
            f"cannot reach AWS Lambda in {checked.region} ({type(exc).__name__}); nothing was uploaded"
        ) from None
    versions = answer.get("LayerVersions") or []
    return int(versions[0]["Version"]) if versions else None


class _UploadProgress:
    """S3 upload callback: one line at each tenth of the bytes (threads call it)."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total = max(total, 1)
        self.sent = 0
        self.reported = -1
        self.progress = progress
        self.lock = threading.Lock()

    def __call__(self, chunk: int) -> None:
        with self.lock:
            self.sent += chunk
            tenth = min(10, self.sent * 10 // self.total)
            if tenth > self.reported:
                self.reported = tenth
                percent = min(100, self.sent * 100 // self.total)
                self.progress(f"uploaded {self.sent:,} of {self.total:,} bytes ({percent}%)")


def _call(what: str, operation: Callable[[], Any], arn: str | None = None) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation()
    except ClientError as exc:
        raise PublishError(f"{what} failed ({_error_code(exc)}{_aws_message(exc)})", arn=arn) from None
    except BotoCoreError as exc:
        raise PublishError(f"{what} failed ({type(exc).__name__})", arn=arn) from None


def _upload(checked: _Checked, spec: PublishSpec, zip_path: Path, size: int, progress: Progress) -> dict[str, Any]:
    """The ``Content`` of PublishLayerVersion: the zip itself, or an object uploaded to S3."""
    if spec.s3_bucket is None:
        progress(f"uploading {size:,} bytes to Lambda in {checked.region} (one PublishLayerVersion request)")
        return {"ZipFile": zip_path.read_bytes()}
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:16]
    key = spec.s3_key or f"lambda-toolkit/layers/{checked.layer_name}/{digest}.zip"
    s3 = checked.session.client("s3", region_name=checked.region)
    progress(f"uploading {size:,} bytes to s3://{spec.s3_bucket}/{key}")
    _call(
        f"uploading to s3://{spec.s3_bucket}/{key}",
        lambda: s3.upload_file(str(zip_path), spec.s3_bucket, key, Callback=_UploadProgress(size, progress)),
    )
    return {"S3Bucket": spec.s3_bucket, "S3Key": key}


def publish_layer(
    spec: PublishSpec,
    progress: Progress,
    build: Callable[[], Path] | None = None,
) -> Published:
    """Check, build (``build()`` when there is no zip yet), upload and publish; returns
    the new version. Bad input raises CommandError before anything is built or
    uploaded; a failing AWS call raises PublishError."""
    manifest = read_manifest(spec.zip_path) if spec.zip_path is not None else None
    checked = check_offline(spec, manifest)
    zip_path = spec.zip_path
    if zip_path is None:
        if build is None:
            raise _usage_error("nothing to publish: pass --zip or build options")
        zip_path = build()
    size = zip_path.stat().st_size
    if size > DIRECT_UPLOAD_LIMIT and spec.s3_bucket is None:
        raise _usage_error(
            f"the layer zip is {size / 1e6:.1f} MB; PublishLayerVersion takes at most 50 MB directly: "
            "pass --s3-bucket to upload it through S3"
        )
    client = checked.client
    previous = preflight(checked, client, progress)
    content = _upload(checked, spec, zip_path, size, progress)
    description = spec.description or (
        f"lambda-toolkit {manifest.get('lambda_toolkit', __version__) if manifest else __version__} "
        f"({', '.join(checked.runtimes)}, {', '.join(checked.architectures)})"
    )
    answer = _call(
        "PublishLayerVersion",
        lambda: client.publish_layer_version(
            LayerName=checked.layer_name,
            Description=description[:256],
            Content=content,
            CompatibleRuntimes=list(checked.runtimes),
            CompatibleArchitectures=list(checked.architectures),
            LicenseInfo=spec.license_info,
        ),
    )
    arn, version = str(answer["LayerVersionArn"]), int(answer["Version"])
    after = f" (the previous was {previous})" if previous is not None else ""
    progress(f"published {checked.layer_name} version {version}{after}")
    published = Published(arn=arn, version=version, region=checked.region, size=size)
    _grant(client, checked, spec, published, progress)
    if spec.ssm_parameter is not None:
        ssm = checked.session.client("ssm", region_name=checked.region)
        _call(
            f"writing the ARN to SSM parameter {spec.ssm_parameter!r}",
            lambda: ssm.put_parameter(
                Name=spec.ssm_parameter,
                Value=arn,
                Type="String",
                Overwrite=True,
                Description=f"ARN of the latest {checked.layer_name} layer version (lambda-toolkit layer publish)",
            ),
            arn,
        )
        published.ssm_parameter = spec.ssm_parameter
        progress(f"SSM parameter {spec.ssm_parameter} now holds the ARN")
    return published


def _grant(client: Any, checked: _Checked, spec: PublishSpec, published: Published, progress: Progress) -> None:
    grants: list[tuple[str, dict[str, str]]] = [
        (f"account-{'everyone' if account == '*' else account}", {"Principal": account})
        for account in spec.grant_accounts
    ]
    if spec.grant_organization is not None:
        organization = spec.grant_organization
        grants.append((f"org-{organization}", {"Principal": "*", "OrganizationId": organization}))
    for statement, target in grants:
        _call(
            f"AddLayerVersionPermission ({statement})",
            functools.partial(
                client.add_layer_version_permission,
                LayerName=checked.layer_name,
                VersionNumber=published.version,
                StatementId=f"lambda-toolkit-{statement}",
                Action="lambda:GetLayerVersion",
                **target,
            ),
            published.arn,
        )
        published.permissions.append(statement)
        progress(f"granted lambda:GetLayerVersion to {statement.replace('-', ' ', 1)}")

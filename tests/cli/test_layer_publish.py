"""``lambda-toolkit layer publish`` against moto (in process).

stdout carries the new version's ARN alone; bad input is one line on stderr, exit code
2, before anything is built or uploaded.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit import __version__
from lambda_toolkit.cli import _publish, layer, main

REGION = "us-east-1"


def make_zip(path: Path, *, python: str | None = "3.12", arch: str = "x86_64", files: int = 3) -> Path:
    """A small layer zip shaped like the ones 'layer build' writes."""
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(files):
            archive.writestr(f"python/lambda_toolkit/module_{number}.py", f"VALUE = {number}\n" * 200)
        if python is not None:
            manifest = {"python": python, "architecture": arch, "lambda_toolkit": "9.8.7", "packages": {}}
            archive.writestr("lambda-toolkit-layer.json", json.dumps(manifest))
    return path


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto in process; the clients a test uses to look at what was published."""
    from moto import mock_aws

    with mock_aws():
        import boto3

        yield {
            "lambda": boto3.client("lambda", region_name=REGION),
            "ssm": boto3.client("ssm", region_name=REGION),
            "s3": boto3.client("s3", region_name=REGION),
        }


@pytest.fixture
def layer_zip(tmp_path: Path) -> Path:
    return make_zip(tmp_path / "layer.zip")


def publish(*argv: str) -> int:
    return main(["layer", "publish", *argv])


def versions(aws: dict[str, Any], name: str = "lambda-toolkit-py312-x86_64") -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = aws["lambda"].list_layer_versions(LayerName=name)["LayerVersions"]
    except aws["lambda"].exceptions.ResourceNotFoundException:
        return []
    return found


def fail_call(monkeypatch: pytest.MonkeyPatch, event: str, code: str, status: int = 400) -> Calls:
    """Make the sessions the command creates answer the call ``event`` names with an AWS
    error ``code``; returns the calls the command makes, (operation, parameters) in order."""
    return watch_calls(monkeypatch, event, code, status)


Calls = list[tuple[str, dict[str, Any]]]


def names(calls: Calls) -> list[str]:
    return [name for name, _ in calls]


def watch_calls(monkeypatch: pytest.MonkeyPatch, event: str = "none", code: str = "", status: int = 400) -> Calls:
    from botocore.awsrequest import AWSResponse

    calls: Calls = []
    original = _publish._new_session

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, dict(params)))

    def answer(model: Any, **_: Any) -> Any:
        if f"before-call.{model.metadata['endpointPrefix']}.{model.name}" != event:
            return None
        parsed = {"Error": {"Code": code, "Message": "refused by the test"}, "ResponseMetadata": {}}
        return AWSResponse("https://example.invalid", status, {}, None), parsed

    def new_session(profile: str | None, region: str | None) -> Any:
        session = original(profile, region)
        session.events.register("provide-client-params", record)
        session.events.register("before-call", answer)
        return session

    monkeypatch.setattr(_publish, "_new_session", new_session)
    return calls


# -- publishing ----------------------------------------------------------------------------


def test_a_zip_is_published_and_only_its_arn_goes_to_stdout(
    aws: dict[str, Any], layer_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish("--zip", str(layer_zip)) == 0
    out, err = capsys.readouterr()
    [published] = versions(aws)
    assert out == f"{published['LayerVersionArn']}\n"
    assert published["LayerVersionArn"].endswith(":layer:lambda-toolkit-py312-x86_64:1")
    assert published["CompatibleRuntimes"] == ["python3.12"]
    assert published["CompatibleArchitectures"] == ["x86_64"]
    assert published["Description"] == "lambda-toolkit 9.8.7 (python3.12, x86_64)"
    assert published["LicenseInfo"] == "Apache-2.0"
    size = layer_zip.stat().st_size
    assert f"uploading {size:,} bytes to Lambda in us-east-1" in err
    assert "published lambda-toolkit-py312-x86_64 version 1" in err
    content = aws["lambda"].get_layer_version(LayerName="lambda-toolkit-py312-x86_64", VersionNumber=1)["Content"]
    assert content["CodeSize"] == size


def test_a_second_publish_is_the_next_version_and_says_which_was_before(
    aws: dict[str, Any], layer_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish("--zip", str(layer_zip)) == 0
    assert publish("--zip", str(layer_zip), "--description", "second") == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[1].endswith(":2")
    assert "version 2 (the previous was 1)" in err
    assert versions(aws)[0]["Description"] == "second"


def test_the_arm64_layer_of_another_python_gets_its_own_name_runtime_and_architecture(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = make_zip(tmp_path / "arm.zip", python="3.11", arch="arm64")
    assert publish("--zip", str(built), "--region", "eu-west-1") == 0
    arn = capsys.readouterr().out.strip()
    assert arn.startswith("arn:aws:lambda:eu-west-1:") and ":layer:lambda-toolkit-py311-arm64:1" in arn
    import boto3

    west = boto3.client("lambda", region_name="eu-west-1")
    [found] = west.list_layer_versions(LayerName="lambda-toolkit-py311-arm64")["LayerVersions"]
    assert (found["CompatibleRuntimes"], found["CompatibleArchitectures"]) == (["python3.11"], ["arm64"])


def test_permissions_for_an_account_and_an_organization(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = watch_calls(monkeypatch)
    assert publish("--zip", str(layer_zip), "--grant-account", "210987654321", "--grant-org", "o-abc123def45") == 0
    policy = json.loads(
        aws["lambda"].get_layer_version_policy(LayerName="lambda-toolkit-py312-x86_64", VersionNumber=1)["Policy"]
    )
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    account = statements["lambda-toolkit-account-210987654321"]
    assert account["Action"] == "lambda:GetLayerVersion"
    assert "210987654321" in json.dumps(account["Principal"])
    assert "lambda-toolkit-org-o-abc123def45" in statements
    # moto keeps no organization condition in the policy: the request says what was asked
    [for_org] = [p for name, p in calls if name == "AddLayerVersionPermission" and "OrganizationId" in p]
    assert (for_org["Principal"], for_org["OrganizationId"], for_org["VersionNumber"]) == ("*", "o-abc123def45", 1)
    err = capsys.readouterr().err
    assert "granted lambda:GetLayerVersion to account 210987654321" in err
    assert "granted lambda:GetLayerVersion to org o-abc123def45" in err


def test_the_arn_is_stored_in_an_ssm_parameter(
    aws: dict[str, Any], layer_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish("--zip", str(layer_zip), "--ssm-parameter", "/layers/lambda-toolkit/py312-x86_64") == 0
    arn = capsys.readouterr().out.strip()
    stored = aws["ssm"].get_parameter(Name="/layers/lambda-toolkit/py312-x86_64")["Parameter"]
    assert stored["Value"] == arn
    assert publish("--zip", str(layer_zip), "--ssm-parameter", "/layers/lambda-toolkit/py312-x86_64") == 0
    newer = capsys.readouterr().out.strip()
    assert newer.endswith(":2")
    assert aws["ssm"].get_parameter(Name="/layers/lambda-toolkit/py312-x86_64")["Parameter"]["Value"] == newer


def test_through_s3_the_upload_reports_bytes_and_percent(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws["s3"].create_bucket(Bucket="artifacts-bucket")
    big = make_zip(tmp_path / "big.zip", files=400)
    assert publish("--zip", str(big), "--s3-bucket", "artifacts-bucket") == 0
    err = capsys.readouterr().err
    size = big.stat().st_size
    assert f"uploaded {size:,} of {size:,} bytes (100%)" in err
    [key] = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket="artifacts-bucket")["Contents"]]
    assert key.startswith("lambda-toolkit/layers/lambda-toolkit-py312-x86_64/") and key.endswith(".zip")
    content = aws["lambda"].get_layer_version(LayerName="lambda-toolkit-py312-x86_64", VersionNumber=1)["Content"]
    assert content["CodeSize"] == size


def test_without_a_zip_the_layer_is_built_first_with_the_build_options(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    builds: list[layer.LayerSpec] = []

    def build_layer(spec: layer.LayerSpec, progress: Callable[[str], None]) -> dict[str, Any]:
        builds.append(spec)
        progress("building (test double)")
        make_zip(spec.output, python=spec.python, arch=spec.arch)
        return {"zipped_bytes": spec.output.stat().st_size, "files": 4}

    monkeypatch.setattr(layer, "build_layer", build_layer)
    assert publish("--python", "3.13", "--arch", "arm64", "--extras", "tracing") == 0
    [spec] = builds
    assert (spec.python, spec.arch, spec.extras) == ("3.13", "arm64", ("tracing",))
    out, err = capsys.readouterr()
    assert out.strip().endswith(":layer:lambda-toolkit-py313-arm64:1")
    assert err.index("building (test double)") < err.index("uploading")
    [found] = versions(aws, "lambda-toolkit-py313-arm64")
    assert (found["CompatibleRuntimes"], found["CompatibleArchitectures"]) == (["python3.13"], ["arm64"])


def test_a_zip_without_manifest_takes_runtimes_and_architectures_given(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = make_zip(tmp_path / "plain.zip", python=None)
    argv = ["--zip", str(plain), "--layer-name", "mine", "--runtimes", "python3.12", "--architectures", "arm64"]
    assert publish(*argv) == 0
    [found] = versions(aws, "mine")
    assert (found["CompatibleRuntimes"], found["CompatibleArchitectures"]) == (["python3.12"], ["arm64"])
    assert f"lambda-toolkit {__version__}" in found["Description"]


def test_access_denied_to_list_versions_does_not_stop_a_publish(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_call(monkeypatch, "before-call.lambda.ListLayerVersions", "AccessDeniedException", 403)
    assert publish("--zip", str(layer_zip)) == 0
    assert "cannot list the layer's versions (AccessDeniedException): going on" in capsys.readouterr().err
    assert len(versions(aws)) == 1


def test_a_failure_after_the_version_exists_still_prints_its_arn_and_exits_1(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_call(monkeypatch, "before-call.ssm.PutParameter", "AccessDeniedException", 403)
    assert publish("--zip", str(layer_zip), "--ssm-parameter", "/layers/toolkit") == 1
    out, err = capsys.readouterr()
    [published] = versions(aws)
    assert out == f"{published['LayerVersionArn']}\n"
    assert "error: writing the ARN to SSM parameter '/layers/toolkit' failed (AccessDeniedException" in err
    assert "Traceback" not in err


# -- bad input: one line, exit 2, nothing uploaded ------------------------------------------


def assert_one_clear_line(code: int, capsys: pytest.CaptureFixture[str], message: str) -> None:
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert message in err, err
    assert err.startswith("lambda-toolkit layer: error: ") or "lambda-toolkit layer" in err


def test_no_credentials_is_a_clear_error_before_any_build_or_upload(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setattr(layer, "build_layer", lambda *_: pytest.fail("built despite the bad input"))
    called = fail_call(monkeypatch, "none", "none")
    assert_one_clear_line(publish(), capsys, "no AWS credentials found")
    assert names(called) == []
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert versions(aws) == []


def test_an_unknown_profile_is_a_clear_error(
    aws: dict[str, Any], layer_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    assert_one_clear_line(publish("--zip", str(layer_zip), "--profile", "nope"), capsys, "--profile 'nope'")


def test_credentials_the_service_refuses_stop_before_the_upload(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    called = fail_call(monkeypatch, "before-call.lambda.ListLayerVersions", "UnrecognizedClientException", 403)
    code = publish("--zip", str(layer_zip))
    assert_one_clear_line(code, capsys, "AWS did not accept the credentials (UnrecognizedClientException)")
    assert "PublishLayerVersion" not in names(called)
    assert versions(aws) == []


def test_a_region_whose_lambda_refuses_the_runtime_stops_before_the_upload(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    called = fail_call(monkeypatch, "before-call.lambda.ListLayerVersions", "InvalidParameterValueException")
    code = publish("--zip", str(layer_zip))
    assert_one_clear_line(code, capsys, "Lambda in us-east-1 refuses runtime python3.12 or architecture x86_64")
    assert names(called) == ["ListLayerVersions"]
    assert versions(aws) == []


def test_a_zip_over_the_direct_upload_limit_needs_s3(
    aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_publish, "DIRECT_UPLOAD_LIMIT", 100)
    assert_one_clear_line(publish("--zip", str(layer_zip)), capsys, "pass --s3-bucket")
    assert versions(aws) == []


def test_no_region_is_a_clear_error(
    aws: dict[str, Any], layer_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    assert_one_clear_line(publish("--zip", str(layer_zip)), capsys, "no AWS region: pass --region")


BAD_INPUT = [
    (["--region", "us-east-7"], "region 'us-east-7' is not one where AWS Lambda is offered"),
    (["--region", "eu-wast-1"], "region 'eu-wast-1' is not one where AWS Lambda is offered"),
    (["--runtimes", "python3.99"], "--runtimes: 'python3.99' is not a Python runtime the Lambda API knows"),
    (["--runtimes", "nodejs22.x"], "--runtimes: 'nodejs22.x' is not a Python runtime"),
    (["--runtimes", "python3.11"], "the layer is built for Python 3.12"),
    (["--runtimes", "python3.12,python3.13"], "--runtimes must be python3.12"),
    (["--architectures", "arm64"], "the layer is built for x86_64"),
    (["--layer-name", "my layer"], "--layer-name 'my layer'"),
    (["--grant-account", "1234"], "--grant-account '1234': expected a 12-digit account id"),
    (["--grant-org", "org-1"], "--grant-org 'org-1'"),
    (["--ssm-parameter", "/aws/layer"], "--ssm-parameter '/aws/layer'"),
    (["--ssm-parameter", "layer arn"], "--ssm-parameter 'layer arn'"),
    (["--s3-key", "k.zip"], "--s3-key needs --s3-bucket"),
    (["--s3-bucket", "Not_A_Bucket"], "--s3-bucket 'Not_A_Bucket'"),
    (["--python", "3.12"], "--python is a build option: it cannot go with --zip"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT, ids=[message for _, message in BAD_INPUT])
def test_bad_input_is_one_clear_line_and_nothing_is_published(
    argv: list[str], message: str, aws: dict[str, Any], layer_zip: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    called = fail_call(monkeypatch, "none", "none")
    assert_one_clear_line(publish("--zip", str(layer_zip), *argv), capsys, message)
    assert names(called) == []  # not even the pre-flight call


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"not a zip", "is not a zip file"),
        ({"lambda_toolkit/__init__.py": ""}, "has no python/ folder at its root"),
        ({"python/x.py": ""}, "pass --runtimes and --architectures"),
        ({"python/x.py": "", "lambda-toolkit-layer.json": "{"}, "is not JSON"),
    ],
)
def test_a_bad_zip_is_one_clear_line(
    content: bytes | dict[str, str] | None, message: str, aws: dict[str, Any], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "layer.zip"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in content.items():
                archive.writestr(name, text)
    assert_one_clear_line(publish("--zip", str(path)), capsys, message)


def test_bad_build_options_fail_before_any_aws_check(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    called = fail_call(monkeypatch, "none", "none")
    assert_one_clear_line(publish("--python", "3.9"), capsys, "unknown Python version '3.9'")
    assert names(called) == []

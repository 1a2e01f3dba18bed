"""`lambda-toolkit serve`: real HTTP requests, through a trigger's event, to a handler and back.

Each test starts the command as a subprocess on 127.0.0.1 and a free port (``--port 0``:
the server picks one and prints it), waits for its "serving" line, talks to it with
httpx, and stops it with SIGTERM, reading what it wrote on stderr.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lambda_toolkit.cli.serve import build_event, response_parts
from tests.cli._serving import environment, serving

ROOT = Path(__file__).resolve().parents[2]

APP = textwrap.dedent(
    """
    import json, os, time
    from typing import Annotated

    from lambda_toolkit.http import App, Body, Header, Response

    app = App()
    LOADED = time.monotonic()  # the module is imported once, not per request


    @app.get("/items/{item_id}")
    def get_item(item_id: int, tag: list[str] = [], cookie: Annotated[str, Header()] = "") -> dict:
        print("a line the route prints")
        return {"item_id": item_id, "tags": tag, "cookie": cookie, "loaded": LOADED}


    @app.post("/blobs")
    def reverse(data: Annotated[bytes, Body()]) -> bytes:
        return data[::-1]


    @app.post("/notes")
    def note(text: Annotated[str, Body()]) -> dict:
        return {"text": text}


    @app.post("/login")
    def login() -> Response:
        return Response({"ok": True}, headers={"X-Trace": ["a", "b"]}, cookies=["session=s1; HttpOnly", "theme=dark"])


    def environment(event, context):
        names = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_LOG_GROUP_NAME", "_X_AMZN_TRACE_ID"]
        body = {name: os.environ.get(name) for name in names}
        body["request_id"] = context.aws_request_id
        body["remaining_ms"] = context.get_remaining_time_in_millis()
        body["source_ip"] = event["requestContext"]["http"]["sourceIp"]
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


    def plain(event, context):
        return {"answer": 42}


    def unserializable(event, context):
        return {"statusCode": 200, "body": object()}


    def decimal_answer(event, context):
        import decimal
        return {"statusCode": decimal.Decimal("201"), "body": "made"}


    def fail(event, context):
        raise ValueError("the database password is hunter2")


    def sleepy(event, context):
        time.sleep(3)
        return {"statusCode": 200, "body": "late"}


    def rest_shape(event, context):
        return {
            "statusCode": 201,
            "headers": {"X-Single": "one"},
            "multiValueHeaders": {"X-Multi": ["a", "b"], "Set-Cookie": ["a=1", "b=2"]},
            "body": event["multiValueQueryStringParameters"]["k"][0] + "|" + ",".join(
                event["multiValueHeaders"]["X-Dup"]
            ),
            "isBase64Encoded": False,
        }


    def alb_echo(event, context):
        return {
            "statusCode": 200,
            "statusDescription": "200 OK",
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"query": event["queryStringParameters"], "path": event["path"]}),
            "isBase64Encoded": False,
        }
    """
)
BROKEN = "raise RuntimeError('cannot start')\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "webapp.py").write_text(APP)
    (tmp_path / "broken.py").write_text(BROKEN)
    return tmp_path


def test_http_api_request_reaches_the_app_with_path_repeated_query_and_cookies(project: Path) -> None:
    with serving(project, "webapp:app") as server:
        response = httpx.get(
            f"{server.url}/items/7?tag=a&tag=b%20c",
            headers={"Cookie": "session=s1; theme=dark"},
        )
    assert response.status_code == 200
    body = response.json()
    assert body["item_id"] == 7
    assert body["tags"] == ["a", "b c"]
    # payload 2.0 moves cookies to their own list; the app joins them back for the header
    assert body["cookie"] == "session=s1; theme=dark"
    assert "a line the route prints" in server.stderr
    assert re.search(r"GET /items/7 200 [\d.]+ ms", server.stderr)
    assert "tag=" not in server.stderr  # the query string is not logged
    assert server.returncode == 0


def test_the_module_is_imported_once_and_each_request_gets_its_own_invocation(project: Path) -> None:
    with serving(project, "webapp:app") as server:
        first = httpx.get(f"{server.url}/items/1").json()
        second = httpx.get(f"{server.url}/items/2").json()
    assert first["loaded"] == second["loaded"]


def test_binary_bodies_go_both_ways_base64_encoded_in_the_event(project: Path) -> None:
    blob = bytes(range(256)) * 4
    with serving(project, "webapp:app") as server:
        response = httpx.post(f"{server.url}/blobs", content=blob, headers={"Content-Type": "image/png"})
        text = httpx.post(f"{server.url}/notes", content="héllo".encode(), headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == blob[::-1]
    assert text.json() == {"text": "héllo"}


def test_cookies_and_repeated_headers_of_the_answer_reach_the_client(project: Path) -> None:
    for trigger in ("api-gateway-http", "api-gateway-rest"):
        with serving(project, "webapp:app", "--trigger", trigger) as server:
            response = httpx.post(f"{server.url}/login")
        assert response.status_code == 200, trigger
        assert response.headers.get_list("set-cookie") == ["session=s1; HttpOnly", "theme=dark"], trigger
        assert response.json() == {"ok": True}
        assert response.cookies["theme"] == "dark"


def test_lambdas_environment_a_fresh_context_and_env_options(project: Path) -> None:
    (project / "vars.env").write_text("GREETING=from-file\n")
    with serving(
        project, "webapp:environment", "--env-file", "vars.env", "--env", "GREETING=hello", "--timeout-ms", "5000"
    ) as server:
        first = httpx.get(f"{server.url}/").json()
        second = httpx.get(f"{server.url}/").json()
    assert first["GREETING"] == "hello"
    assert first["AWS_LAMBDA_FUNCTION_NAME"] == "webapp"
    assert first["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/webapp"
    assert first["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert first["_X_AMZN_TRACE_ID"] != second["_X_AMZN_TRACE_ID"]
    assert first["request_id"] != second["request_id"]
    assert 4000 < first["remaining_ms"] <= 5000
    assert 4000 < second["remaining_ms"] <= 5000  # a fresh deadline per request
    assert first["source_ip"] == "127.0.0.1"


def test_http_api_takes_an_answer_without_status_code_as_a_json_body(project: Path) -> None:
    with serving(project, "webapp:plain") as server:
        response = httpx.get(f"{server.url}/anything")
    assert response.status_code == 200
    assert response.json() == {"answer": 42}


def test_a_handler_error_is_a_502_and_lambdas_error_payload_on_the_terminal(project: Path) -> None:
    with serving(project, "webapp:fail") as server:
        response = httpx.get(f"{server.url}/")
    assert response.status_code == 502
    assert "hunter2" not in response.text
    error = json.loads(next(line for line in server.stderr.splitlines() if line.startswith("{")))
    assert error["errorType"] == "ValueError"
    assert error["requestId"]
    assert not any("lambda_toolkit/cli" in frame for frame in error["stackTrace"])


def test_a_handler_past_its_timeout_answers_504(project: Path) -> None:
    with serving(project, "webapp:sleepy", "--timeout-ms", "300") as server:
        response = httpx.get(f"{server.url}/", timeout=10)
    assert response.status_code == 504
    assert "Task timed out after 0.30 seconds" in server.stderr


def test_rest_trigger_builds_multi_value_maps_and_sends_both_header_maps_back(project: Path) -> None:
    with serving(project, "webapp:rest_shape", "--trigger", "api-gateway-rest") as server:
        response = httpx.get(f"{server.url}/x?k=v%201", headers=[("X-Dup", "1"), ("X-Dup", "2")])
    assert response.status_code == 201
    assert response.text == "v 1|1,2"
    assert response.headers["x-single"] == "one"
    assert response.headers.get_list("x-multi") == ["a", "b"]
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_alb_trigger_passes_the_query_as_sent_and_the_app_decodes_it(project: Path) -> None:
    with serving(project, "webapp:alb_echo", "--trigger", "alb") as server:
        raw = httpx.get(f"{server.url}/p/q?name=a%20b").json()
    with serving(project, "webapp:app", "--trigger", "alb") as server:
        routed = httpx.get(f"{server.url}/items/3?tag=x%2Fy").json()
    assert raw == {"query": {"name": "a%20b"}, "path": "/p/q"}
    assert routed["tags"] == ["x/y"]


def test_function_url_trigger(project: Path) -> None:
    with serving(project, "webapp:app", "--trigger", "function-url") as server:
        response = httpx.get(f"{server.url}/items/5?tag=z", headers={"Cookie": "a=1"})
    assert response.json()["tags"] == ["z"]
    assert response.json()["cookie"] == "a=1"


def test_a_head_request_gets_the_headers_without_the_body(project: Path) -> None:
    with serving(project, "webapp:app") as server:
        response = httpx.head(f"{server.url}/items/1")
    assert response.status_code == 200
    assert response.content == b""


def _run_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambda_toolkit", *args],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "missing:app"], "cannot import module 'missing': no such module"),
        (["serve", "webapp:nothing"], "module 'webapp' has no attribute 'nothing'"),
        (["serve", "not a spec"], "handler must be MODULE:FUNCTION"),
        (["serve", "webapp:app", "--port", "70000"], "--port must be between 0 and 65535"),
        (["serve", "webapp:app", "--timeout-ms", "0"], "must be positive"),
        (["serve", "webapp:app", "--env", "_HANDLER=x"], "_HANDLER is reserved"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(project: Path, args: list[str], message: str) -> None:
    result = _run_cli(project, *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("lambda-toolkit serve: error: ")
    assert message in result.stderr


def test_a_module_that_fails_to_import_is_lambdas_init_error(project: Path) -> None:
    result = _run_cli(project, "serve", "broken:app")
    assert result.returncode == 1
    assert json.loads(result.stderr.strip().splitlines()[-1])["errorType"] == "Runtime.ImportModuleError"


def test_a_port_in_use_is_one_line_and_exit_code_2(project: Path) -> None:
    with serving(project, "webapp:app") as server:
        port = server.url.rpartition(":")[2]
        result = _run_cli(project, "serve", "webapp:app", "--port", port)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


# The conversions themselves, for shapes a real client cannot easily send.


@pytest.mark.parametrize("trigger", ["api-gateway-http", "api-gateway-rest", "alb", "function-url"])
def test_every_built_event_is_detected_as_its_trigger(trigger: str) -> None:
    from lambda_toolkit.events import detect

    event = build_event(trigger, "POST", "/a/b?x=1&x=2", [("Host", "localhost"), ("Content-Type", "text/csv")], b"a,b")
    assert detect(event) == trigger
    assert event["body"] == "a,b" and event["isBase64Encoded"] is False


def test_a_text_content_type_with_bytes_that_are_not_utf8_is_sent_base64() -> None:
    event = build_event("api-gateway-http", "POST", "/", [("Content-Type", "text/plain")], b"\xff\xfe")
    assert event["isBase64Encoded"] is True


@pytest.mark.parametrize(
    ("trigger", "response", "status"),
    [
        ("api-gateway-rest", {"answer": 42}, 502),
        ("alb", None, 502),
        ("api-gateway-http", {"statusCode": "abc"}, 502),
        ("api-gateway-http", {"statusCode": 200, "body": "!!", "isBase64Encoded": True}, 502),
        ("api-gateway-http", {"statusCode": "204"}, 204),
    ],
)
def test_answers_the_front_end_cannot_use_are_502(trigger: str, response: object, status: int) -> None:
    assert response_parts(trigger, response)[0] == status


def test_cookies_are_only_read_from_payload_2_answers() -> None:
    answer = {"statusCode": 200, "cookies": ["a=1"], "body": ""}
    assert ("Set-Cookie", "a=1") in response_parts("function-url", answer)[1]
    assert ("Set-Cookie", "a=1") not in response_parts("api-gateway-rest", answer)[1]


def test_hop_by_hop_headers_of_the_answer_are_dropped() -> None:
    answer = {"statusCode": 200, "headers": {"Content-Length": "999", "Connection": "close", "X-A": "1"}, "body": "x"}
    assert response_parts("api-gateway-http", answer)[1] == [("X-A", "1")]


def test_a_chunked_request_body_is_read_whole(project: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first part, "
        yield b"second part"

    with serving(project, "webapp:app") as server:
        response = httpx.post(f"{server.url}/notes", content=chunks(), headers={"Content-Type": "text/plain"})
    assert response.json() == {"text": "first part, second part"}


def test_expect_100_continue_is_answered_and_the_connection_closed_after_the_answer(project: Path) -> None:
    import socket

    with serving(project, "webapp:app") as server:
        port = int(server.url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(
                b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"
            )
            assert client.recv(1024).startswith(b"HTTP/1.1 100 Continue")
            client.sendall(b"hello")
            answer = b""
            while chunk := client.recv(65536):  # the server closes the connection after the answer
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b'{"text":"hello"}')


def test_a_malformed_content_length_is_a_400(project: Path) -> None:
    import socket

    with serving(project, "webapp:app") as server:
        port = int(server.url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n")
            answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_the_root_path_of_a_rest_api_is_not_a_proxy_path() -> None:
    event = build_event("api-gateway-rest", "GET", "/", [], b"")
    assert event["resource"] == "/" and event["pathParameters"] is None
    event = build_event("api-gateway-rest", "GET", "/a/b", [], b"")
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b"}


def test_building_the_parser_imports_neither_the_http_server_nor_the_router() -> None:
    # Every command (invoke included) builds the parser, which imports the serve module.
    code = (
        "import sys; from lambda_toolkit.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('http.server', 'socketserver', 'lambda_toolkit.http') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_an_answer_lambda_cannot_serialise_is_a_502_and_a_marshal_error(project: Path) -> None:
    with serving(project, "webapp:unserializable") as server:
        response = httpx.get(f"{server.url}/")
    assert response.status_code == 502
    assert '"errorType": "Runtime.MarshalError"' in server.stderr


def test_the_answer_is_serialised_as_lambda_does_decimal_included(project: Path) -> None:
    with serving(project, "webapp:decimal_answer") as server:
        response = httpx.get(f"{server.url}/")
    assert response.status_code == 201
    assert response.text == "made"

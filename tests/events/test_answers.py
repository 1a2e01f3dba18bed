"""The answer to an invalid HTTP request: one shape for parse_event and validate."""

from __future__ import annotations

import json

import pytest

from lambda_toolkit.events import invalid_request_response


@pytest.mark.parametrize(("status", "line"), [(400, "400 Bad Request"), (422, "422 Unprocessable Entity")])
def test_an_alb_answer_carries_the_status_line_alb_requires(status: int, line: str) -> None:
    answer = invalid_request_response("alb", status, [{"path": "body.id", "message": "required"}])
    assert answer["statusCode"] == status
    assert answer["statusDescription"] == line


def test_other_triggers_get_a_json_body_listing_the_errors_and_no_status_line() -> None:
    answer = invalid_request_response("api-gateway-http", 422, [{"path": "body.id", "message": "required"}])
    assert "statusDescription" not in answer
    assert answer["headers"] == {"content-type": "application/json"}
    assert answer["isBase64Encoded"] is False
    assert json.loads(answer["body"]) == {
        "message": "the request is not valid",
        "errors": [{"path": "body.id", "message": "required"}],
    }

"""Reading a request out of any HTTP trigger's event, and shaping the answer it expects.

The app does not validate the whole event into the events layer's pydantic model on every
request: it reads the handful of fields routing needs straight from the dict (method,
path, headers, query, body), checking their types, so a malformed event answers 400 and
a route that never asks for the full model never pays for it. A route that does ask (a
parameter typed as ``APIGatewayRestEvent``...) gets it from ``lambda_toolkit.events.parse``.
"""

from __future__ import annotations

from lambda_toolkit.http._errors import HTTPError, _reason

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["HttpRequest", "read_request", "shape_response"]


class HttpRequest:
    """What routing and parameter binding read from an event, whatever the trigger.

    ``headers`` maps lower-cased names to their values, ``query`` names to their values
    (decoded), both in arrival order. ``multi_value`` says the trigger wants multi-value
    headers back (REST, ALB with multi-value headers on).
    """

    __slots__ = (
        "_body",
        "body",
        "event",
        "headers",
        "is_base64",
        "method",
        "multi_value",
        "path",
        "query",
        "route",
        "trigger",
    )

    def __init__(
        self,
        *,
        trigger: str,
        event: Mapping[str, Any],
        method: str,
        path: str,
        headers: dict[str, list[str]],
        query: dict[str, list[str]],
        body: str | None,
        is_base64: bool,
        multi_value: bool,
    ) -> None:
        self.trigger = trigger
        self.event = event
        self.method = method
        self.path = path
        self.headers = headers
        self.query = query
        self.body = body
        self.is_base64 = is_base64
        self.multi_value = multi_value
        self._body: bytes | None = None
        self.route: str | None = None  # the matched template, for log lines (never the raw path)

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (any case), or None."""
        values = self.headers.get(name.lower())
        return values[-1] if values else None

    def raw_body(self) -> bytes:
        """The body as bytes (base64-decoded when flagged); 400 when it is not valid base64."""
        if self._body is None:
            body = self.body
            if not body:
                self._body = b""
            elif self.is_base64:
                from lambda_toolkit.events.decoding import b64decode

                try:
                    self._body = b64decode(body, "body", source=self.trigger)
                except ValueError:
                    raise HTTPError(400, "The request body is not valid base64.") from None
            else:
                self._body = body.encode("utf-8", "surrogatepass")
        return self._body


def _bad(what: str) -> HTTPError:
    return HTTPError(400, f"Malformed request: {what}.")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _bad(f"{what} is not text")
    return value


def _values_map(single: Any, multi: Any, what: str, *, lower: bool, decode: bool = False) -> dict[str, list[str]]:
    """Merge a single-value and a multi-value map (multi wins), accepting lists in the
    single map (some test tools and Lattice send them) and refusing anything else."""
    if multi is None and not decode and type(single) is dict:
        # The common shape (HTTP APIs, function URLs): one text value per name.
        fast: dict[str, list[str]] = {}
        for name, value in single.items():
            if type(name) is not str or type(value) is not str:
                break
            key = name.lower() if lower else name
            if key in fast:
                fast[key].append(value)
            else:
                fast[key] = [value]
        else:
            return fast
    merged: dict[str, list[str]] = {}
    for source, is_multi in ((single, False), (multi, True)):
        if source is None:
            continue
        if not isinstance(source, dict):
            raise _bad(f"{what} is not a map")
        from_source: dict[str, list[str]] = {}
        for name, value in source.items():
            if not isinstance(name, str):
                raise _bad(f"a {what} name is not text")
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(item, str) for item in values):
                raise _bad(f"{what} {name!r} has a value that is not text")
            key = name.lower() if lower else name
            if decode:
                from urllib.parse import unquote_plus

                key = unquote_plus(key)
                values = [unquote_plus(item) for item in values]
            from_source.setdefault(key, []).extend(values)
        if is_multi:
            merged.update(from_source)
        else:
            for key, values in from_source.items():
                merged.setdefault(key, []).extend(values)
    return merged


def _body_fields(event: Mapping[str, Any], body_key: str, flag_key: str) -> tuple[str | None, bool]:
    body = event.get(body_key)
    if body is not None and not isinstance(body, str):
        raise _bad("the body is not a string")
    flag = event.get(flag_key, False)
    if not isinstance(flag, bool):
        raise _bad(f"{flag_key} is not a boolean")
    return body, flag


def _context(event: Mapping[str, Any]) -> Mapping[str, Any]:
    context = event.get("requestContext")
    if not isinstance(context, dict):
        raise _bad("requestContext is missing")
    return context


def read_request(event: Mapping[str, Any], trigger: str) -> HttpRequest:
    """The request in ``event`` of ``trigger``; HTTPError 400 when a field has the wrong type."""
    multi_value = False
    if trigger in ("api-gateway-http", "function-url"):
        http = _context(event).get("http")
        if not isinstance(http, dict):
            raise _bad("requestContext.http is missing")
        method = _text(http.get("method"), "the method")
        path = _text(event.get("rawPath"), "rawPath")
        headers = _values_map(event.get("headers"), None, "header", lower=True)
        cookies = event.get("cookies")
        if cookies is not None:
            if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
                raise _bad("cookies is not a list of text")
            headers["cookie"] = ["; ".join(cookies)]
        raw_query = event.get("rawQueryString") or ""
        if raw_query:
            from urllib.parse import parse_qsl

            query: dict[str, list[str]] = {}
            for name, value in parse_qsl(_text(raw_query, "rawQueryString"), keep_blank_values=True):
                query.setdefault(name, []).append(value)
        else:
            query = _values_map(event.get("queryStringParameters"), None, "query parameter", lower=False)
        body, is_b64 = _body_fields(event, "body", "isBase64Encoded")
    elif trigger in ("api-gateway-rest", "alb"):
        _context(event)
        method = _text(event.get("httpMethod"), "httpMethod")
        path = _text(event.get("path"), "path")
        headers = _values_map(event.get("headers"), event.get("multiValueHeaders"), "header", lower=True)
        # ALB hands query strings over as the client sent them (still percent-encoded).
        query = _values_map(
            event.get("queryStringParameters"),
            event.get("multiValueQueryStringParameters"),
            "query parameter",
            lower=False,
            decode=trigger == "alb",
        )
        body, is_b64 = _body_fields(event, "body", "isBase64Encoded")
        multi_value = trigger == "api-gateway-rest" or event.get("multiValueHeaders") is not None
    elif trigger == "vpc-lattice":
        method = _text(event.get("method"), "method")
        path = _text(event.get("raw_path"), "raw_path")
        query = _values_map(event.get("query_string_parameters"), None, "query parameter", lower=False)
        if "?" in path:  # raw_path may carry the query string itself
            path, _, raw_query = path.partition("?")
            if not query:
                from urllib.parse import parse_qsl

                for name, value in parse_qsl(raw_query, keep_blank_values=True):
                    query.setdefault(name, []).append(value)
        headers = _values_map(event.get("headers"), None, "header", lower=True)
        body, is_b64 = _body_fields(event, "body", "is_base64_encoded")
    elif trigger == "vpc-lattice-v2":
        method = _text(event.get("method"), "method")
        path = _text(event.get("path"), "path")
        headers = _values_map(None, event.get("headers"), "header", lower=True)
        query = _values_map(None, event.get("queryStringParameters"), "query parameter", lower=False)
        body, is_b64 = _body_fields(event, "body", "isBase64Encoded")
    else:
        raise _bad(f"{trigger} is not an HTTP trigger")
    return HttpRequest(
        trigger=trigger,
        event=event,
        method=method.upper(),
        path=path,
        headers=headers,
        query=query,
        body=body,
        is_base64=is_b64,
        multi_value=multi_value,
    )


def decode_segment(segment: str) -> str:
    """A path segment percent-decoded (``%2F`` stays inside the segment: paths are split first)."""
    if "%" not in segment:
        return segment
    from urllib.parse import unquote

    return unquote(segment)


def shape_response(
    request: HttpRequest | None,
    trigger: str,
    status: int,
    headers: list[tuple[str, str]],
    cookies: list[str],
    body: str,
    is_base64: bool,
) -> dict[str, Any]:
    """The dict ``trigger`` expects as the answer."""
    answer: dict[str, Any] = {"statusCode": status}
    if trigger in ("api-gateway-http", "function-url"):
        answer["headers"] = _joined(headers)
        if cookies:
            answer["cookies"] = list(cookies)
    elif trigger == "api-gateway-rest" or (trigger == "alb" and request is not None and request.multi_value):
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
        if cookies:
            multi["Set-Cookie"] = list(cookies)
        answer["multiValueHeaders"] = multi
    else:
        # ALB (single-value mode) and VPC Lattice take one value per header; Set-Cookie
        # cannot be comma-joined, so only the last cookie fits.
        single = _joined(headers)
        if cookies:
            single["Set-Cookie"] = cookies[-1]
        answer["headers"] = single
    if trigger in ("alb", "vpc-lattice", "vpc-lattice-v2"):
        answer["statusDescription"] = f"{status} {_reason(status)}"
    answer["body"] = body
    answer["isBase64Encoded"] = is_base64
    return answer


def _joined(headers: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined

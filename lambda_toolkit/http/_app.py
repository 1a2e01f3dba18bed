"""Router and App: route registration, dispatch, and the Lambda handler for HTTP triggers."""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, InvalidEventError
from lambda_toolkit.core.middleware import Middleware, apply_middleware
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.events import HTTP_TRIGGERS, detect
from lambda_toolkit.http._cors import CORS
from lambda_toolkit.http._errors import HTTPError, RequestValidationError, status_of
from lambda_toolkit.http._request import (
    HttpRequest,
    decode_segment,
    read_request,
    shape_response,
)
from lambda_toolkit.http._response import JSON_TYPE, Response, encode_body, to_json
from lambda_toolkit.http._routing import MAX_PATH_LENGTH, RouteTrie, Template, split_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    from lambda_toolkit.http._params import RoutePlan

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["App", "Route", "Router"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_TEXT_TYPES = ("json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv")
_INTERNAL_ERROR = {"detail": "Internal Server Error"}


class Route:
    """One registered route: its template, methods, function and parameter plan."""

    __slots__ = ("fn", "methods", "plan", "status", "template")

    def __init__(
        self, template: Template, methods: tuple[str, ...], fn: Callable[..., Any], plan: RoutePlan, status: int
    ) -> None:
        self.template = template
        self.methods = methods
        self.fn = fn
        self.plan = plan
        self.status = status

    def __repr__(self) -> str:
        return f"Route({'|'.join(self.methods)} {self.template.text})"


def _methods(methods: Iterable[str]) -> tuple[str, ...]:
    if isinstance(methods, str):
        methods = [methods]
    found = tuple(dict.fromkeys(method.upper() for method in methods))
    unknown = [method for method in found if method not in METHODS]
    if not found or unknown:
        raise ConfigurationError(f"route methods must be among {', '.join(METHODS)}, got {list(methods)}")
    return found


def _is_async(fn: Callable[..., Any]) -> bool:
    import inspect

    return inspect.iscoroutinefunction(inspect.unwrap(fn)) or inspect.iscoroutinefunction(fn)


class Router:
    """A group of routes, included into an App with ``app.include(router, prefix=...)``."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._trie = RouteTrie()

    @property
    def routes(self) -> list[Route]:
        """The registered routes, in registration order."""
        return list(self._routes)

    def route(self, path: str, methods: Iterable[str] = ("GET",), *, status: int = 200) -> Callable[[F], F]:
        """Register the decorated function for ``methods`` on ``path`` (``{name}`` and a
        trailing ``{name+}`` are path parameters); ``status`` is the success status."""
        template = Template(path)
        allowed = _methods(methods)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ConfigurationError(f"route {path}: status must be an HTTP status code, got {status!r}")

        def decorate(fn: F) -> F:
            if not callable(fn):
                raise ConfigurationError(f"route {path}: can only decorate a function")
            label = f"{'|'.join(allowed)} {template.text}"
            if _is_async(fn):
                raise ConfigurationError(f"route {label}: async functions are not supported; use a plain function")
            # signature reading (inspect, typing) is paid by the first route, not at import
            from lambda_toolkit.http._params import plan_route

            plan = plan_route(fn, template.parameters, label)
            self._add(Route(template, allowed, fn, plan, status))
            return fn

        return decorate

    def include(self, router: Router, prefix: str = "") -> None:
        """Add ``router``'s routes under ``prefix`` (static segments only, e.g. ``"/v1"``)."""
        if not isinstance(router, Router) or isinstance(router, App) or router is self:
            raise ConfigurationError("include takes another Router (not an App)")
        prefix_template = Template(prefix or "/")
        if prefix_template.parameters:
            raise ConfigurationError(f"include prefix {prefix!r} cannot have path parameters")
        for route in router.routes:
            self._add(Route(route.template.with_prefix(prefix), route.methods, route.fn, route.plan, route.status))

    def prepare(self) -> None:
        """Build every route's validators now instead of on its first request (this imports
        pydantic); a type pydantic cannot validate is a ConfigurationError here."""
        for route in self._routes:
            route.plan.prepare()

    def _add(self, route: Route) -> None:
        self._trie.add(route.template, route.methods, route)
        self._routes.append(route)

    def get(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a GET route (HEAD requests are answered by it too, without a body)."""
        return self.route(path, ("GET",), status=status)

    def post(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a POST route."""
        return self.route(path, ("POST",), status=status)

    def put(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a PUT route."""
        return self.route(path, ("PUT",), status=status)

    def patch(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a PATCH route."""
        return self.route(path, ("PATCH",), status=status)

    def delete(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a DELETE route."""
        return self.route(path, ("DELETE",), status=status)

    def head(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register a HEAD route."""
        return self.route(path, ("HEAD",), status=status)

    def options(self, path: str, *, status: int = 200) -> Callable[[F], F]:
        """Register an OPTIONS route (CORS preflights never reach it when the app has CORS)."""
        return self.route(path, ("OPTIONS",), status=status)


class _Answer:
    __slots__ = ("body", "cookies", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], cookies: list[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.cookies = cookies
        self.body = body


def _json_answer(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> _Answer:
    return _Answer(status, [("Content-Type", JSON_TYPE), *headers], [], to_json(payload).encode("utf-8"))


class App(Router):
    """An HTTP application and the Lambda handler for it: ``handler = app``.

    ``app(event, context)`` answers API Gateway REST (v1) and HTTP API (v2), ALB, function
    URL and VPC Lattice (v1, v2) events, each in the shape its trigger expects.

    ``cors``: a CORS policy (preflights answered, headers on every answer). ``compress``:
    gzip bodies of at least ``compress_min_size`` bytes for clients that accept it.
    ``raise_unhandled``: let an unexpected exception propagate instead of answering 500
    (the layers around the app then see it; the client gets the trigger's own 502).
    """

    def __init__(
        self,
        *,
        cors: CORS | None = None,
        compress: bool = False,
        compress_min_size: int = 1024,
        raise_unhandled: bool = False,
    ) -> None:
        super().__init__()
        if cors is not None and not isinstance(cors, CORS):
            raise ConfigurationError(f"App cors must be a CORS(...) policy, got {type(cors).__name__}")
        self._cors = cors
        self._compress = compress
        self._compress_min_size = compress_min_size
        self._raise_unhandled = raise_unhandled
        self._exception_handlers: dict[type[BaseException], Callable[[Any], Any]] = {}
        # Decorators around the app name what they wrap (idempotency namespaces its keys
        # with the handler's qualified name), as they would a handler function.
        self.__name__ = self.__qualname__ = "app"
        # The app is a handler like any other: it opens the invocation state (or joins the
        # one the decorators around it opened).
        self._handler = apply_middleware(Middleware("http.App", mapping_event=True), self._handle)

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        """The Lambda handler: route ``event`` and answer in its trigger's shape."""
        result: dict[str, Any] = self._handler(event, context)
        return result

    def openapi(
        self, *, title: str, version: str, description: str | None = None, servers: list[str] | None = None
    ) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the app's routes, as a dict ready for ``json.dumps``
        (schemas from pydantic: calling this imports it)."""
        from lambda_toolkit.http._openapi import openapi_document

        self.prepare()
        return openapi_document(self._routes, title=title, version=version, description=description, servers=servers)

    def exception_handler(self, exc_type: type[BaseException]) -> Callable[[F], F]:
        """Register the decorated ``handler(exc)`` for ``exc_type`` (and subclasses); it
        returns a Response (or a value rendered like a route's, with status 200)."""
        if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException)):
            raise ConfigurationError(f"exception_handler takes an exception class, got {exc_type!r}")

        def decorate(fn: F) -> F:
            self._exception_handlers[exc_type] = fn
            return fn

        return decorate

    # -- per request --------------------------------------------------------------------

    def _handle(self, event: Any, context: Any) -> dict[str, Any]:
        trigger = detect(event)
        if trigger not in HTTP_TRIGGERS:
            raise InvalidEventError(f"http.App: the event is not an HTTP request (detected trigger: {trigger})")
        request: HttpRequest | None = None
        try:
            request = read_request(event, trigger)
            answer = self._dispatch(request)
        except Exception as exc:
            answer = self._answer_error(exc, request)
        result = self._finish(request, trigger, answer)
        if answer.status >= 400:
            # An error answer (4xx or 5xx) is not a result to keep: a layer that keeps
            # results (idempotency around the app) must not store it, so that a retry (the
            # client's fixed request, or the same one once the outage is over) runs again.
            # The core's field for "an answer given in place of a result" is the fallback.
            invocation = current_invocation()
            if invocation is not None:
                invocation.fallback_response = result
        return result

    def _dispatch(self, request: HttpRequest) -> _Answer:
        if len(request.path) > MAX_PATH_LENGTH:
            raise HTTPError(414, "The request path is too long.")
        segments = [decode_segment(segment) for segment in split_path(request.path)]
        method = request.method
        cors = self._cors
        if (
            method == "OPTIONS"
            and cors is not None
            and request.header("access-control-request-method") is not None
            and request.header("origin") is not None
        ):
            return self._preflight(request, segments, cors)
        allowed: set[str] = set()
        for match in self._trie.matches(segments):
            route = match.routes.get(method)
            head_only = False
            if route is None and method == "HEAD":
                route, head_only = match.routes.get("GET"), True
            if route is not None:
                request.route = route.template.text
                if (invocation := current_invocation()) is not None:  # logging and tracing read it
                    invocation.route = f"{method} {request.route}"
                values = dict(zip(route.template.parameters, match.values, strict=True))
                answer = self._call(route, route.plan.bind(request, values))
                if head_only:
                    answer.body = b""
                return answer
            allowed.update(match.routes)
        if allowed:
            if "GET" in allowed:
                allowed.add("HEAD")
            raise HTTPError(405, "Method Not Allowed", {"Allow": ", ".join(sorted(allowed))})
        raise HTTPError(404, "Not Found")

    def _preflight(self, request: HttpRequest, segments: list[str], cors: CORS) -> _Answer:
        methods: set[str] = set()
        for match in self._trie.matches(segments):
            methods.update(match.routes)
        if not methods:
            raise HTTPError(404, "Not Found")
        headers = cors.preflight_headers(request.header("origin"), sorted(methods))
        return _Answer(204, headers, [], b"")

    def _call(self, route: Route, kwargs: dict[str, Any]) -> _Answer:
        result = route.fn(**kwargs)
        if isinstance(result, Response):
            return self._from_response(result)
        if result is None:
            return _Answer(204, [], [], b"")
        data = route.plan.render_json(result)
        if data is not None:
            return _Answer(route.status, [("Content-Type", JSON_TYPE)], [], data)
        body, content_type = encode_body(route.plan.render(result), None)
        return _Answer(route.status, [("Content-Type", content_type or JSON_TYPE)], [], body)

    def _from_response(self, response: Response) -> _Answer:
        headers: list[tuple[str, str]] = []
        given_type = response.content_type
        for name, value in response.headers.items():
            if name.lower() == "content-type" and isinstance(value, str):
                given_type = given_type or value
                continue
            for item in value if isinstance(value, list) else [value]:
                headers.append((name, item))
        body, content_type = encode_body(response.body, given_type)
        if content_type is not None and (response.body is not None or given_type is not None):
            headers.insert(0, ("Content-Type", content_type))
        return _Answer(response.status, headers, list(response.cookies), body)

    def _answer_error(self, exc: Exception, request: HttpRequest | None, *, in_handler: bool = False) -> _Answer:
        if not in_handler:
            for cls in type(exc).__mro__:
                handler = self._exception_handlers.get(cls)
                if handler is not None:
                    try:
                        result = handler(exc)
                    except Exception as raised:
                        return self._answer_error(raised, request, in_handler=True)
                    if isinstance(result, Response):
                        return self._from_response(result)
                    if result is None:
                        return _Answer(204, [], [], b"")
                    body, content_type = encode_body(result, None)
                    return _Answer(200, [("Content-Type", content_type or JSON_TYPE)], [], body)
        if isinstance(exc, RequestValidationError):
            return _json_answer(422, {"detail": exc.errors}, exc.headers.items())
        if isinstance(exc, HTTPError):
            return _json_answer(exc.status, {"detail": exc.detail}, exc.headers.items())
        known = status_of(exc)
        if known is not None:
            status, detail, retry_after = known
            extra = [("Retry-After", str(retry_after))] if retry_after is not None else []
            return _json_answer(status, {"detail": detail}, extra)
        if self._raise_unhandled:
            raise exc
        # The client learns nothing about the failure; the log line names the route (not
        # the raw path, which can carry ids) and keeps the traceback.
        where = "an unparsed request"
        if request is not None:
            where = f"{request.method} {request.route or '(no route)'}"
        import logging  # the error path only: logging costs milliseconds at cold start

        logging.getLogger("lambda_toolkit.http").error(
            "unhandled %s while answering %s", type(exc).__name__, where, exc_info=exc
        )
        return _json_answer(500, _INTERNAL_ERROR)

    def _finish(self, request: HttpRequest | None, trigger: str, answer: _Answer) -> dict[str, Any]:
        headers = answer.headers
        if self._cors is not None and request is not None:
            headers.extend(self._cors.headers_for(request.header("origin")))
        body = answer.body
        content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
        is_text = not body or content_type.startswith("text/") or any(kind in content_type for kind in _TEXT_TYPES)
        if (
            self._compress
            and request is not None
            and len(body) >= self._compress_min_size
            and "gzip" in (request.header("accept-encoding") or "")
            and not any(name.lower() == "content-encoding" for name, _ in headers)
        ):
            import gzip

            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))
            is_text = False
        if is_text:
            try:
                return shape_response(
                    request, trigger, answer.status, headers, answer.cookies, body.decode("utf-8"), False
                )
            except UnicodeDecodeError:
                pass
        import base64

        text = base64.b64encode(body).decode("ascii")
        return shape_response(request, trigger, answer.status, headers, answer.cookies, text, True)

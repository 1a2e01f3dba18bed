"""The OpenAPI 3.1 description of an App, from the same route plans that serve requests.

Schemas come from pydantic (JSON Schema 2020-12, which OpenAPI 3.1 uses as is); models
are shared under ``components.schemas`` and referenced from where they are used.
"""

from __future__ import annotations

import inspect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.http._app import Route
    from lambda_toolkit.http._params import Param

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"
_VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
}
_ERROR = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}


class _Schemas:
    """JSON Schemas of types, with the models they define gathered for ``components``."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def of(self, annotation: Any, *, mode: str = "validation") -> dict[str, Any]:
        from pydantic import TypeAdapter

        schema: dict[str, Any] = TypeAdapter(annotation).json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and schema.get("type") == "object" and "title" in schema:
            # a model, dataclass or TypedDict: described once, referenced from each use
            self.components[annotation.__name__] = schema
            return {"$ref": _REF.format(model=annotation.__name__)}
        return schema


def _parameter(param: Param, schemas: _Schemas) -> dict[str, Any]:
    location = {"path": "path", "query": "query", "header": "header"}[param.kind]
    found: dict[str, Any] = {
        "name": param.wire,
        "in": location,
        "required": param.kind == "path" or param.required,
        "schema": schemas.of(param.annotation),
    }
    if not param.required and param.kind != "path":
        try:
            from pydantic_core import to_jsonable_python

            found["schema"]["default"] = to_jsonable_python(param.default)
        except Exception:  # a default with no JSON form is left out of the document
            pass
    return found


def _request_body(param: Param, schemas: _Schemas) -> dict[str, Any]:
    if param.kind == "raw-body":
        content = {
            "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        }
    elif param.kind == "text-body":
        content = {"text/plain": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": schemas.of(param.annotation)}}
    return {"required": param.required, "content": content}


def _success(route: Route, schemas: _Schemas) -> tuple[str, dict[str, Any]]:
    returned = route.plan.returns
    plan_type = route.plan.response_type
    if returned is None or returned is type(None):
        return "204", {"description": "No Content"}
    if returned is bytes:
        content: dict[str, Any] = {"application/octet-stream": {"schema": {"type": "string"}}}
    elif returned is str:
        content = {"text/plain": {"schema": {"type": "string"}}}
    elif plan_type is not None:
        content = {"application/json": {"schema": schemas.of(plan_type, mode="serialization")}}
    else:
        return str(route.status), {"description": "Successful Response"}
    return str(route.status), {"description": "Successful Response", "content": content}


def _operation(route: Route, method: str, schemas: _Schemas, taken: set[str]) -> dict[str, Any]:
    fn = inspect.unwrap(route.fn)
    operation_id = getattr(fn, "__name__", "route")
    if operation_id in taken or operation_id == "<lambda>":
        operation_id = f"{operation_id.strip('<>')}_{method.lower()}_{len(taken)}"
    taken.add(operation_id)
    operation: dict[str, Any] = {"operationId": operation_id}
    doc = inspect.getdoc(fn)
    if doc:
        summary, _, description = doc.partition("\n\n")
        operation["summary"] = summary.replace("\n", " ")
        if description:
            operation["description"] = description
    params = [p for p in route.plan.params if p.kind in ("path", "query", "header")]
    if params:
        operation["parameters"] = [_parameter(p, schemas) for p in params]
    body = next((p for p in route.plan.params if p.kind in ("body", "raw-body", "text-body")), None)
    if body is not None:
        operation["requestBody"] = _request_body(body, schemas)
    status, success = _success(route, schemas)
    responses: dict[str, Any] = {status: success}
    if params or (body is not None and body.kind == "body"):
        responses["422"] = {
            "description": "Validation Error",
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="ValidationError")}}},
        }
        schemas.components["ValidationError"] = _VALIDATION_ERROR
    operation["responses"] = responses
    return operation


def openapi_document(
    routes: list[Route], *, title: str, version: str, description: str | None = None, servers: list[str] | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``."""
    schemas = _Schemas()
    taken: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        # OpenAPI has no greedy parameter: {key+} is written {key} (API Gateway's own
        # OpenAPI import reads {key+} as the greedy form; tools that do not, see one segment).
        template = "/" + "/".join(
            f"{{{name}}}" if name is not None else segment
            for segment, name in zip(route.template.segments, route.template.names, strict=True)
        )
        for method in route.methods:
            paths.setdefault(template, {})[method.lower()] = _operation(route, method, schemas, taken)
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"openapi": "3.1.0", "info": info, "paths": paths}
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    if schemas.components:
        document["components"] = {"schemas": dict(sorted(schemas.components.items()))}
    return document

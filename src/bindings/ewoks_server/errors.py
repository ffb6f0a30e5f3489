"""Error responses: every refusal is JSON naming what was wrong, never a traceback.

Body of every error: {"message": ..., "field": ... or null, "type": ..., plus "identifier" and
"node_id" when they apply}. Request validation errors (422) keep pydantic's "detail" list and add
"message" and "field" of the first error.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ewoks_core.errors import EwoksError, node_label

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered with `status` and a JSON body."""

    def __init__(self, status: int, message: str, *, field: Optional[str] = None, type: str = "request",
                 identifier: Optional[str] = None, node_id: Any = None, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.status = status
        self.body: Dict[str, Any] = {"message": message, "field": field, "type": type}
        if identifier is not None:
            self.body["identifier"] = identifier
        if node_id is not None:
            self.body["node_id"] = node_label(node_id)
        self.headers = headers


def from_ewoks_error(error: EwoksError, status: int = 422, field_prefix: str = "") -> ApiError:
    """An EwoksError (bad workflow, unknown task, bad option...) as a 4xx naming its node and field."""
    field = error.field
    if field and field_prefix:
        field = f"{field_prefix}.{field}"
    return ApiError(status, str(error), field=field or field_prefix or None, type="workflow", node_id=error.node_id)


def not_found(kind: str, identifier: str) -> ApiError:
    return ApiError(404, f"{kind.capitalize()} '{identifier}' is not found.", type=kind, identifier=identifier)


def _loc(loc: Any) -> str:
    parts = [str(p) for p in loc or ()]
    return ".".join(parts)


def install_handlers(app: FastAPI) -> None:
    """JSON bodies for our errors, validation errors, HTTP errors and anything unexpected."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(EwoksError)
    async def _ewoks_error(request: Request, exc: EwoksError) -> JSONResponse:
        error = from_ewoks_error(exc)
        return JSONResponse(error.body, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(exc.errors(), custom_encoder={Exception: str, bytes: lambda b: b.decode("latin1")})
        first = errors[0] if errors else {}
        field = _loc(first.get("loc"))
        message = f"{field}: {first.get('msg', 'invalid value')}" if field else first.get("msg", "invalid request")
        return JSONResponse({"message": message, "field": field or None, "type": "request", "detail": errors},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"message": str(exc.detail), "field": None, "type": "request"},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error in %s %s", request.method, request.url.path)
        return JSONResponse({"message": f"internal error: {type(exc).__name__} (see the server log)",
                             "field": None, "type": "server"}, status_code=500)

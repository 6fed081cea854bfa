"""Every error answers JSON ``{"error": ..., "errors": {field: [msg]}}``; never an HTML 500 page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger("commentq.errors")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}


def error_response(
    status: int, message: str, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = errors
    resp = jsonify(body)
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _respond(
    status: int, message: str, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    """JSON, except for a browser's plain form post, which gets a readable HTML page (see pages.py)."""
    # Imported here: the pages import the public API, which imports this module.
    from service.web.pages import html_form_errors

    resp = html_form_errors(status, message, errors or {}, headers or {})
    if resp is not None:
        return resp
    return error_response(status, message, errors, headers)


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages to ``{field: [msg, ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(flatten(value, name))
            else:
                out[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    else:
        out[prefix or "_schema"] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    return out


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return _respond(exc.status, exc.message, exc.errors, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        errors = flatten(exc.messages)
        names = ", ".join(errors)
        if request.method in ("GET", "HEAD"):  # only query strings are loaded by schemas on a GET
            message = f"Invalid query parameter{'s' if len(errors) > 1 else ''}: {names}."
        elif request.endpoint == "public.submit_comment":
            message = "The comment has invalid fields."
        else:
            message = f"The request has invalid fields: {names}."
        return _respond(422, message, errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        if exc.code == 413:
            # The body is over the limit: nothing after this may read it again (request.form would
            # raise RequestEntityTooLarge inside this handler, a 500).
            g.body_unreadable = True
        message = {
            413: f"Request body too large (limit {app.config.get('MAX_CONTENT_LENGTH')} bytes).",
            404: "Not found.",
            405: f"Method {request.method} not allowed here.",
        }.get(exc.code or 500, exc.description or exc.name)
        errors = None
        if exc.code == 400 and request.is_json:
            # Flask's get_json() on a body that is not JSON: say so, not "the browser sent ...".
            message = "Malformed JSON body."
            errors = {"_schema": ["The request body is not valid JSON."]}
        return _respond(exc.code or 500, message, errors, headers=headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(DBAPIError)
    def _db_down(exc: Exception) -> Response:
        # Only a store that is really down (or unreachable) is a 503; a value the database refused
        # is the client's (422), a constraint a conflict (409), anything else our bug (500).
        down = isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or getattr(
            exc, "connection_invalidated", False
        )
        if not down:
            if isinstance(exc, DataError):
                log.warning("database refused a value", extra={"error": type(exc).__name__})
                return _respond(422, "A value cannot be stored (invalid for the database).")
            if isinstance(exc, IntegrityError):
                log.warning("database constraint", extra={"error": type(exc).__name__})
                return _respond(409, "The request conflicts with stored data; try again.")
            log.error("database error", extra={"error": type(exc).__name__})
            return error_response(500, "Internal error.")
        log.warning("database unavailable", extra={"error": type(exc).__name__})
        return error_response(503, "The comment store is unavailable; try again shortly.", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "Internal error.")

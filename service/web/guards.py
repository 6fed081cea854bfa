"""Text the store cannot hold never reaches it: NUL bytes and lone surrogates are bad input.

PostgreSQL refuses NUL in text (and psycopg cannot encode a lone surrogate); before this guard such
a value in an id, a slug or a field answered 503 "store unavailable" (issue 11). Three layers, one
rule (``unstorable``):

* every request: a path parameter holding such a character answers ``404`` (no such thing can
  exist), a query parameter ``422`` naming it (the contract's status for field errors);
* request bodies: ``check_payload`` names the field (``422``) before the schema or the store see it;
* the engine: a ``before_cursor_execute`` listener refuses any statement parameter holding one
  (``UnstorableValue``, answered ``422``), so a path this module forgot cannot become an outage.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from service.core.guards import UnstorableValue, payload_problems, unstorable
from service.web.errors import ApiError


def check_payload(data: Any, prefix: str = "") -> None:
    """Raise ``ApiError(422)`` naming every field (``a.b`` for nested ones) whose string value, or
    key, cannot be stored."""
    errors = payload_problems(data, prefix)
    if errors:
        raise ApiError(422, "The request has invalid fields.", errors)


def init_app(app: Flask) -> None:
    """Check every request's path (404) and query (422) parameters; map ``UnstorableValue`` to ``422``."""

    @app.before_request
    def _refuse_unstorable_parameters() -> None:
        for name, value in (request.view_args or {}).items():
            if unstorable(value):
                raise ApiError(404, "Not found.", {name: [unstorable(value) or ""]})
        errors = {}
        for name, value in request.args.items(multi=True):
            problem = unstorable(value) or unstorable(name)
            if problem:
                errors[name.replace("\x00", "\\0")] = [problem]
        if errors:
            raise ApiError(422, "The request has invalid query parameters.", errors)

    @app.errorhandler(UnstorableValue)
    def _unstorable(_exc: UnstorableValue) -> ResponseReturnValue | HTTPException:
        return app.handle_user_exception(
            ApiError(422, "A value cannot be stored: it holds a NUL byte or invalid Unicode.")
        )

"""Text the store cannot hold never reaches it: NUL bytes and lone surrogates are bad input.

PostgreSQL refuses NUL in text (and psycopg cannot encode a lone surrogate); before this guard such
a value in an id, a slug or a field answered 503 "store unavailable" (issue 11). One rule
(``unstorable``), used in three layers: the HTTP guards (``service.web.guards``) name the field
before the schema or the store see it, and the engine listener here refuses any statement parameter
holding one (``UnstorableValue``), so a path the HTTP layer forgot cannot become an outage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.engine.interfaces import DBAPICursor

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableValue(ValueError):
    """A statement parameter holds a NUL byte or a lone surrogate (a domain error: bad input)."""


def unstorable(value: object) -> str | None:
    """Why ``value`` cannot be stored ("contains a NUL byte" / "contains invalid Unicode (lone
    surrogates)"), or None when it can (non-strings always can)."""
    if not isinstance(value, str):
        return None
    found = UNSTORABLE.search(value)
    if found is None:
        return None
    return "Contains a NUL byte." if found.group() == "\x00" else "Contains invalid Unicode (lone surrogates)."


def payload_problems(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """Every field (``a.b`` for nested ones) whose string value, or key, cannot be stored, with why:
    ``{"author": ["Contains a NUL byte."]}``; empty when all can."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [(prefix, data)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                field = f"{name}.{key}" if name else str(key)
                problem = unstorable(key)
                if problem:
                    errors[field.replace("\x00", "\\0")] = [problem]
                stack.append((field, item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{name}.{i}", item) for i, item in enumerate(value))
        else:
            problem = unstorable(value)
            if problem:
                errors[name or "_schema"] = [problem]
    return errors


def _params_hold_unstorable(parameters: Any) -> bool:
    if isinstance(parameters, Mapping):
        return any(unstorable(v) for v in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(
            _params_hold_unstorable(p) if isinstance(p, Mapping | list | tuple) else unstorable(p) for p in parameters
        )
    return False


def guard_engine(engine: Engine) -> None:
    """Refuse, before the driver sees it, any statement whose parameters cannot be stored."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(
        _conn: Connection,
        _cursor: DBAPICursor,
        _statement: str,
        parameters: object,
        _context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        if parameters and _params_hold_unstorable(parameters):
            raise UnstorableValue("a value holds a NUL byte or a lone surrogate")

"""Moderator authentication for the HTTP API: a bearer token checked against ``service.core.moderators``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from service.core.db import get_session
from service.core.moderators import moderator_for_token
from service.web.errors import ApiError


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_moderator(view: Callable[..., Any]) -> Callable[..., Any]:
    """401 unless the request carries a valid moderator token (or a desk session, see desk.py)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        moderator = moderator_for_token(get_session(), bearer_token())
        if moderator is None:
            raise ApiError(
                401,
                "A valid moderator token is required (Authorization: Bearer <token>).",
                headers={"WWW-Authenticate": 'Bearer realm="commentq"'},
            )
        g.moderator = moderator.name
        return view(*args, **kwargs)

    return wrapper

"""Moderator tokens: shown once, stored as a SHA-256 hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import get_session
from service.errors import ApiError
from service.models import Moderator, utcnow

TOKEN_PREFIX = "cq_"  # noqa: S105 - a prefix, not a secret


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_moderator(session: Session, name: str) -> tuple[Moderator, str]:
    """A new moderator (or a new token for a revoked one); the token is returned once, never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    existing = session.scalar(select(Moderator).where(Moderator.name == name))
    if existing is not None and existing.revoked_at is None:
        raise ValueError(f"moderator {name!r} exists; revoke it first to issue a new token")
    if existing is not None:
        _end_desk_sessions(session, existing.id)
        existing.token_hash = hash_token(token)
        existing.revoked_at = None
        moderator = existing
    else:
        moderator = Moderator(name=name, token_hash=hash_token(token))
        session.add(moderator)
    session.commit()
    return moderator, token


def revoke_moderator(session: Session, name: str) -> bool:
    moderator = session.scalar(select(Moderator).where(Moderator.name == name))
    if moderator is None or moderator.revoked_at is not None:
        return False
    moderator.revoked_at = utcnow()
    _end_desk_sessions(session, moderator.id)
    session.commit()
    return True


def _end_desk_sessions(session: Session, moderator_id: int) -> None:
    from service.desk import end_sessions  # the desk owns its sessions; imported late (it imports us)

    end_sessions(session, moderator_id)


def moderator_for_token(session: Session, token: str | None) -> Moderator | None:
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    moderator = session.scalar(select(Moderator).where(Moderator.token_hash == digest))
    if moderator is None or moderator.revoked_at is not None:
        return None
    if not hmac.compare_digest(moderator.token_hash, digest):
        return None
    return moderator


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

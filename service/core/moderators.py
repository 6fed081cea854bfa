"""Moderators and their tokens: shown once, stored as a SHA-256 hash, compared in constant time.
Desk sessions end with the token that opened them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.core.errors import NotAllowed
from service.core.models import DeskSession, Moderator, utcnow

TOKEN_PREFIX = "cq_"  # noqa: S105 - a prefix, not a secret


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_moderator(session: Session, name: str) -> tuple[Moderator, str]:
    """A new moderator (or a new token for a revoked one); the token is returned once, never stored.

    Raises ``NotAllowed`` (field ``name``) when a moderator of that name exists and is not revoked."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    existing = session.scalar(select(Moderator).where(Moderator.name == name))
    if existing is not None and existing.revoked_at is None:
        raise NotAllowed.on("name", f"moderator {name!r} exists; revoke it first to issue a new token")
    if existing is not None:
        end_desk_sessions(session, existing.id)
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
    end_desk_sessions(session, moderator.id)
    session.commit()
    return True


def end_desk_sessions(session: Session, moderator_id: int) -> int:
    """End every desk session of a moderator (token revoked or re-issued); returns how many."""
    result = session.execute(
        update(DeskSession)
        .where(DeskSession.moderator_id == moderator_id, DeskSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


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

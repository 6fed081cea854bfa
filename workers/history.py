"""What the checks may ask about earlier comments: from the database, or from memory offline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Comment, Status


class History(Protocol):
    def exact_duplicate(self, article_id: int, digest: str, exclude_id: str,
                        before: datetime | None = None) -> bool: ...

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int: ...


class DbHistory:
    """History read from the article store (the comment being checked is excluded)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def exact_duplicate(self, article_id: int, digest: str, exclude_id: str,
                        before: datetime | None = None) -> bool:
        # Only earlier comments count, so two copies checked at once do not reject each other.
        q = select(Comment.id).where(
            Comment.article_id == article_id,
            Comment.content_hash == digest,
            Comment.id != exclude_id,
        )
        if before is not None:
            q = q.where(Comment.created_at < before)
        return self.session.execute(q.limit(1)).first() is not None

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int:
        if not ip and not email:
            return 0
        conds = []
        if ip:
            conds.append(Comment.ip == ip)
        if email:
            conds.append(func.lower(Comment.email) == email.lower())
        counts = [
            self.session.scalar(
                select(func.count()).select_from(Comment).where(
                    cond, Comment.created_at >= since, Comment.id != exclude_id,
                    Comment.status != Status.REJECTED,
                )
            ) or 0
            for cond in conds
        ]
        return max(counts)


class MemoryHistory:
    """History of the rows seen so far, for ``commentq spam evaluate`` and unit tests."""

    def __init__(self) -> None:
        self.hashes: dict[tuple[int, str], str] = {}

    def remember(self, article_id: int, digest: str, comment_id: str) -> None:
        self.hashes.setdefault((article_id, digest), comment_id)

    def exact_duplicate(self, article_id: int, digest: str, exclude_id: str,
                        before: datetime | None = None) -> bool:
        seen = self.hashes.get((article_id, digest))
        return seen is not None and seen != exclude_id

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int:
        return 0


def window_start(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)

"""Finding a comment or an article by what a client sends, and the submitter's view of a comment.

Shared by the public API, the moderation API and the article page; raises ``NotFound`` rather than
answering HTTP.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from service.core import store
from service.core.errors import NotFound
from service.core.models import Article, Comment
from service.core.validation import public_name, slug_problem
from service.core.vocabulary import PublicStatus, public_status

# Comment ids are UUIDs (36 characters); anything longer cannot name one.
MAX_COMMENT_ID_CHARS = 36


def find_comment(session: Session, comment_id: str) -> Comment:
    """The comment with id ``comment_id``; raises ``NotFound`` ("No such comment.") when there is none."""
    comment = session.get(Comment, comment_id) if len(comment_id) <= MAX_COMMENT_ID_CHARS else None
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def find_article(session: Session, slug: str) -> Article:
    """The article at ``slug``; raises ``NotFound`` ("No article 'slug'.") when there is none (a slug
    that could never be valid is not looked up)."""
    article = store.get_article(session, slug) if slug_problem(slug) is None else None
    if article is None:
        raise NotFound(f"No article {slug!r}.")
    return article


class StatusView(TypedDict):
    """The submitter's view of their comment: never the email, the IP or unpublished text.

    ``status`` is the public one (``pending``, ``published`` or ``rejected``); ``body_html`` and
    ``published_at`` are set only once the comment is published."""

    id: str
    status: str
    article: str
    author: str
    created_at: datetime
    parent_id: str | None
    published_at: datetime | None
    body_html: str | None


def status_view(comment: Comment) -> StatusView:
    """What the submitter of ``comment`` may see of it (see ``StatusView``)."""
    shown = public_status(comment.status)
    view: StatusView = {
        "id": comment.id,
        "status": shown,
        "article": comment.article.slug,
        "author": public_name(comment.author),
        "created_at": comment.created_at,
        "parent_id": comment.parent_id,
        "published_at": None,
        "body_html": None,
    }
    if shown == PublicStatus.PUBLISHED:
        view["body_html"] = comment.body_html
        view["published_at"] = comment.published_at
    return view

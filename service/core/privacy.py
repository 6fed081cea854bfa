"""A commenter's personal data: export it for them, erase it on request, forget old IP addresses.

Personal data here is a comment's author name, email, website, IP address and user agent. Erasure
follows WordPress's personal-data eraser: the comment text stays (readers saw it, and replies may
quote it), the name becomes "Anonymous", the email a placeholder, the website, IP address and user
agent are cleared, and an audit row records that it happened, not whose data it was. Moderators'
labelled examples of those comments lose the author name too. Forgetting old IP addresses keeps
the addresses only as long as the flood and reputation checks need them
(``COMMENTQ_IP_RETENTION_DAYS``; 0 keeps them, as WordPress does).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.core import store
from service.core.models import Comment, utcnow
from service.core.vocabulary import Status

ERASED_AUTHOR = "Anonymous"
ERASED_EMAIL = "erased@commentq.invalid"  # .invalid never resolves (RFC 2606)
# Held and in-flight comments keep their address until decided: a moderator may need it.
DECIDED = (Status.PUBLISHED, Status.REJECTED, Status.REMOVED, Status.FAILED)


def comments_of(session: Session, email: str) -> list[Comment]:
    """Every comment sent with ``email`` (case-insensitive), oldest first."""
    return store.comments_by_email(session, email)


def export(session: Session, email: str) -> dict[str, Any]:
    """What commentq holds about the sender of ``email``: the answer to a request for access."""
    return {
        "email": email.strip(),
        "comments": [
            {
                "id": c.id,
                "article": c.article.slug,
                "status": c.status,
                "author": c.author,
                "email": c.email,
                "url": c.url,
                "body": c.body,
                "ip": c.ip,
                "user_agent": c.user_agent,
                "created_at": c.created_at.isoformat(),
            }
            for c in comments_of(session, email)
        ],
    }


def erase(session: Session, email: str, actor: str) -> int:
    """Anonymise every comment sent with ``email``; returns how many. Commits."""
    return store.erase_personal_data(
        session,
        comments_of(session, email),
        author=ERASED_AUTHOR,
        email=ERASED_EMAIL,
        actor=actor,
        note="commenter's personal data erased on request",
    )


def forget_addresses(session: Session, days: int, now: datetime | None = None) -> int:
    """Clear the IP address and user agent of decided comments older than ``days``; returns how many."""
    return store.forget_addresses(session, (now or utcnow()) - timedelta(days=days), DECIDED)

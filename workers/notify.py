"""Celery task: deliver one moderator notification from the outbox, with retries and backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from service.db import get_session
from service.models import Comment, Notification, utcnow
from service.notify import SENDERS, DeliveryError, UnbuildableNotification, payload_for

log = logging.getLogger("commentq.notify")

MAX_ATTEMPTS = 8  # retries after 1, 2, 4 ... 64 s: about two minutes of trying


@shared_task(bind=True, name="workers.notify.send_notification", max_retries=None)
def send_notification(self, notification_id: int) -> str:
    """Send once; a redelivered task finds the row `sent` and does nothing."""
    settings = current_app.extensions["settings"]
    session = get_session()
    row = session.get(Notification, notification_id)
    if row is None:
        return "missing"
    if row.status != "pending":
        return f"already {row.status}"
    comment = session.get(Comment, row.comment_id)
    sender = SENDERS.get(row.channel)
    if comment is None or sender is None:
        row.status, row.last_error = "failed", "comment gone" if comment is None else "unknown channel"
        session.commit()
        return "failed"
    row.attempts += 1
    session.commit()
    try:
        sender(settings, payload_for(comment, settings), row.id)
    except (UnbuildableNotification, UnicodeError, ValueError, TypeError, AttributeError) as exc:
        # Retrying cannot help (the comment's own values refuse to make a safe message): failed now,
        # with the reason, rather than pending and re-queued every few minutes for ever.
        reason = str(exc) if isinstance(exc, UnbuildableNotification) else f"{type(exc).__name__}: {exc}"
        row.status, row.last_error = "failed", reason[:1000]
        session.commit()
        log.error("notification cannot be built", extra={"channel": row.channel, "error": reason[:300]})
        return "failed"
    except DeliveryError as exc:
        row.last_error = str(exc)
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            session.commit()
            log.error("notification failed for good", extra={"channel": row.channel, "error": str(exc)})
            return "failed"
        session.commit()
        log.warning("notification failed; will retry", extra={"channel": row.channel, "error": str(exc)})
        raise self.retry(countdown=min(2 ** (row.attempts - 1), 300)) from None
    row.status, row.sent_at, row.last_error = "sent", utcnow(), None
    session.commit()
    log.info("notification sent", extra={"channel": row.channel})
    return "sent"


@shared_task(name="workers.notify.sweep_notifications")
def sweep_notifications(older_than: float = 600.0) -> int:
    """Re-queue notifications still `pending` long after their retry window: the broker lost them.

    Delivery is at least once; receivers deduplicate by the delivery id the payload carries.
    """
    from datetime import timedelta

    from sqlalchemy import select

    from service.notify import SEND_TASK

    session = get_session()
    cutoff = utcnow() - timedelta(seconds=older_than)
    ids = list(
        session.scalars(
            select(Notification.id).where(Notification.status == "pending", Notification.created_at < cutoff).limit(500)
        )
    )
    celery = current_app.extensions["celery"]
    for nid in ids:
        celery.send_task(SEND_TASK, args=[nid])
    if ids:
        log.info("re-queued %d pending notification(s)", len(ids))
    return len(ids)

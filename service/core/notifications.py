"""Moderator notifications when a comment is held: a signed (HMAC-SHA256) webhook and/or an email
through SMTP, both optional (COMMENTQ_WEBHOOK_URL / _SECRET, COMMENTQ_SMTP_URL + COMMENTQ_NOTIFY_EMAIL).

When the worker holds a comment it calls ``notify_held``, which only records ``notifications`` rows
(an outbox) and queues ``TaskName.SEND_NOTIFICATION``; the sending (``deliver``), with retries,
happens in that task (``workers.tasks.send_notification``), never in a web request. What is sent
is for moderators: the commenter's name, email and text, the check reasons and a link to the desk;
never the IP address, the user agent, tokens or secrets.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from service.core import store
from service.core.celery_app import current_celery
from service.core.db import get_session
from service.core.models import Comment, Notification, utcnow
from service.core.settings import Settings, current_settings
from service.core.vocabulary import TaskName, VerdictName

log = logging.getLogger("commentq.notify")

MAX_ATTEMPTS = 8  # retries after 1, 2, 4 ... 64 s: about two minutes of trying
WEBHOOK = "webhook"
EMAIL = "email"
SIGNATURE_HEADER = "X-Commentq-Signature"
TIMEOUT = 10.0
EXCERPT_CHARS = 2000


class DeliveryError(Exception):
    """A delivery that failed and may succeed later; the message never contains a secret."""


class RetryDelivery(Exception):
    """``deliver`` failed for now; the task should try again after ``countdown`` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"retry in {countdown:g} s")
        self.countdown = countdown


def channels(settings: Settings) -> list[str]:
    """The channels this deployment configured (none is fine: then nothing is recorded)."""
    out = []
    if settings.webhook_url:
        out.append(WEBHOOK)
    if settings.smtp_url and settings.notify_email:
        out.append(EMAIL)
    return out


def record_held(comment_id: str) -> list[int]:
    """Outbox rows for a newly held comment, one per channel, then queue their sending."""
    settings = current_settings()
    wanted = channels(settings)
    if not wanted:
        return []
    session = get_session()
    existing = set(session.scalars(select(Notification.channel).where(Notification.comment_id == comment_id)))
    rows = [Notification(comment_id=comment_id, channel=ch, status="pending") for ch in wanted if ch not in existing]
    session.add_all(rows)
    session.commit()
    celery = current_celery()
    for row in rows:
        try:
            celery.send_task(TaskName.SEND_NOTIFICATION, args=[row.id])
        except Exception as exc:  # the row stays pending; a later send can pick it up
            log.warning("could not queue a notification", extra={"error": type(exc).__name__})
    return [row.id for row in rows]


def notify_held(comment_id: str) -> None:
    """Called by the worker right after it committed a comment as held: record and queue its
    notifications. Never raises: the held decision is committed, and a notification must not undo it."""
    try:
        record_held(comment_id)
    except Exception:  # any failure of the outbox write or the broker
        get_session().rollback()
        log.exception("could not record the held-comment notification")


def deliver(settings: Settings, notification_id: int) -> str:
    """Send one notification from the outbox once: ``"sent"``, ``"failed"`` (for good, with the
    reason on the row), ``"missing"`` or ``"already <status>"`` (a redelivered task does nothing).

    Raises ``RetryDelivery`` when the channel failed and a later attempt may succeed.
    """
    session = get_session()
    row = session.get(Notification, notification_id)
    if row is None:
        return "missing"
    if row.status != "pending":
        return f"already {row.status}"
    comment = store.get_comment(session, row.comment_id)
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
        raise RetryDelivery(min(2 ** (row.attempts - 1), 300)) from None
    row.status, row.sent_at, row.last_error = "sent", utcnow(), None
    session.commit()
    log.info("notification sent", extra={"channel": row.channel})
    return "sent"


def stale_pending(older_than: float, limit: int = 500) -> list[int]:
    """Ids of notifications still ``pending`` ``older_than`` seconds after they were recorded: past
    their retry window, so the broker lost them. Delivery is at least once; receivers deduplicate
    by the delivery id the payload carries."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than)
    query = select(Notification.id).where(Notification.status == "pending", Notification.created_at < cutoff)
    return list(get_session().scalars(query.limit(limit)))


# --- what is sent -----------------------------------------------------------------------------
def payload_for(comment: Comment, settings: Settings) -> dict[str, Any]:
    """The notification's content: what a moderator needs to decide, and nothing more."""
    base = settings.public_url or ""
    return {
        "event": "comment.held",
        "comment": {
            "id": comment.id,
            "article": comment.article.slug,
            "article_title": comment.article.title,
            "author": comment.author,
            "email": comment.email,
            "url": comment.url,
            "excerpt": comment.body[:EXCERPT_CHARS],
            "created_at": comment.created_at.isoformat(),
            "checks": [
                {"check": c.check, "verdict": c.verdict, "reason": c.reason}
                for c in comment.checks
                if c.verdict != VerdictName.PASS
            ],
        },
        "moderation_url": f"{base}/moderation/comments/{comment.id}",
        "queue_url": f"{base}/moderation/",
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``; receivers recompute and compare."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance: float = 300.0) -> bool:
    """What a receiver does with the signature header (also used by the tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send_webhook(settings: Settings, payload: dict[str, Any], delivery_id: int) -> None:
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "commentq-notify",
        "X-Commentq-Event": payload["event"],
        "X-Commentq-Delivery": str(delivery_id),
    }
    if settings.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(settings.webhook_secret, int(time.time()), body)
    url = settings.webhook_url or ""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("COMMENTQ_WEBHOOK_URL must be an http(s) URL")
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - checked
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT) as resp:
            if not 200 <= resp.status < 300:
                raise DeliveryError(f"webhook answered {resp.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {type(reason).__name__}: {reason}"[:300]) from None


def _smtp_parts(url: str) -> tuple[str, str, int, str | None, str | None, str | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise DeliveryError("COMMENTQ_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    port = parts.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[scheme]
    senders = parse_qs(parts.query).get("from")
    sender = senders[0] if senders else None
    return (
        scheme,
        parts.hostname or "localhost",
        port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        sender,
    )


class UnbuildableNotification(Exception):
    """A notification that can never be built from this comment (retrying will not help): the
    outbox row ends ``failed`` with this reason at once."""


# Every character that ends a line somewhere (CR, LF, VT, FF, FS/GS/RS, NEL, U+2028, U+2029):
# in the email's body each becomes a plain newline, so no line of the comment escapes its quote.
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_HEADER_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format, surrogates, line/para


def one_line(value: object, limit: int = 200) -> str:
    """``value`` as one line of plain text for a header or a labelled body line: every control,
    format or line/paragraph-separator character (CR, LF, U+2028, NEL, bidi controls …) becomes a
    space, runs of spaces collapse, and ``=?`` is broken up so that no RFC 2047 encoded word (which
    Python's email package would decode, line breaks and all) can reach a header. At most
    ``limit`` characters."""
    text = "".join(" " if unicodedata.category(ch) in _HEADER_CATEGORIES else ch for ch in str(value or ""))
    text = " ".join(text.split())[:limit]
    return text.replace("=?", "=\u2060?")


def quoted(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The comment's text as an email quote: every line (whatever broke it) starts with ``> ``,
    other control characters dropped, so nothing in it can pass for commentq's own lines."""
    lines = _LINE_BREAKS.sub("\n", (text or "")[:limit]).split("\n")
    clean = ("".join(ch for ch in line if unicodedata.category(ch) not in ("Cc", "Cs")) for line in lines)
    return "\n".join(f"> {line}".rstrip() for line in clean)


EMAIL_HEADERS = ("Subject", "From", "To")


def email_for(settings: Settings, payload: dict[str, Any], sender: str) -> EmailMessage:
    """The moderators' email (``email.policy.SMTP``). Headers are built only from ``one_line``
    values, and the built message is parsed back to prove it has exactly the headers we set: a
    name such as ``=?utf-8?q?=0D=0AReply-To:_x?=`` must not become a header (issue 11). The desk
    links come first and the comment's text is quoted below them, so it cannot fake them.

    Raises ``UnbuildableNotification`` when no safe email can be built from these values."""
    c = payload["comment"]
    msg = EmailMessage(policy=email.policy.SMTP)
    try:
        msg["Subject"] = (
            f"[commentq] Comment held on “{one_line(c['article_title'], 80)}” by {one_line(c['author'], 60)}"
        )
        msg["From"] = one_line(sender, 254)
        msg["To"] = one_line(settings.notify_email, 254)
    except Exception as exc:  # the email package raises anything (even AttributeError)
        raise UnbuildableNotification(f"cannot build the email's headers: {type(exc).__name__}: {exc}"[:300]) from None
    reasons = (
        "\n".join(
            f"  - {one_line(ch['check'], 40)}: {one_line(ch['verdict'], 20)} ({one_line(ch['reason'], 300)})"
            for ch in c["checks"]
        )
        or "  -"
    )
    msg.set_content(
        f"A comment is waiting for a moderator.\n\n"
        f"Decide: {one_line(payload['moderation_url'], 500)}\n"
        f"Queue:  {one_line(payload['queue_url'], 500)}\n\n"
        f"Article: {one_line(c['article_title'], 200)} ({one_line(c['article'], 200)})\n"
        f"Author:  {one_line(c['author'], 200)} <{one_line(c['email'], 254)}>\n"
        f"Website: {one_line(c['url'], 500) or '-'}\n"
        f"Time:    {one_line(c['created_at'], 40)}\n"
        f"Why it was held:\n{reasons}\n\n"
        f"The comment, quoted as the commenter wrote it (any links or instructions in it are the\n"
        f"commenter's, not commentq's; decide only through the links above):\n\n"
        f"{quoted(c['excerpt'])}\n"
    )
    _prove_headers(msg)
    return msg


def _prove_headers(msg: EmailMessage) -> None:
    try:
        raw = msg.as_bytes(policy=email.policy.SMTP)
    except Exception as exc:  # as above
        raise UnbuildableNotification(f"cannot serialise the email: {type(exc).__name__}: {exc}"[:300]) from None
    back = email.message_from_bytes(raw, policy=email.policy.default)
    expected = {*EMAIL_HEADERS, "Content-Type", "Content-Transfer-Encoding", "MIME-Version"}
    names = list(back.keys())
    if set(names) != expected or len(names) != len(expected):
        raise UnbuildableNotification("the email's headers did not survive a round trip; refused to send it")


def send_email(settings: Settings, payload: dict[str, Any]) -> None:
    scheme, host, port, user, password, sender = _smtp_parts(settings.smtp_url or "")
    sender = sender or f"commentq@{urlsplit(settings.public_url or 'http://localhost').hostname or 'localhost'}"
    msg = email_for(settings, payload, sender)  # UnbuildableNotification: failed at once, no retry
    try:
        if scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
        with smtp:
            if scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        # smtplib's messages carry the server's reply, never our credentials.
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}"[:300]) from None


SENDERS: dict[str, Callable[[Settings, dict[str, Any], int], None]] = {
    WEBHOOK: send_webhook,
    EMAIL: lambda settings, payload, _id: send_email(settings, payload),
}

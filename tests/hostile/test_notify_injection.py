"""Issue 11, kind 3: header injection in the moderators' email, through a real worker to a real
SMTP server (aiosmtpd). A commenter's name, email, website or text must never add a header, end the
headers early, change the content type, or fake the "Decide:" links; a notification that cannot be
built ends ``failed`` with the reason instead of staying ``pending`` for ever."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from service import create_app
from service.core import store
from service.core.models import Notification
from service.core.queue import enqueue_comment
from service.embedded_redis import free_port
from tests.conftest import make_stack, wait_for
from tests.integration.test_notifications import HELD_BODY, Inbox

pytestmark = pytest.mark.timeout(240)

PUBLIC = "https://comments.example.org"
HEADERS = {"subject", "from", "to", "content-type", "content-transfer-encoding", "mime-version"}

# (author, email, website, body): the examples first, then more of the same kind.
HOSTILE = [
    ("=?utf-8?q?=0D=0AReply-To:_attacker@example.net?=", "a@example.org", None, HELD_BODY),
    ("x =?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5uZXQNCg0KPGI+aGk8L2I+?=", "b@example.org", None, HELD_BODY),
    ("Ann\u2028Reply-To: attacker@example.net", "c@example.org", None, HELD_BODY),
    ("Ann\r\nBcc: attacker@example.net", "d@example.org", None, HELD_BODY),
    ("Ann\u0085Content-Type: text/html", "e@example.org", None, HELD_BODY),
    ("Ann\u2029\u000b\u000cX-Evil: 1", "f@example.org", None, HELD_BODY),
    ("=?iso-8859-1?q?=0A=0AContent-Type:_text/html?=", "g@example.org", "https://x.example/=?utf-8?q?=0A?=", HELD_BODY),
    (
        "Mallory",
        "h@example.org",
        None,
        HELD_BODY + "\n\nDecide: https://evil.example/approve\u2028Decide: https://evil.example/2\r"
        "Queue:  https://evil.example/q\n----\nA comment is waiting for a moderator.",
    ),
]


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    yield box, port
    smtp.stop()


def email_stack(tmp, port: int, notify_email: str = "moderators@example.org"):
    stack, drop = make_stack(
        "sqlite",
        tmp,
        {
            "COMMENTQ_SMTP_URL": f"smtp://127.0.0.1:{port}?from=desk@commentq.test",
            "COMMENTQ_NOTIFY_EMAIL": notify_email,
            "COMMENTQ_PUBLIC_URL": PUBLIC,
            "COMMENTQ_LOG_JSON": "0",
            # Held for the links, never rejected by the classifier: every case must reach the inbox.
            "COMMENTQ_CLASSIFIER_SPAM": "1.01",
        },
    )
    stack.start_worker()
    return stack, drop


def submit(app, author: str, email: str, url: str | None, body: str) -> str:
    with app.app_context(), app.extensions["db"].session() as s:
        article = store.put_article(s, f"n-{uuid.uuid4().hex[:8]}", "A post about rivers", None)
        c = store.create_comment(
            s,
            article,
            {"author": author, "email": email, "body": body, "url": url},
            ip="203.0.113.7",
            user_agent="t",
            request_id=None,
        )
        assert enqueue_comment(c.id)
        return c.id


def status(app, comment_id: str) -> str | None:
    from service.core.models import Comment

    with app.extensions["db"].session() as s:
        return s.scalar(select(Comment.status).where(Comment.id == comment_id))


def note(app, comment_id: str) -> str | None:
    from service.core.models import AuditEvent

    with app.extensions["db"].session() as s:
        return s.scalar(
            select(AuditEvent.note).where(AuditEvent.comment_id == comment_id).order_by(AuditEvent.id.desc()).limit(1)
        )


def notification(app, comment_id: str) -> Notification | None:
    with app.extensions["db"].session() as s:
        return s.scalar(select(Notification).where(Notification.comment_id == comment_id))


def test_hostile_values_never_inject_headers_or_fake_links(inbox, tmp_path) -> None:
    box, port = inbox
    stack, drop = email_stack(tmp_path, port)
    app = create_app(stack.settings())
    try:
        ids = [submit(app, *case) for case in HOSTILE]
        held = []
        for cid, case in zip(ids, HOSTILE, strict=True):
            wait_for(lambda cid=cid: status(app, cid) in ("held", "rejected", "published"), timeout=60, interval=0.2)
            if status(app, cid) != "held":  # the validator refused a name with CR/LF: nothing to send
                assert "\r" in case[0] or "\n" in case[0] or "\x85" in case[0] or "\u2029" in case[0], (
                    case[0],
                    status(app, cid),
                    note(app, cid),
                )
                continue
            held.append((cid, case))
            wait_for(
                lambda cid=cid: (n := notification(app, cid)) is not None and n.status != "pending",
                timeout=60,
                interval=0.2,
            )
            n = notification(app, cid)
            assert n.status == "sent", (n.status, n.last_error)
        # The examples (encoded words, U+2028) and the faked links were all held and mailed.
        assert {case[0] for _cid, case in held} >= {HOSTILE[i][0] for i in (0, 1, 2, 6, 7)}, held
        for cid, (author, *_rest) in held:
            raws = [raw for _f, _t, raw in box.messages if cid in message_from_bytes(raw, policy=default).get_content()]
            assert len(raws) == 1, cid
            raw = raws[0]
            msg = message_from_bytes(raw, policy=default)
            assert {k.lower() for k in list(msg.keys())} == HEADERS, (author, list(msg.keys()))
            assert len(msg.keys()) == len(HEADERS)
            assert msg.get_content_type() == "text/plain"
            head = raw.split(b"\r\n\r\n", 1)[0]
            names = {
                line.split(b":", 1)[0].decode().lower()
                for line in head.split(b"\r\n")
                if line and not line[:1].isspace()
            }
            assert names == HEADERS, names  # on the wire too: no Reply-To, Bcc, X-Evil line
            assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])
            text = msg.get_content()
            # The only unquoted "Decide:" line is commentq's own, and it comes before the quote.
            own = [line for line in text.splitlines() if line.startswith(("Decide:", "Queue:"))]
            assert own == [f"Decide: {PUBLIC}/moderation/comments/{cid}", f"Queue:  {PUBLIC}/moderation/"], own
            quote = text.split("decide only through the links above):", 1)[1]
            assert all(line.startswith(">") for line in quote.strip().splitlines()), quote[:300]
            assert "evil.example" not in text.split("decide only through")[0]
    finally:
        app.extensions["db"].dispose()
        stack.stop_all()
        drop()


def test_an_unbuildable_notification_fails_with_its_reason(inbox, tmp_path) -> None:
    """A recipient the email package cannot even parse: failed at once, the reason kept, never
    left pending to be re-queued every few minutes."""
    _box, port = inbox
    stack, drop = email_stack(tmp_path, port, notify_email="a@[1.2.3")
    app = create_app(stack.settings())
    try:
        cid = submit(app, "Ann", "ann@example.org", None, HELD_BODY)
        wait_for(lambda: (n := notification(app, cid)) is not None and n.status != "pending", timeout=60, interval=0.2)
        n = notification(app, cid)
        assert n.status == "failed" and n.attempts == 1, (n.status, n.attempts)
        assert n.last_error and "cannot build" in n.last_error, n.last_error
    finally:
        app.extensions["db"].dispose()
        stack.stop_all()
        drop()

"""Held-comment notifications through a real worker to real local receivers: an HTTP server for
the signed webhook and aiosmtpd for the email. Nothing is mocked."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from service import create_app
from service.core import store
from service.core.models import Comment, Notification, utcnow
from service.core.notifications import SIGNATURE_HEADER, verify
from service.core.queue import enqueue_comment
from service.core.vocabulary import IN_FLIGHT, Status
from service.embedded_redis import free_port
from tests.conftest import make_stack, wait_for

pytestmark = pytest.mark.integration

SECRET = "webhook-secret-for-tests"
# The same text the pipeline tests expect to be held (links >= COMMENTQ_LINKS_HOLD).
HELD_BODY = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River "
    "https://en.wikipedia.org/wiki/Gomel https://en.wikipedia.org/wiki/Belarus "
    "https://en.wikipedia.org/wiki/Chernobyl"
)


class Receiver:
    """A webhook endpoint on loopback that fails the first ``fail_first`` deliveries with 500."""

    def __init__(self, fail_first: int = 1) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((dict(self.headers), body))
                ok = len(receiver.requests) > receiver.fail_first
                self.send_response(204 if ok else 500)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/commentq"


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[Receiver, Inbox, int]]:
    hook = Receiver(fail_first=1)
    hook.thread.start()
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    yield hook, inbox, smtp_port
    smtp.stop()
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture(scope="module")
def notifying_stack(receivers, tmp_path_factory):
    """Redis + a worker configured with both channels (SQLite; no web server needed)."""
    hook, _inbox, smtp_port = receivers
    tmp = tmp_path_factory.mktemp("notify-stack")
    stack, drop = make_stack(
        "sqlite",
        tmp,
        {
            "COMMENTQ_WEBHOOK_URL": hook.url,
            "COMMENTQ_WEBHOOK_SECRET": SECRET,
            "COMMENTQ_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?from=desk@commentq.test",
            "COMMENTQ_NOTIFY_EMAIL": "moderators@example.org",
            "COMMENTQ_PUBLIC_URL": "https://comments.example.org",
        },
    )
    try:
        stack.start_worker()
        app = create_app(stack.settings())
        yield stack, app
        app.extensions["db"].dispose()
    finally:
        stack.stop_all()
        drop()


def _submit(app, body: str, email: str = "lover@example.org") -> str:
    """Store and queue a comment exactly as the API does (committed first, then queued)."""
    with app.app_context(), app.extensions["db"].session() as session:
        slug = f"notify-{uuid.uuid4().hex[:8]}"
        article = store.put_article(session, slug, "A post about rivers", None)
        comment = store.create_comment(
            session,
            article,
            {"author": "Link Lover", "email": email, "body": body, "url": None},
            ip="203.0.113.7",
            user_agent="test-agent/1.0",
            request_id=None,
        )
        assert enqueue_comment(comment.id)
        return comment.id


def _notifications(app, comment_id: str) -> dict[str, Notification]:
    with app.extensions["db"].session() as session:
        rows = session.scalars(select(Notification).where(Notification.comment_id == comment_id)).all()
        return {n.channel: n for n in rows}


def test_held_comment_notifies_by_signed_webhook_and_email(notifying_stack, receivers):
    _stack, app = notifying_stack
    hook, inbox, _ = receivers
    comment_id = _submit(app, HELD_BODY)

    def all_sent() -> bool:
        rows = _notifications(app, comment_id)
        return set(rows) == {"webhook", "email"} and all(n.status == "sent" for n in rows.values())

    try:
        wait_for(all_sent, timeout=30)
    except AssertionError:
        rows = _notifications(app, comment_id)
        raise AssertionError({ch: (n.status, n.attempts, n.last_error) for ch, n in rows.items()}) from None
    with app.extensions["db"].session() as session:
        assert session.get(Comment, comment_id).status == Status.HELD

    rows = _notifications(app, comment_id)
    # The receiver refused the first delivery: the worker task retried it.
    assert rows["webhook"].attempts == 2 and rows["webhook"].last_error is None
    assert rows["email"].attempts == 1
    deliveries = [(h, b) for h, b in hook.requests if json.loads(b)["comment"]["id"] == comment_id]
    assert len(deliveries) == 2
    headers, body = deliveries[-1]
    headers = {k.lower(): v for k, v in headers.items()}
    assert verify(SECRET, headers[SIGNATURE_HEADER.lower()], body)
    assert not verify("another-secret", headers[SIGNATURE_HEADER.lower()], body)
    assert not verify(SECRET, headers[SIGNATURE_HEADER.lower()], body + b" ")
    assert headers["x-commentq-event"] == "comment.held"
    payload = json.loads(body)
    assert payload["moderation_url"] == f"https://comments.example.org/moderation/comments/{comment_id}"
    assert payload["comment"]["email"] == "lover@example.org"  # moderators need to see who it is
    assert any(c["check"] == "links" and c["verdict"] == "hold" for c in payload["comment"]["checks"])
    # ... but never the IP, the user agent or any secret.
    for secret_or_private in (b"203.0.113.7", b"test-agent", SECRET.encode(), b"cq_"):
        assert secret_or_private not in body

    mails = [(frm, to, message_from_bytes(raw, policy=default)) for frm, to, raw in inbox.messages]
    mails = [m for m in mails if comment_id in m[2].get_content()]
    assert len(mails) == 1
    mail_from, rcpts, msg = mails[0]
    assert mail_from == "desk@commentq.test" and rcpts == ["moderators@example.org"]
    assert "Comment held" in msg["Subject"] and "Link Lover" in msg["Subject"]
    text = msg.get_content()
    assert "lover@example.org" in text and "links: hold" in text
    assert f"https://comments.example.org/moderation/comments/{comment_id}" in text
    assert "203.0.113.7" not in text and SECRET not in text


def test_published_comment_sends_nothing(notifying_stack):
    _stack, app = notifying_stack
    comment_id = _submit(
        app,
        "Thanks for the clear summary of where the talks will take place.",
        email=f"reader-{uuid.uuid4().hex[:6]}@example.org",
    )

    def status() -> str:
        with app.extensions["db"].session() as session:
            return session.get(Comment, comment_id).status

    wait_for(lambda: status() not in IN_FLIGHT, timeout=10)
    assert status() == Status.PUBLISHED
    assert _notifications(app, comment_id) == {}


def test_sweeper_requeues_a_notification_the_broker_lost(notifying_stack, receivers):
    """A pending row whose send task never reached a worker is sent by the beat sweeper."""
    from datetime import timedelta

    from workers.tasks import sweep_notifications

    _stack, app = notifying_stack
    hook, _inbox, _ = receivers
    with app.app_context(), app.extensions["db"].session() as session:
        article = store.put_article(session, f"lost-{uuid.uuid4().hex[:8]}", "Lost", None)
        comment = store.create_comment(
            session,
            article,
            {"author": "Lost", "email": "lost@example.org", "body": "held elsewhere", "url": None},
            ip=None,
            user_agent=None,
            request_id=None,
        )
        row = Notification(
            comment_id=comment.id, channel="webhook", status="pending", created_at=utcnow() - timedelta(minutes=30)
        )
        session.add(row)
        session.commit()
        row_id = row.id
    with app.app_context():
        assert sweep_notifications() >= 1  # queued for the real worker

    def sent() -> bool:
        with app.extensions["db"].session() as session:
            return session.get(Notification, row_id).status == "sent"

    wait_for(sent, timeout=30)
    assert any(json.loads(b)["comment"]["id"] == comment.id for _h, b in hook.requests)

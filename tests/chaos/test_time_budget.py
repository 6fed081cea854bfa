"""Issue 11, kind 1 (the queue side): a comment whose checks do not finish within the per-comment
budget (Celery ``soft_time_limit``, COMMENTQ_CHECKS_TIME_LIMIT) is held for a moderator with the
reason "checks timed out", and the worker goes on with the next comment.

The checks are made to stall for real: the test holds an exclusive lock on ``labelled_examples``
(which the reputation check reads for every comment, and nothing on the claim or hold path
touches), so the check's query waits until the soft limit interrupts it.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import select

from service import create_app
from service.core.models import AuditEvent, Comment
from tests.chaos.conftest import new_article
from tests.conftest import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(180)]


def status_and_note(stack, comment_id: str) -> tuple[str, str | None]:
    app = create_app(stack.settings())
    try:
        with app.extensions["db"].session() as s:
            status = s.scalar(select(Comment.status).where(Comment.id == comment_id))
            note = s.scalar(
                select(AuditEvent.note)
                .where(AuditEvent.comment_id == comment_id)
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
            return status, note
    finally:
        app.extensions["db"].dispose()


def test_stalled_checks_hold_the_comment_and_the_queue_moves_on(chaos_stack) -> None:
    stack = chaos_stack("postgresql", beat=False, env={"COMMENTQ_CHECKS_TIME_LIMIT": "2"}, concurrency=1)
    slug = new_article(stack)

    def submit(body: str) -> str:
        resp = stack.http.post(
            f"/api/v1/articles/{slug}/comments",
            json_body={"author": "Ann", "email": f"ann{time.monotonic_ns()}@example.org", "body": body},
        )
        assert resp.status == 202, resp.text
        return resp.json()["id"]

    warm = submit("A first, ordinary comment to warm the worker up.")
    wait_for(lambda: status_and_note(stack, warm)[0] == "published", timeout=30)

    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    locker = psycopg.connect(url)
    try:
        locker.execute("LOCK TABLE labelled_examples IN ACCESS EXCLUSIVE MODE")
        t0 = time.monotonic()
        stalled = [submit(f"Thanks for the article, part {i}; very clear.") for i in range(2)]
        # One worker process, two stalled comments: each is held after its ~2 s budget, in turn.
        for cid in stalled:
            wait_for(lambda cid=cid: status_and_note(stack, cid)[0] == "held", timeout=40, interval=0.2)
        elapsed = time.monotonic() - t0
        for cid in stalled:
            status, note = status_and_note(stack, cid)
            assert status == "held" and note and note.startswith("checks timed out"), (status, note)
    finally:
        locker.rollback()
        locker.close()
    assert elapsed < 40
    # The worker is healthy afterwards: the next comment is checked and published as usual.
    after = submit("An ordinary comment once the lock is gone, thanks for writing this.")
    wait_for(lambda: status_and_note(stack, after)[0] == "published", timeout=30)

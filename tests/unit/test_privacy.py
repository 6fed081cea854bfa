"""A commenter's personal data: export, erasure (WordPress-style anonymisation), IP retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.core import store
from service.core.models import AuditEvent, Comment, LabelledExample, utcnow
from service.core.privacy import ERASED_AUTHOR, ERASED_EMAIL, forget_addresses
from service.core.vocabulary import Status

ANN = "Ann.Reader@Example.org"


@pytest.fixture
def comments(unit_app):
    """Two comments by Ann (one published, one held), one by Bob; returns their ids."""
    with unit_app.extensions["db"].session() as session:
        article = store.put_article(session, "privacy", title="Privacy")
        ids = {}
        for key, author, email, status in (
            ("ann1", "Ann", ANN, Status.PUBLISHED),
            ("ann2", "Ann", ANN.lower(), Status.HELD),
            ("bob", "Bob", "bob@example.org", Status.PUBLISHED),
        ):
            c = store.create_comment(
                session,
                article,
                {"author": author, "email": email, "body": f"Text {key}", "url": "https://ann.example.org/"},
                ip="203.0.113.7",
                user_agent="Agent/1",
                request_id=None,
            )
            c.status = status
            ids[key] = c.id
        session.add(LabelledExample(comment_id=ids["ann2"], author="Ann", text="Text ann2", label=0, source="mod"))
        session.commit()
    return ids


def test_export_lists_every_comment_of_that_email_and_nobody_else(runner, comments):
    result = runner.invoke(args=["privacy", "export", "ann.reader@example.ORG"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {c["id"] for c in doc["comments"]} == {comments["ann1"], comments["ann2"]}
    assert all(c["ip"] == "203.0.113.7" and c["body"].startswith("Text ann") for c in doc["comments"])


def test_erase_anonymises_keeps_the_text_audits_and_spares_others(unit_app, runner, client, comments):
    result = runner.invoke(args=["privacy", "erase", ANN, "--yes"])
    assert result.exit_code == 0 and "2 comment(s)" in result.output
    with unit_app.extensions["db"].session() as session:
        for key in ("ann1", "ann2"):
            c = session.get(Comment, comments[key])
            assert (c.author, c.email, c.url, c.ip, c.user_agent) == (ERASED_AUTHOR, ERASED_EMAIL, None, None, None)
            assert c.body == f"Text {key}"
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.comment_id == c.id, AuditEvent.action == "erase")
            ).one()
            assert "ann" not in (event.note or "").lower()
        assert session.scalars(select(LabelledExample.author)).all() == [""]
        bob = session.get(Comment, comments["bob"])
        assert (bob.author, bob.email, bob.ip) == ("Bob", "bob@example.org", "203.0.113.7")
    public = client.get("/api/v1/articles/privacy/comments").get_json()
    assert ERASED_AUTHOR in json.dumps(public) and "Ann" not in json.dumps(public)
    again = runner.invoke(args=["privacy", "export", ANN])
    assert json.loads(again.output)["comments"] == []


def test_erase_asks_first(runner, comments):
    result = runner.invoke(args=["privacy", "erase", ANN], input="n\n")
    assert result.exit_code != 0
    assert len(json.loads(runner.invoke(args=["privacy", "export", ANN]).output)["comments"]) == 2


def test_old_addresses_of_decided_comments_are_forgotten(unit_app, runner, comments):
    with unit_app.extensions["db"].session() as session:
        for key in ("ann1", "ann2"):
            session.get(Comment, comments[key]).created_at = utcnow() - timedelta(days=40)
        session.commit()
    result = runner.invoke(args=["privacy", "forget-ips", "--older-than", "30"])
    assert result.exit_code == 0 and "1 comment(s)" in result.output, result.output
    with unit_app.extensions["db"].session() as session:
        ips = {k: session.get(Comment, cid).ip for k, cid in comments.items()}
        assert ips == {"ann1": None, "ann2": "203.0.113.7", "bob": "203.0.113.7"}  # held and recent keep it
        assert forget_addresses(session, 30) == 0  # a second run changes nothing


def test_older_than_zero_forgets_every_decided_comment_now(unit_app, runner, comments):
    # --help promises x>=0; 0 is an operator's "forget them all now" (held comments still keep theirs).
    result = runner.invoke(args=["privacy", "forget-ips", "--older-than", "0"])
    assert result.exit_code == 0 and "older than 0 days" in result.output, result.output
    with unit_app.extensions["db"].session() as session:
        ips = {k: session.get(Comment, cid).ip for k, cid in comments.items()}
    assert ips["ann1"] is None and ips["ann2"] == "203.0.113.7"  # published forgotten; held kept


def test_retention_is_off_by_default_and_scheduled_when_set(unit_app, runner):
    from service.core.settings import load

    assert runner.invoke(args=["privacy", "forget-ips"]).exit_code != 0
    assert "forget-old-addresses" not in load({}).celery["beat_schedule"]
    schedule = load({"COMMENTQ_IP_RETENTION_DAYS": "90"}).celery["beat_schedule"]
    assert schedule["forget-old-addresses"]["task"] == "workers.privacy.forget_old_addresses"


def test_the_worker_task_forgets_with_the_configured_period(unit_app, comments):
    from workers.tasks import forget_old_addresses

    app = unit_app
    with app.extensions["db"].session() as session:
        session.get(Comment, comments["bob"]).created_at = utcnow() - timedelta(days=100)
        session.commit()
    app.extensions["settings"] = app.extensions["settings"].with_overrides(ip_retention_days=90)
    with app.app_context():
        assert forget_old_addresses() == 1
    with app.extensions["db"].session() as session:
        assert session.get(Comment, comments["bob"]).ip is None

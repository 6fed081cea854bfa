"""The moderator's desk over HTTP (Flask's test client on a real SQLite store): sessions, CSRF,
decisions through the API's own path, filters, dashboard, and the article page's form errors."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.core import store
from service.core.models import AuditEvent, Comment
from service.core.moderators import create_moderator
from service.core.vocabulary import IN_FLIGHT, Status

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def token(unit_app: Flask) -> str:
    with unit_app.extensions["db"].session() as session:
        return create_moderator(session, "alice")[1]


def held_comment(app: Flask, slug: str = "post", author: str = "Holly", body: str = "Held text") -> str:
    """A comment that the workers held (stored, then moved to held the way the worker does)."""
    with app.extensions["db"].session() as session:
        article = store.get_article(session, slug) or store.put_article(session, slug, f"Post {slug}")
        c = store.create_comment(
            session,
            article,
            {"author": author, "email": f"{author.lower()}@example.org", "body": body},
            ip="198.51.100.4",
            user_agent="ua",
            request_id=None,
        )
        store.transition(session, c.id, IN_FLIGHT, Status.HELD, action="held", actor="policy:links", note="3 links")
        session.commit()
        return c.id


def status_of(app: Flask, comment_id: str) -> str:
    with app.extensions["db"].session() as session:
        return session.get(Comment, comment_id).status


def csrf(client: FlaskClient, path: str = "/moderation/login") -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, token: str) -> None:
    resp = client.post("/moderation/login", data={"token": token, "csrf_token": csrf(client)})
    assert resp.status_code == 303, resp.get_data(as_text=True)


def test_pages_need_a_session(client):
    for path in ("/moderation/", "/moderation/dashboard", "/moderation/articles"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/moderation/login" in resp.headers["Location"]
    assert client.post("/moderation/bulk", data={}).status_code == 400  # no CSRF token, no session


def test_sign_in_sets_a_strict_httponly_cookie_and_refuses_bad_tokens(unit_app, client, token):
    resp = client.post("/moderation/login", data={"token": "cq_wrong", "csrf_token": csrf(client)})
    assert resp.status_code == 401 and "not valid" in resp.get_data(as_text=True)
    resp = client.post("/moderation/login", data={"token": token})
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    resp = client.post("/moderation/login", data={"token": token, "csrf_token": csrf(client)})
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert token not in cookie
    page = client.get("/moderation/")
    assert page.status_code == 200 and "Signed in as" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    tls = unit_app.test_client()
    login = tls.get("/moderation/login", base_url="https://localhost")
    nonce = CSRF.search(login.get_data(as_text=True)).group(1)
    resp = tls.post("/moderation/login", data={"token": token, "csrf_token": nonce}, base_url="https://localhost")
    assert "Secure" in resp.headers["Set-Cookie"]


def test_revoking_the_token_ends_the_session(unit_app, client, token, runner):
    sign_in(client, token)
    assert client.get("/moderation/").status_code == 200
    listed = runner.invoke(args=["moderator", "list"])
    assert "alice\tactive" in listed.output
    assert runner.invoke(args=["moderator", "revoke", "alice"]).exit_code == 0
    resp = client.get("/moderation/")
    assert resp.status_code == 302 and "/moderation/login" in resp.headers["Location"]
    # A new token for the same name does not revive the old session either.
    new_token = runner.invoke(args=["moderator", "create", "alice"]).output.strip()
    assert new_token.startswith("cq_") and new_token != token
    assert client.get("/moderation/").status_code == 302


def test_queue_shows_everything_a_moderator_needs_and_decisions_are_audited(unit_app, client, token):
    first = held_comment(unit_app, author="Holly", body="Look https://x.example.org")
    second = held_comment(unit_app, slug="other", author="Ivy")
    sign_in(client, token)
    html = client.get("/moderation/").get_data(as_text=True)
    assert html.index(first) < html.index(second)  # oldest first
    for text in ("holly@example.org", "198.51.100.4", "Post post", '<a href="https://x.example.org"', "held"):
        assert text in html
    filtered = client.get("/moderation/?article=other").get_data(as_text=True)
    assert second in filtered and first not in filtered
    assert client.get("/moderation/?status=nonsense").status_code == 400

    token_value = csrf(client, "/moderation/")
    resp = client.post(
        f"/moderation/comments/{first}/decision",
        data={"action": "approve", "note": "fine", "csrf_token": token_value, "next": "/moderation/"},
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/moderation/")
    assert status_of(unit_app, first) == Status.PUBLISHED
    with unit_app.extensions["db"].session() as session:
        event = session.query(AuditEvent).filter_by(comment_id=first, action="approve").one()
        assert event.actor == "moderator:alice" and event.note == "fine"
    # Approving twice is refused with a message, not an error page.
    resp = client.post(
        f"/moderation/comments/{first}/decision",
        data={"action": "approve", "csrf_token": token_value},
        follow_redirects=True,
    )
    assert "Cannot approve a comment that is published" in resp.get_data(as_text=True)
    resp = client.post(f"/moderation/comments/{first}/decision", data={"action": "bless", "csrf_token": token_value})
    assert resp.status_code == 400 and "action" in resp.get_data(as_text=True)
    # Off-site redirects are never followed.
    resp = client.post(
        f"/moderation/comments/{second}/decision",
        data={"action": "reject", "csrf_token": token_value, "next": "https://evil.example/"},
    )
    assert resp.headers["Location"].endswith("/moderation/")
    detail = client.get(f"/moderation/comments/{first}").get_data(as_text=True)
    assert "moderator:alice" in detail and "policy:links" in detail and "fine" in detail

    published = client.get("/moderation/articles/post").get_data(as_text=True)
    assert first in published and 'value="remove"' in published
    dashboard = client.get("/moderation/dashboard").get_data(as_text=True)
    assert 'id="decisions"' in dashboard and "<td>1</td>" in dashboard


def test_bulk_actions_apply_to_each_selected_comment(unit_app, client, token):
    ids = [held_comment(unit_app, author=f"Bulk{i}") for i in range(3)]
    sign_in(client, token)
    resp = client.post(
        "/moderation/bulk",
        data={"action": "spam", "ids": ids[:2], "csrf_token": csrf(client, "/moderation/")},
        follow_redirects=True,
    )
    assert "2 comment(s) marked as spam" in resp.get_data(as_text=True)
    assert [status_of(unit_app, i) for i in ids] == [Status.REJECTED, Status.REJECTED, Status.HELD]


def test_form_post_errors_are_a_page_for_browsers_and_json_for_others(unit_app, client):
    with unit_app.extensions["db"].session() as session:
        store.put_article(session, "post", "A post")
    form = {"author": "", "email": "nope", "comment": "hi"}
    browser = client.post(
        "/api/v1/articles/post/comments", data=form, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert browser.status_code == 422 and browser.mimetype == "text/html"
    page = browser.get_data(as_text=True)
    assert "<strong>Name</strong>" in page and "<strong>Email</strong>" in page
    assert 'href="/articles/post#respond"' in page
    script = client.post("/api/v1/articles/post/comments", data=form)
    assert script.status_code == 422 and set(script.get_json()["errors"]) == {"author", "email"}
    missing = client.post("/api/v1/articles/nope/comments", data=form, headers={"Accept": "text/html"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    ok = client.post(
        "/api/v1/articles/post/comments",
        headers={"Accept": "text/html"},
        data={"author": "Ann", "email": "ann@example.org", "comment": "Hello"},
    )
    assert ok.status_code == 303
    target = ok.headers["Location"]
    assert target.startswith("/articles/post?comment=") and target.endswith("#comment-status")
    shown = client.get(target.split("#")[0]).get_data(as_text=True)
    assert "awaiting moderation" in shown and 'data-status="pending"' in shown

"""Issue 11, kind 5: signing out (or revoking the token) ends every copy of a desk session. A cookie
saved before logout, replayed with a valid CSRF token, must not work."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from service.core import moderators
from service.core.models import Comment


def csrf(client: FlaskClient, path: str = "/moderation/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(app: Flask) -> tuple[FlaskClient, str, str]:
    """A signed-in client, its session cookie and the moderator's name."""
    name = f"mod-{uuid.uuid4().hex[:6]}"
    with app.extensions["db"].session() as s:
        _, token = moderators.create_moderator(s, name)
    client = app.test_client()
    resp = client.post("/moderation/login", data={"token": token, "csrf_token": csrf(client)})
    assert resp.status_code == 303
    assert client.get("/moderation/").status_code == 200
    return client, client.get_cookie("session").value, name


def replay(app: Flask, cookie: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def held_comment(app: Flask, seeded: dict) -> str:
    from service.core import store

    with app.extensions["db"].session() as s:
        art = s.get(Comment, seeded["held"]).article
        c = store.create_comment(
            s,
            art,
            {"author": "X", "email": "x@example.org", "body": "held one"},
            ip="192.0.2.1",
            user_agent="t",
            request_id="r",
        )
        store.transition(s, c.id, ("received",), "held", action="hold", actor="test")
        s.commit()
        return c.id


def test_cookie_saved_before_logout_stops_working(hostile_app: Flask, seeded: dict) -> None:
    client, saved, _ = sign_in(hostile_app)
    token = csrf(client, "/moderation/")
    assert client.post("/moderation/logout", data={"csrf_token": token}).status_code == 303
    thief = replay(hostile_app, saved)
    # GET pages bounce to the login page; a decision with the session's valid CSRF token is refused.
    assert thief.get("/moderation/").status_code == 302
    assert thief.get("/moderation/dashboard").status_code == 302
    cid = held_comment(hostile_app, seeded)
    resp = thief.post(f"/moderation/comments/{cid}/decision", data={"action": "approve", "csrf_token": token})
    assert resp.status_code == 401
    with hostile_app.extensions["db"].session() as s:
        assert s.get(Comment, cid).status == "held"


def test_logout_ends_only_that_session(hostile_app: Flask) -> None:
    name = f"mod-{uuid.uuid4().hex[:6]}"
    with hostile_app.extensions["db"].session() as s:
        _, token = moderators.create_moderator(s, name)
    a, b = hostile_app.test_client(), hostile_app.test_client()
    for c in (a, b):
        assert c.post("/moderation/login", data={"token": token, "csrf_token": csrf(c)}).status_code == 303
    a.post("/moderation/logout", data={"csrf_token": csrf(a, "/moderation/")})
    assert a.get("/moderation/").status_code == 302
    assert b.get("/moderation/").status_code == 200


def test_revoking_the_token_ends_saved_sessions(hostile_app: Flask) -> None:
    client, saved, name = sign_in(hostile_app)
    with hostile_app.extensions["db"].session() as s:
        assert moderators.revoke_moderator(s, name)
    assert replay(hostile_app, saved).get("/moderation/").status_code == 302
    # A new token for the same name does not bring the old session back.
    with hostile_app.extensions["db"].session() as s:
        moderators.create_moderator(s, name)
    assert replay(hostile_app, saved).get("/moderation/").status_code == 302


def test_a_forged_or_foreign_session_id_does_not_work(hostile_app: Flask) -> None:
    client, saved, _ = sign_in(hostile_app)
    other, _, _ = sign_in(hostile_app)
    # Flask signs the cookie: a session id swapped in by hand breaks the signature, so the only way
    # to present one is a real cookie, and those are checked against the server-side rows above.
    thief = hostile_app.test_client()
    thief.set_cookie("session", saved[:-3] + "abc")
    assert thief.get("/moderation/").status_code == 302
    assert other.get("/moderation/").status_code == 200

"""Every contract error code, through the WSGI app (no worker needed: nothing gets that far)."""

from __future__ import annotations

import json

import pytest

from service.core import store

GOOD = {"author": "Ann", "email": "ann@example.org", "body": "Hello there."}


@pytest.fixture
def slug(unit_app) -> str:
    with unit_app.extensions["db"].session() as session:
        store.put_article(session, "post", "A post", "https://blog.example.org/post/")
        store.put_article(session, "closed-post", "Closed", None, closed=True)
    return "post"


def post(client, slug, payload=None, **kw):
    if payload is not None:
        kw.setdefault("data", json.dumps(payload))
        kw.setdefault("content_type", "application/json")
    return client.post(f"/api/v1/articles/{slug}/comments", **kw)


def test_accepted_with_location(client, slug):
    resp = post(client, slug, GOOD)
    assert resp.status_code == 202
    assert resp.headers["Location"] == f"/api/v1/comments/{resp.json['id']}"
    assert resp.json["status"] == "pending"


@pytest.mark.parametrize("field", ["author", "email", "body"])
def test_missing_required_field_is_named(client, slug, field):
    payload = {k: v for k, v in GOOD.items() if k != field}
    resp = post(client, slug, payload)
    assert resp.status_code == 422
    assert field in resp.json["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("url", "javascript:alert(1)"),
        ("url", "ftp://x.org/"),
        ("url", "data:text/html,hi"),
        ("body", "   "),
        ("body", "\u200b\u200b"),
        ("author", "  "),
        ("body", "x" * 10_001),
        ("author", "y" * 201),
        ("body", "nul\x00byte"),
        ("author", "bell\x07"),
        ("body", "rtl \u202e override"),
        ("author", 12),
        ("body", ["list"]),
        ("parent_id", "no-such-parent"),
    ],
)
def test_bad_field_is_named(client, slug, field, value):
    resp = post(client, slug, {**GOOD, field: value})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["errors"]
    assert resp.json["error"]


def test_malformed_json_is_400(client, slug):
    resp = post(client, slug, data=b"{not json", content_type="application/json")
    assert resp.status_code == 400
    assert "Malformed JSON" in resp.json["error"]


def test_duplicate_keys_are_400(client, slug):
    raw = b'{"author": "a", "author": "b", "email": "a@example.org", "body": "x"}'
    resp = post(client, slug, data=raw, content_type="application/json")
    assert resp.status_code == 400 and "author" in resp.json["errors"]


def test_deep_json_is_400(client, slug):
    raw = ("[" * 5000 + "]" * 5000).encode()
    assert post(client, slug, data=raw, content_type="application/json").status_code == 400


def test_non_object_json_is_400(client, slug):
    assert post(client, slug, data=b"[1, 2]", content_type="application/json").status_code == 400


def test_wrong_content_type_is_415(client, slug):
    resp = post(client, slug, data=b"hello", content_type="text/plain")
    assert resp.status_code == 415
    assert "Content-Type" in resp.json["errors"]


def test_unknown_article_is_404(client, slug):
    assert post(client, "no-such-article", GOOD).status_code == 404


def test_closed_article_is_403(client, slug):
    assert post(client, "closed-post", GOOD).status_code == 403


def test_too_large_is_413(client, slug):
    resp = post(client, slug, {**GOOD, "body": "y" * 2_000_000})
    assert resp.status_code == 413
    assert resp.json["error"].startswith("Request body too large")


def test_rate_limit_counts_accepted_only_and_says_retry_after(unit_app, slug):
    from service import create_app

    app = create_app(unit_app.extensions["settings"].with_overrides(rate_limit="2 per minute"))
    client = app.test_client()
    env = {"REMOTE_ADDR": "10.9.8.7"}
    for _ in range(3):  # invalid submissions do not use up the allowance
        assert post(client, slug, {"author": "A"}, environ_base=env).status_code == 422
    assert post(client, slug, GOOD, environ_base=env).status_code == 202
    assert post(client, slug, {**GOOD, "body": "second"}, environ_base=env).status_code == 202
    third = post(client, slug, {**GOOD, "body": "third"}, environ_base=env)
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) > 0
    assert third.json["error"]
    # Another address is not affected.
    assert post(client, slug, {**GOOD, "body": "other"}, environ_base={"REMOTE_ADDR": "10.9.8.8"}).status_code == 202


def test_moderation_needs_a_token(client, slug):
    assert client.get("/api/v1/moderation/queue").status_code == 401
    bad = client.get("/api/v1/moderation/queue", headers={"Authorization": "Bearer cq_wrong"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/v1/moderation/comments/x/decision", json={"action": "approve"}).status_code == 401


def test_moderator_token_is_stored_hashed(unit_app, runner, client, slug):
    from sqlalchemy import select

    from service.core.models import Moderator

    result = runner.invoke(args=["moderator", "create", "alice"])
    token = result.output.strip().splitlines()[-1]
    with unit_app.extensions["db"].session() as session:
        row = session.scalar(select(Moderator).where(Moderator.name == "alice"))
        assert token not in row.token_hash and len(row.token_hash) == 64
    ok = client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    runner.invoke(args=["moderator", "revoke", "alice"])
    assert client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_decision_errors(unit_app, runner, client, slug):
    token = runner.invoke(args=["moderator", "create", "bob"]).output.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    cid = post(client, slug, GOOD).json["id"]
    assert (
        client.post(f"/api/v1/moderation/comments/{cid}/decision", json={"action": "bless"}, headers=auth).status_code
        == 422
    )
    assert (
        client.post("/api/v1/moderation/comments/nope/decision", json={"action": "approve"}, headers=auth).status_code
        == 404
    )
    # Still `received` (no worker here): a moderator cannot remove what is not published.
    resp = client.post(f"/api/v1/moderation/comments/{cid}/decision", json={"action": "remove"}, headers=auth)
    assert resp.status_code == 409 and "action" in resp.json["errors"]


def test_unknown_paths_and_methods_answer_json(client):
    assert client.get("/api/v1/nothing").json["error"] == "Not found."
    resp = client.delete("/api/v1/articles/x/comments")
    assert resp.status_code == 405 and "POST" in resp.headers["Allow"]


def test_comment_view_hides_unpublished_text_email_and_ip(client, slug):
    cid = post(client, slug, {**GOOD, "body": "unpublished words"}).json["id"]
    view = client.get(f"/api/v1/comments/{cid}")
    assert view.status_code == 200
    text = view.get_data(as_text=True)
    assert "unpublished words" not in text and "ann@example.org" not in text and "127.0.0.1" not in text
    assert view.json["status"] == "pending"
    assert client.get("/api/v1/comments/does-not-exist").status_code == 404


def test_healthz_and_readyz_without_broker(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "ok"

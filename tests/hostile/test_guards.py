"""Request guards: rate limiting per client IP on real Redis storage (only accepted submissions
count), X-Forwarded-For believed only behind the configured proxies, hashed moderator tokens with a
constant-time comparison, CORS and redirects only to configured origins, security headers on HTML
pages, and no commenter email or IP on any public endpoint."""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from service.core import moderators
from service.core.models import Moderator
from tests.hostile.conftest import EMAIL, IP, SLUG, limited_app, public_pages

GOOD = {"author": "Ann", "email": "ann@example.org", "body": "A fine comment."}


def submit(app: Flask, ip: str, payload: dict | None = None, **headers: str):
    return app.test_client().post(
        f"/api/v1/articles/{SLUG}/comments", json=payload or GOOD, headers=headers, environ_base={"REMOTE_ADDR": ip}
    )


def test_rate_limit_per_ip_with_retry_after(rl_app: Flask) -> None:
    for _ in range(3):
        assert submit(rl_app, "198.51.100.1").status_code == 202
    resp = submit(rl_app, "198.51.100.1")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.get_json()["error"]
    # Another client is not affected.
    assert submit(rl_app, "198.51.100.2").status_code == 202


def test_a_refused_client_is_not_named_in_the_logs(rl_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    # flask-limiter logs each refusal with the client's key, its address ("ratelimit 3 per 1 minute
    # (198.51.100.4) exceeded"); the README promises logs never carry an IP.
    caplog.set_level(logging.INFO)
    for _ in range(3):
        assert submit(rl_app, "198.51.100.4").status_code == 202
    assert submit(rl_app, "198.51.100.4").status_code == 429
    refusals = [r.getMessage() for r in caplog.records if r.name == "flask-limiter"]
    assert refusals, "flask-limiter logged nothing: the test would prove nothing"
    assert not any("198.51.100" in line for line in refusals), refusals
    assert not any("198.51.100" in r.getMessage() for r in caplog.records)


def test_refused_submissions_do_not_count(rl_app: Flask) -> None:
    for _ in range(10):
        assert submit(rl_app, "198.51.100.3", {**GOOD, "email": "nope"}).status_code == 422
    for _ in range(3):
        assert submit(rl_app, "198.51.100.3").status_code == 202
    assert submit(rl_app, "198.51.100.3").status_code == 429


def test_forwarded_for_ignored_without_trusted_proxies(rl_app: Flask) -> None:
    """With COMMENTQ_TRUSTED_PROXIES=0 a client cannot dodge the limit by inventing X-Forwarded-For."""
    for i in range(3):
        assert submit(rl_app, "198.51.100.4", **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 202
    assert submit(rl_app, "198.51.100.4", **{"X-Forwarded-For": "10.0.0.99"}).status_code == 429


def test_forwarded_for_believed_behind_one_trusted_proxy(tmp_path: Path, hostile_redis) -> None:
    import redis

    redis.Redis.from_url(hostile_redis.url).flushdb()
    app = limited_app(tmp_path, hostile_redis.url, COMMENTQ_TRUSTED_PROXIES="1")
    try:
        proxy = "127.0.0.1"
        # The client behind the proxy is the limit's key; a spoofed left-most entry is not believed.
        for _ in range(3):
            assert submit(app, proxy, **{"X-Forwarded-For": "6.6.6.6, 192.0.2.10"}).status_code == 202
        assert submit(app, proxy, **{"X-Forwarded-For": "1.1.1.1, 192.0.2.10"}).status_code == 429
        assert submit(app, proxy, **{"X-Forwarded-For": "192.0.2.11"}).status_code == 202
        # The stored IP is the real client's, as the proxy saw it.
        from service.core.models import Comment

        with app.extensions["db"].session() as s:
            ips = set(s.scalars(select(Comment.ip).where(Comment.author == "Ann")))
        assert ips == {"192.0.2.10", "192.0.2.11"}
    finally:
        app.extensions["db"].dispose()


# --- moderator tokens -----------------------------------------------------------------------------
def test_tokens_are_stored_hashed_and_compared_in_constant_time(hostile_app: Flask, seeded: dict) -> None:
    token = seeded["token"]
    with hostile_app.extensions["db"].session() as s:
        stored = list(s.scalars(select(Moderator.token_hash)))
    assert token not in stored and all(len(h) == 64 and re.fullmatch("[0-9a-f]+", h) for h in stored)
    assert moderators.hash_token(token) in stored
    src = inspect.getsource(moderators.moderator_for_token)
    assert "compare_digest" in src
    client = hostile_app.test_client()
    assert client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for bad in [token[:-1], token + "x", token.upper(), "", "cq_" + "A" * 43, "x" * 10_000, f"Basic {token}", "Bearer"]:
        header = bad if bad.startswith(("Basic", "Bearer")) else f"Bearer {bad}"
        resp = client.get("/api/v1/moderation/queue", headers={"Authorization": header})
        assert resp.status_code == 401, bad[:20]
        assert "WWW-Authenticate" in resp.headers


# --- CORS and redirects ---------------------------------------------------------------------------
def test_cors_only_for_configured_origins(hostile_app: Flask) -> None:
    client = hostile_app.test_client()
    ok = client.get(f"/api/v1/articles/{SLUG}/comments", headers={"Origin": "https://blog.example.org"})
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://blog.example.org"
    for origin in ["https://evil.example", "https://blog.example.org.evil.example", "null", "http://blog.example.org"]:
        resp = client.get(f"/api/v1/articles/{SLUG}/comments", headers={"Origin": origin})
        assert resp.headers.get("Access-Control-Allow-Origin") in (None, ""), origin
        pre = client.options(
            f"/api/v1/articles/{SLUG}/comments", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert pre.headers.get("Access-Control-Allow-Origin") in (None, ""), origin
    mod = client.get("/api/v1/moderation/queue", headers={"Origin": "https://blog.example.org"})
    assert mod.headers.get("Access-Control-Allow-Origin") in (None, "")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://blog.example.org.evil.example/",
        "https://blog.example.org@evil.example/",
        "\\\\evil.example",
    ],
)
def test_form_redirects_only_to_configured_origins(hostile_app: Flask, target: str) -> None:
    resp = hostile_app.test_client().post(
        f"/api/v1/articles/{SLUG}/comments",
        data={
            "author": "Ann",
            "email": f"r-{uuid.uuid4().hex[:6]}@example.org",
            "comment": "Nice post.",
            "redirect_to": target,
        },
    )
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith(("https://blog.example.org/", "/")) and not location.startswith("//"), location
    assert "evil" not in location.split("?")[0].split("#")[0]


def test_form_redirect_to_allowed_origin_is_kept(hostile_app: Flask) -> None:
    resp = hostile_app.test_client().post(
        f"/api/v1/articles/{SLUG}/comments",
        data={
            "author": "Ann",
            "email": "ok@example.org",
            "comment": "Nice.",
            "redirect_to": "https://blog.example.org/fuzz/#comments",
        },
    )
    assert resp.headers["Location"].startswith("https://blog.example.org/fuzz/?comment=")


# --- headers and privacy on every public page ---------------------------------------------------
def test_public_pages_are_discovered_from_the_url_map(hostile_app: Flask, seeded: dict) -> None:
    pages = public_pages(hostile_app, seeded)
    assert f"/api/v1/articles/{SLUG}/comments" in pages
    assert f"/api/v1/comments/{seeded['published']}" in pages
    if "pages.article_page" in hostile_app.view_functions:
        assert f"/articles/{SLUG}" in pages


def test_security_headers_everywhere_and_csp_on_html(hostile_app: Flask, seeded: dict) -> None:
    client = hostile_app.test_client()
    html_seen = 0
    for url in public_pages(hostile_app, seeded):
        resp = client.get(url)
        assert resp.status_code < 500, url
        assert resp.headers.get("X-Content-Type-Options") == "nosniff", url
        if resp.mimetype == "text/html":
            html_seen += 1
            csp = resp.headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp and "script-src" in csp and "'unsafe-inline'" not in csp, url
            assert "object-src 'none'" in csp, url
            assert resp.headers.get("X-Frame-Options") == "DENY", url
    if "pages.article_page" in hostile_app.view_functions:
        assert html_seen >= 1


def test_no_email_or_ip_on_any_public_endpoint(hostile_app: Flask, seeded: dict) -> None:
    client = hostile_app.test_client()
    crawled = 0
    for url in public_pages(hostile_app, seeded) + [f"/api/v1/comments/{seeded['held']}"]:
        for query in ("", "?page=1&per_page=200"):
            resp = client.get(url + query)
            text = resp.get_data(as_text=True)
            crawled += 1
            assert EMAIL not in text and EMAIL.split("@")[0] not in text, url
            assert IP not in text, url
            if url != "/openapi.json":  # the schema document names the fields, of course
                assert not re.search(r'"(email|ip)"\s*:', text), url
    assert crawled >= 6
    # The moderators do see them (proves the seed really carries an email and an IP).
    mod = client.get(
        f"/api/v1/moderation/comments/{seeded['held']}", headers={"Authorization": f"Bearer {seeded['token']}"}
    ).get_data(as_text=True)
    assert EMAIL in mod and IP in mod

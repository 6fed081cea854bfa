"""Hostile-input fixtures: an app with real data to aim at (an article, published and held
comments, a moderator token), the list of public pages, and the fuzz tally printed at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service import create_app
from service.core import store
from service.core.migrate import upgrade
from service.core.models import Comment
from service.core.moderators import create_moderator
from service.core.settings import load
from service.embedded_redis import EmbeddedRedis

FUZZ: dict[str, dict[str, int]] = {}  # operation -> {"cases": n, "5xx": n, "statuses": ...}

SLUG = "fuzz-article"
EMAIL = "secret-commenter@private.example"
IP = "203.0.113.77"


def tally(operation: str, status: int) -> None:
    row = FUZZ.setdefault(operation, {"cases": 0, "5xx": 0})
    row["cases"] += 1
    if status >= 500:
        row["5xx"] += 1


def seed(app: Flask) -> dict[str, str]:
    """An open article with one published and one held comment (email and IP set), a closed
    article, and a moderator; returns their ids and the token."""
    db = app.extensions["db"]
    with db.session() as s:
        art = store.put_article(s, SLUG, "Fuzz target", "https://blog.example.org/fuzz/")
        store.put_article(s, "closed-article", "Closed", "https://blog.example.org/closed/", closed=True)
        data = {"author": "Visible Name", "email": EMAIL, "body": "A published comment, see https://example.org/x"}
        pub = store.create_comment(s, art, data, ip=IP, user_agent="fuzz", request_id="seed")
        store.publish(s, pub, ("received",), action="publish", actor="test")
        held = store.create_comment(
            s, art, {**data, "body": "A held comment."}, ip=IP, user_agent="fuzz", request_id="seed"
        )
        store.transition(s, held.id, ("received",), "held", action="hold", actor="test")
        s.commit()
        _, token = create_moderator(s, f"fuzz-{uuid.uuid4().hex[:6]}")
        return {"published": pub.id, "held": held.id, "token": token, "article_id": str(art.id)}


@pytest.fixture(scope="session")
def hostile_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A real redis-server for the hostile suite: broker for the app (no worker consumes it here)
    and the rate limiter's storage."""
    redis = EmbeddedRedis(tmp_path_factory.mktemp("hostile-redis")).start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory, hostile_redis: EmbeddedRedis) -> Iterator[Flask]:
    """The real app (WSGI, in-process) on its own SQLite file and a real Redis."""
    tmp = tmp_path_factory.mktemp("hostile")
    settings = load(
        {
            "COMMENTQ_INSTANCE_DIR": str(tmp),
            "SECRET_KEY": "hostile",
            "REDIS_URL": hostile_redis.url,
            "COMMENTQ_RATE_LIMIT": "100000 per minute",
            "COMMENTQ_LOG_JSON": "0",
            "COMMENTQ_LOG_LEVEL": "WARNING",
            "COMMENTQ_ALLOWED_ORIGINS": "https://blog.example.org",
        }
    )
    app = create_app(settings)
    upgrade(app.extensions["db"])
    app.extensions["seed"] = seed(app)
    yield app
    app.extensions["db"].dispose()


@pytest.fixture(scope="module")
def seeded(hostile_app: Flask) -> dict[str, str]:
    return hostile_app.extensions["seed"]


def public_pages(app: Flask, seeded: dict[str, str]) -> list[str]:
    """Every public GET URL the app serves, built from its url_map, with real ids filled in.

    Rules with arguments are filled from the seed; a rule this function cannot fill fails the
    test (so a new public page cannot slip past the header and privacy checks)."""
    values = {"slug": SLUG, "comment_id": seeded["published"], "filename": "app.css"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.startswith(("moderation.", "desk.")):
            continue
        if rule.endpoint == "static" or rule.rule.startswith("/static"):
            continue
        if rule.rule.startswith("/moderation"):
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"public rule {rule.rule} needs {missing}: teach public_pages() to fill it"
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return sorted(set(urls))


def limited_app(tmp: Path, redis_url: str, **env: str) -> Flask:
    """An app with a 3-per-minute rate limit on the real Redis, migrated and seeded."""
    settings = load(
        {
            "COMMENTQ_INSTANCE_DIR": str(tmp),
            "SECRET_KEY": "guards",
            "REDIS_URL": redis_url,
            "COMMENTQ_RATE_LIMIT": "3 per minute",
            "COMMENTQ_LOG_JSON": "0",
            **env,
        }
    )
    app = create_app(settings)
    upgrade(app.extensions["db"])
    seed(app)
    return app


@pytest.fixture
def rl_app(tmp_path: Path, hostile_redis) -> Iterator[Flask]:
    """A rate-limited app on an emptied Redis (the limiter's counts start at zero)."""
    import redis

    redis.Redis.from_url(hostile_redis.url).flushdb()
    app = limited_app(tmp_path, hostile_redis.url)
    yield app
    app.extensions["db"].dispose()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not FUZZ:
        return
    lines = ["operation | cases | 5xx", "--- | --- | ---"]
    for op, row in sorted(FUZZ.items()):
        lines.append(f"{op} | {row['cases']} | {row['5xx']}")
    total = sum(r["cases"] for r in FUZZ.values())
    lines.append(f"TOTAL | {total} | {sum(r['5xx'] for r in FUZZ.values())}")
    text = "\n".join(lines) + "\n"
    terminalreporter.section("commentq fuzz (schemathesis): cases per operation")
    terminalreporter.write(text)
    target = os.environ.get("COMMENTQ_FUZZ_REPORT") or str(
        Path(str(config._tmp_path_factory.getbasetemp())) / "fuzz-report.txt"
    )
    try:
        Path(target).write_text(text)
        terminalreporter.write_line(f"(written to {target})")
    except OSError:
        pass


__all__ = ["Comment", "EMAIL", "IP", "SLUG", "public_pages", "tally"]

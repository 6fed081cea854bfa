"""Shared fixtures. Integration tests run once per backend (SQLite, PostgreSQL) on a stack of real
processes: redis-server, a Celery worker, gunicorn. See tests/support.py."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from service import create_app
from service.core import store
from service.core.migrate import upgrade
from service.core.settings import load
from tests.support import (
    Stack,
    create_pg_database,
    drop_pg_database,
    in_ci,
    postgres_admin_url,
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def unit_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite file, no broker: for tests that need no worker."""
    settings = load(
        {
            "COMMENTQ_INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "unit",
            "COMMENTQ_RATE_LIMIT": "1000 per minute",
            "COMMENTQ_LOG_JSON": "0",
        }
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    upgrade(app.extensions["db"])
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def client(unit_app: Flask):
    return unit_app.test_client()


@pytest.fixture
def runner(unit_app: Flask):
    """Invokes the `commentq` command group against ``unit_app``: ``runner.invoke(args=[...])``."""
    from service.cli import cli

    base = unit_app.test_cli_runner()

    class Runner:
        def invoke(self, args: list[str], **kw: object):
            return base.invoke(cli, args=args, **kw)

    return Runner()


def _database_for(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'commentq.db'}", lambda: None
    admin = postgres_admin_url()
    if admin is None:
        if in_ci():
            pytest.fail("CI must test PostgreSQL: set COMMENTQ_TEST_POSTGRES_URL (.ci/run does)")
        pytest.skip("no PostgreSQL named (COMMENTQ_TEST_POSTGRES_URL); CI runs this")
    url, name = create_pg_database(admin)
    return url, lambda: drop_pg_database(admin, name)


def make_stack(backend: str, tmp: Path, extra_env: dict[str, str] | None = None) -> tuple[Stack, Callable]:
    url, drop = _database_for(backend, tmp)
    stack = Stack(name=backend, database_url=url, tmp=tmp, extra_env=extra_env or {})
    stack.start_redis()
    stack.migrate()
    return stack, drop


@pytest.fixture(scope="session", params=BACKENDS)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A whole commentq per backend: Redis, database, one worker process, gunicorn."""
    tmp = tmp_path_factory.mktemp(f"stack-{request.param}")
    s, drop = make_stack(request.param, tmp)
    try:
        s.start_worker()
        s.start_web()
        yield s
    finally:
        s.stop_all()
        drop()


@pytest.fixture(scope="session")
def stack_app(stack: Stack) -> Iterator[Flask]:
    """An app object on the stack's database, to look at what was stored."""
    app = create_app(stack.settings())
    yield app
    app.extensions["db"].dispose()


@pytest.fixture(scope="session")
def moderator_token(stack: Stack) -> str:
    out = stack.cli("moderator", "create", f"mod-{uuid.uuid4().hex[:8]}")
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("cq_")
    return token


@pytest.fixture
def article(stack_app: Flask) -> str:
    """A fresh article per test, so tests never see each other's comments."""
    slug = f"art-{uuid.uuid4().hex[:10]}"
    with stack_app.extensions["db"].session() as session:
        store.put_article(session, slug, f"Article {slug}", f"https://blog.example.org/{slug}/")
    return slug


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s (last: {last!r})")


@pytest.fixture
def submit(stack: Stack, article: str) -> Callable[..., dict]:
    """POST a comment as JSON to the stack; returns the 202 body (asserts 202)."""

    def _submit(
        body: str = "A thoughtful comment about the article.",
        *,
        author: str = "Reader",
        email: str | None = None,
        slug: str | None = None,
        **extra: object,
    ) -> dict:
        payload = {"author": author, "email": email or f"r-{uuid.uuid4().hex[:8]}@example.org", "body": body, **extra}
        resp = stack.http.post(f"/api/v1/articles/{slug or article}/comments", json_body=payload)
        assert resp.status == 202, resp.text
        return resp.json()

    return _submit


@pytest.fixture
def final_status(stack: Stack) -> Callable[..., str]:
    def _final(comment_id: str, timeout: float = 10.0, want: tuple[str, ...] = ("published", "rejected")) -> str:
        def done() -> str | None:
            status = stack.http.get(f"/api/v1/comments/{comment_id}").json()["status"]
            return status if status in want else None

        return wait_for(done, timeout)  # type: ignore[return-value]

    return _final


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"commentq backends: {', '.join(BACKENDS)}; PostgreSQL: "
        f"{'named' if postgres_admin_url() else 'not named'}; CI={os.environ.get('CI', '')}"
    ]

"""Real faults under load: kill -9 a worker, restart Redis, take the database away, kill -9 the web.

Each test runs its own stack (Redis, database, worker, beat, gunicorn), sends a few hundred
comments through the HTTP API, injects the fault while they are in flight, then proves from the
database that every accepted comment reached a final state, none was published twice, and no
comment was left half-written.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from service import create_app
from service.core.models import Article, AuditEvent, Comment
from service.core.vocabulary import IN_FLIGHT, Status
from tests.chaos.conftest import FINAL, Load, ledger, new_article, send_comments
from tests.conftest import wait_for
from tests.support import Stack, postgres_admin_url

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(150)]

N = 240


def statuses(stack: Stack, slug: str) -> dict[str, str]:
    app = create_app(stack.settings())
    try:
        with app.extensions["db"].session() as s:
            from service.core import store

            art = store.get_article(s, slug)
            return dict(s.execute(select(Comment.id, Comment.status).where(Comment.article_id == art.id)).all())
    finally:
        app.extensions["db"].dispose()


def half_written(stack: Stack, slug: str) -> list[str]:
    """Comments whose audit trail does not start with the submission or does not end at their status."""
    app = create_app(stack.settings())
    bad = []
    try:
        with app.extensions["db"].session() as s:
            from service.core import store

            art = store.get_article(s, slug)
            comments = s.scalars(select(Comment).where(Comment.article_id == art.id)).unique().all()
            for c in comments:
                events = s.scalars(
                    select(AuditEvent).where(AuditEvent.comment_id == c.id).order_by(AuditEvent.id)
                ).all()
                whole = bool(events) and events[0].action == "submit" and events[-1].to_status == c.status
                if not whole or (c.status == Status.PUBLISHED and not c.body_html):
                    bad.append(c.id)
    finally:
        app.extensions["db"].dispose()
    return bad


def assert_clean(stack: Stack, slug: str, led, load: Load) -> None:
    assert led.accepted > 0
    assert led.lost == 0, f"lost comments: {led}"
    assert led.duplicated == 0, f"published twice: {led}"
    assert led.final == led.stored, f"not all stored comments are final: {led}"
    assert half_written(stack, slug) == []


def _live(stack: Stack, slug: str, n: int, **kw: object) -> tuple[threading.Thread, dict]:
    """Run the load in a thread; state['load'] is the Load as it fills, state['result'] at the end."""
    state: dict = {"load": Load()}

    def go() -> None:
        state["result"] = send_comments(stack, slug, n, load=state["load"], **kw)  # type: ignore[arg-type]

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t, state


def _join(t: threading.Thread, state: dict) -> Load:
    t.join(150)
    assert not t.is_alive(), "load generator did not finish in time"
    return state["result"]


# --- worker ---------------------------------------------------------------------------------------
def test_kill_9_worker_mid_task(chaos_stack):
    stack = chaos_stack()
    slug = new_article(stack)
    t0 = time.monotonic()
    t, state = _live(stack, slug, N)
    caught = 0
    for round_ in range(2):
        wait_for(lambda r=round_: len(state["load"].accepted) >= 60 + r * 80, 40)
        # Kill while a task is running if we can catch one in `checking` (bounded wait).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Status.CHECKING not in statuses(stack, slug).values():
            time.sleep(0.01)
        name = "worker" if round_ == 0 else f"worker{round_}"
        caught += in_flight(stack, slug)
        os.killpg(stack.procs[name].pid, signal.SIGKILL)
        stack.stop(name, sig=signal.SIGKILL)
        time.sleep(0.5)
        stack.start_worker(name=f"worker{round_ + 1}")
    load = _join(t, state)
    led = ledger(stack, "kill -9 worker (x2)", slug, load, t0, in_flight_at_fault=caught)
    assert_clean(stack, slug, led, load)
    assert led.by_status.get(Status.FAILED, 0) == 0, led


# --- redis ----------------------------------------------------------------------------------------
def test_redis_restart_mid_stream(chaos_stack):
    stack = chaos_stack()
    slug = new_article(stack)
    t0 = time.monotonic()
    t, state = _live(stack, slug, N)
    wait_for(lambda: len(state["load"].accepted) >= 80, 40)
    caught = in_flight(stack, slug)
    stack.redis.kill()  # SIGKILL: whatever was queued in memory is gone
    time.sleep(2)
    stack.start_redis()  # same port, empty
    load = _join(t, state)
    led = ledger(stack, "redis kill -9 + restart", slug, load, t0, in_flight_at_fault=caught)
    assert_clean(stack, slug, led, load)
    assert led.by_status.get(Status.FAILED, 0) == 0, led


# --- database -------------------------------------------------------------------------------------
def in_flight(stack: Stack, slug: str) -> int:
    return sum(1 for st in statuses(stack, slug).values() if st in IN_FLIGHT)


def _db_name(stack: Stack) -> str:
    return urllib.parse.urlsplit(stack.database_url).path.lstrip("/")


def _set_db_reachable(name: str, ok: bool) -> None:
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if ok else "false"}')
        if not ok:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


def test_database_outage(chaos_stack):
    # One worker process, so a backlog is still queued when the database goes away.
    stack = chaos_stack("postgresql", concurrency=1)
    slug = new_article(stack)
    name = _db_name(stack)
    t0 = time.monotonic()
    t, state = _live(stack, slug, N, threads=6, retry_refused=True)
    wait_for(lambda: len(state["load"].accepted) >= 80, 40)
    probes: list[tuple[int, float, str | None]] = []
    caught = in_flight(stack, slug)
    try:
        _set_db_reachable(name, False)
        outage_end = time.monotonic() + 8
        while time.monotonic() < outage_end:
            p0 = time.monotonic()
            resp = stack.http.post(
                f"/api/v1/articles/{slug}/comments",
                timeout=15,
                json_body={
                    "author": "Probe",
                    "email": "probe@example.org",
                    "body": "A probe sent while the database is away.",
                },
            )
            probes.append((resp.status, time.monotonic() - p0, resp.header("Retry-After")))
            time.sleep(0.3)
        ready = stack.http.get("/readyz")
        assert ready.status == 503 and ready.header("Retry-After")
    finally:
        _set_db_reachable(name, True)
    load = _join(t, state)
    # Recovers by itself: the API answers again without a restart.
    wait_for(lambda: stack.http.get(f"/api/v1/articles/{slug}").status == 200, 20)
    led = ledger(stack, "database unreachable 8s", slug, load, t0, in_flight_at_fault=caught)
    assert_clean(stack, slug, led, load)
    assert led.by_status.get(Status.FAILED, 0) == 0, led
    # During the outage: 503 with Retry-After, quickly (the pool/connect timeouts bound it).
    during = [p for p in probes if p[0] != 202]
    assert during, probes
    assert all(status == 503 and retry for status, _, retry in during), probes
    assert max(secs for _, secs, _ in during) < 4.0, probes
    # Tasks that hit the outage were retried with backoff, not dropped.
    worker_log = stack.logs["worker"].read_text(errors="replace")
    assert re.search(r"[Rr]etry in \d", worker_log), "no task retried during the outage"


def test_spent_retries_end_in_failed_then_requeue(chaos_stack):
    """A comment whose checks never finish (attempts exhausted) is parked in `failed`, visible to
    moderators and operators, and `commentq requeue` sends it through the checks again."""
    stack = chaos_stack("postgresql", env={"COMMENTQ_MAX_ATTEMPTS": "2"})
    slug = new_article(stack)
    resp = stack.http.post(
        f"/api/v1/articles/{slug}/comments",
        json_body={"author": "Ann", "email": "ann@example.org", "body": "Stuck comment."},
    )
    cid = resp.json()["id"]
    wait_for(lambda: statuses(stack, slug)[cid] in FINAL, 15)
    # Simulate a comment whose worker died mid-check twice: claimed twice, still `checking`.
    app = create_app(stack.settings())
    try:
        with app.extensions["db"].session() as s:
            from sqlalchemy import update

            from service.core.models import utcnow

            s.execute(
                update(Comment)
                .where(Comment.id == cid)
                .values(
                    status=Status.CHECKING,
                    attempts=2,
                    body_html=None,
                    published_at=None,
                    updated_at=utcnow().replace(year=2000),
                )
            )
            s.add(
                AuditEvent(
                    comment_id=cid,
                    from_status=Status.PUBLISHED,
                    to_status=Status.CHECKING,
                    action="test-reset",
                    actor="test",
                )
            )
            from service.core.models import Article

            s.execute(update(Article).where(Article.slug == slug).values(comment_count=0))
            s.commit()
    finally:
        app.extensions["db"].dispose()
    wait_for(lambda: statuses(stack, slug)[cid] == Status.FAILED, 20)
    assert stack.http.get(f"/api/v1/comments/{cid}").json()["status"] == "pending"
    out = stack.cli("requeue")
    assert "requeued 1" in out.stdout
    wait_for(lambda: statuses(stack, slug)[cid] == Status.PUBLISHED, 20)


# --- a poison comment ------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads forked them."""
    kids: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in path.read_text().split()]
    return kids


def _pid_with_local_port(pids: list[int], port: int) -> int | None:
    """Which of ``pids`` owns the TCP socket bound locally to ``port`` (a database client's end)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    for pid in pids:
        try:
            if any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:
            continue
    return None


def test_poison_comment_kills_its_worker_until_failed(chaos_stack):
    """A comment that kills the worker process checking it, every time: after max_attempts
    deliveries it is parked in `failed` (not redelivered forever, not lost) while the comments
    around it are decided normally; once the poison is gone, `commentq requeue` publishes it.

    How the comment is made poison, without a hook in commentq: the test holds a row lock on the
    poison comment's article, so a worker that has claimed the comment and decided to publish it
    waits on the article's comment count. The test finds that waiting database session, maps its
    client port to the pool child that owns the socket and kills that child with SIGKILL (then ends
    the orphaned session, which PostgreSQL would otherwise leave waiting on the lock). The lock only
    makes the kill deterministic: watching the log for the comment would race checks that take
    milliseconds."""
    max_attempts = 3
    stack = chaos_stack("postgresql", env={"COMMENTQ_MAX_ATTEMPTS": str(max_attempts)})
    slug, poison_slug = new_article(stack), new_article(stack)
    t0 = time.monotonic()
    # FOR NO KEY UPDATE blocks the count update but not the foreign-key check of a new comment.
    holder = psycopg.connect(stack.database_url)
    holder.execute("SELECT id FROM articles WHERE slug = %s FOR NO KEY UPDATE", (poison_slug,))
    watch = psycopg.connect(stack.database_url, autocommit=True)
    kills: list[int] = []
    try:
        t, state = _live(stack, slug, 40, threads=4, pause=0.3)
        wait_for(lambda: len(state["load"].accepted) >= 12, 30)
        # Worded unlike the load's template, so the near-duplicate check has no reason to hold it.
        resp = stack.http.post(
            f"/api/v1/articles/{poison_slug}/comments",
            json_body={
                "author": "Priya",
                "email": "priya@example.org",
                "body": "My grandfather kept bees behind the old chapel; your photos of the hives brought it all back.",
            },
        )
        assert resp.status == 202, resp.text
        cid, before = resp.json()["id"], len(state["load"].accepted)
        ended: set[int] = set()
        deadline = time.monotonic() + 45
        while (status := statuses(stack, poison_slug)[cid]) != Status.FAILED:
            assert status not in FINAL and time.monotonic() < deadline, f"{status} after {len(kills)} kills"
            waiting = watch.execute(
                "SELECT pid, client_port FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (holder.info.backend_pid,),
            ).fetchall()
            for backend, port in waiting:
                if backend in ended:
                    continue
                child = _pid_with_local_port(_children(stack.procs["worker"].pid), port)
                assert child is not None, f"no worker process owns the session on port {port}"
                os.kill(child, signal.SIGKILL)
                kills.append(child)
                watch.execute("SELECT pg_terminate_backend(%s)", (backend,))
                ended.add(backend)
            time.sleep(0.02)
        load = _join(t, state)
        led = ledger(stack, f"poison comment: kill -9 its worker process ({len(kills)}x)", slug, load, t0)
    finally:
        holder.close()  # the poison is gone: the article's row is free again
        watch.close()
    assert_clean(stack, slug, led, load)
    assert led.accepted == led.sent == 40 and led.by_status.get(Status.FAILED, 0) == 0, led
    assert before < led.accepted, "no comment was submitted after the poison one"
    # Really redelivered after each death, and given up on at the limit.
    assert len(kills) >= max_attempts - 1 and len(set(kills)) == len(kills), kills
    app = create_app(stack.settings())

    def trail() -> list[str]:
        with app.extensions["db"].session() as s:
            return list(
                s.scalars(select(AuditEvent.action).where(AuditEvent.comment_id == cid).order_by(AuditEvent.id))
            )

    try:
        with app.extensions["db"].session() as s:
            assert s.get(Comment, cid).attempts == max_attempts
        actions = trail()
        assert actions == ["submit"] + ["claim"] * max_attempts + ["give-up"], actions
        assert stack.http.get(f"/api/v1/comments/{cid}").json()["status"] == "pending"
        assert "requeued 1" in stack.cli("requeue").stdout
        wait_for(lambda: statuses(stack, poison_slug)[cid] == Status.PUBLISHED, 20)
        with app.extensions["db"].session() as s:
            count = s.scalar(select(Article.comment_count).where(Article.slug == poison_slug))
        actions = trail()
        assert actions[-3:] == ["requeue", "claim", "publish"] and actions.count("publish") == 1, actions
        assert count == 1
    finally:
        app.extensions["db"].dispose()


# --- web ------------------------------------------------------------------------------------------
def test_kill_9_web_mid_request(chaos_stack):
    stack = chaos_stack()
    slug = new_article(stack)
    t0 = time.monotonic()
    t, state = _live(stack, slug, N, threads=8)
    wait_for(lambda: len(state["load"].accepted) >= 50, 40)
    master = stack.procs["web"].pid
    for child in _children(master)[:1]:
        os.kill(child, signal.SIGKILL)  # one gunicorn worker, mid-request; the master replaces it
    wait_for(lambda: len(state["load"].accepted) >= 120, 40)
    caught = in_flight(stack, slug)
    stack.stop("web", sig=signal.SIGKILL)  # the whole web server, master and workers
    time.sleep(1)
    stack.start_web()
    load = _join(t, state)
    led = ledger(stack, "kill -9 web (worker, then all)", slug, load, t0, in_flight_at_fault=caught)
    assert_clean(stack, slug, led, load)
    assert load.errors > 0 or load.refused, "the kill did not interrupt any request"

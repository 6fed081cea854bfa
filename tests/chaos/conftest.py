"""Fault-injection harness: a dedicated stack per test, a bounded load generator, and the ledger
that proves nothing was lost or published twice. The figures go to a table printed at the end of
the run (and to ``chaos-report.txt`` in pytest's base temp dir, or $COMMENTQ_CHAOS_REPORT)."""

from __future__ import annotations

import http.client
import os
import threading
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service import create_app
from service.core import store
from service.core.models import Article, AuditEvent, Comment
from service.core.vocabulary import Status
from tests.conftest import make_stack
from tests.support import Stack

FINAL = (Status.PUBLISHED, Status.HELD, Status.REJECTED, Status.REMOVED, Status.FAILED)
REPORT: list[dict[str, object]] = []

NOUNS = (
    "river",
    "garden",
    "library",
    "bridge",
    "village",
    "harbour",
    "meadow",
    "kitchen",
    "orchard",
    "lantern",
    "window",
    "mountain",
    "valley",
    "station",
    "market",
    "chapel",
    "island",
    "forest",
    "letter",
    "journal",
    "painting",
    "recipe",
    "teacher",
    "farmer",
    "sailor",
    "baker",
    "doctor",
    "artist",
    "neighbour",
    "cousin",
    "grandmother",
    "student",
    "winter",
    "summer",
    "autumn",
    "spring",
    "morning",
    "evening",
    "weekend",
    "holiday",
    "festival",
    "concert",
    "bicycle",
    "railway",
    "canal",
    "lighthouse",
    "castle",
    "museum",
    "theatre",
    "school",
    "hospital",
    "bakery",
    "notebook",
    "photograph",
    "interview",
    "chapter",
    "footnote",
    "timeline",
    "argument",
    "example",
    "detail",
    "history",
    "weather",
    "climate",
    "harvest",
    "election",
    "budget",
    "council",
    "archive",
    "census",
    "survey",
)


def comment_body(i: int, run: str) -> str:
    """Ordinary reader comments, each made of different words (no links), so that neither the
    near-duplicate check nor the classifier holds them and they are published."""
    import random

    w = random.Random(f"{run}-{i}").sample(NOUNS, 8)
    return (
        f"I liked the part about the {w[0]} and the {w[1]}. The {w[2]} reminded me of my own "
        f"{w[3]}, and the {w[4]} near the {w[5]} is lovely. Thanks for the {w[6]} and the {w[7]}."
    )


@dataclass
class Load:
    """What the client saw: ids answered 202, and requests that failed or were refused."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    comments: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sent(self) -> int:
        """Distinct comments the clients tried to submit (a retry of the same one counts once)."""
        return self.comments


def send_comments(
    stack: Stack,
    slug: str,
    n: int,
    *,
    threads: int = 6,
    pause: float = 0.0,
    deadline: float = 60.0,
    retry_refused: bool = False,
    load: Load | None = None,
) -> Load:
    """POST ``n`` comments with ``threads`` clients, bounded by count and by ``deadline`` seconds.
    With ``retry_refused`` a client resends the same comment after a 5xx or a connection error, as
    a blog frontend honouring Retry-After would."""
    run = uuid.uuid4().hex[:6]
    load = load if load is not None else Load()
    stop_at = time.monotonic() + deadline

    def one(i: int) -> None:
        with load.lock:
            load.comments += 1
        payload = {"author": f"Reader {i}", "email": f"reader{i}-{run}@example.org", "body": comment_body(i, run)}
        while time.monotonic() < stop_at:
            try:
                resp = stack.http.post(f"/api/v1/articles/{slug}/comments", json_body=payload, timeout=10)
            except (OSError, urllib.error.URLError, http.client.HTTPException):
                # A killed server can also cut a response short (IncompleteRead, RemoteDisconnected).
                with load.lock:
                    load.errors += 1
                if retry_refused:
                    time.sleep(0.5)
                    continue
                return
            if resp.status == 202:
                with load.lock:
                    load.accepted.append(resp.json()["id"])
                return
            with load.lock:
                load.refused[resp.status] = load.refused.get(resp.status, 0) + 1
            if not retry_refused or resp.status < 500:
                return
            time.sleep(0.5)

    batch = max(threads * 2, 10)
    with ThreadPoolExecutor(threads) as pool:
        for start in range(0, n, batch):
            list(pool.map(one, range(start, min(n, start + batch))))
            if pause:
                time.sleep(pause)
            if time.monotonic() > stop_at:
                break
    return load


@dataclass
class Ledger:
    fault: str
    sent: int
    accepted: int
    final: int
    lost: int
    duplicated: int
    stored: int
    by_status: dict[str, int]
    seconds: float
    in_flight_at_fault: int = 0

    def row(self) -> dict[str, object]:
        return self.__dict__.copy()


def ledger(
    stack: Stack, fault: str, slug: str, load: Load, t0: float, timeout: float = 90.0, in_flight_at_fault: int = 0
) -> Ledger:
    """Wait (bounded) until every stored comment of the article is final, then count.

    lost: answered 202 but not stored, or not final by the deadline.
    duplicated: comments with more than one transition to `published`, plus any gap between the
    article's comment_count and its published comments.
    """
    app = create_app(stack.settings())
    db = app.extensions["db"]
    try:
        deadline = time.monotonic() + timeout
        while True:
            with db.session() as s:
                article = store.get_article(s, slug)
                rows = dict(s.execute(select(Comment.id, Comment.status).where(Comment.article_id == article.id)).all())
            pending = [cid for cid, st in rows.items() if st not in FINAL]
            missing = [cid for cid in load.accepted if cid not in rows]
            if (not pending and not missing) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        with db.session() as s:
            article = s.scalar(select(Article).where(Article.slug == slug))
            published = (
                s.scalar(
                    select(func.count())
                    .select_from(Comment)
                    .where(Comment.article_id == article.id, Comment.status == Status.PUBLISHED)
                )
                or 0
            )
            twice = s.execute(
                select(AuditEvent.comment_id)
                .join(Comment)
                .where(Comment.article_id == article.id, AuditEvent.to_status == Status.PUBLISHED)
                .group_by(AuditEvent.comment_id)
                .having(func.count() > 1)
            ).all()
            by_status: dict[str, int] = {}
            for st in rows.values():
                by_status[st] = by_status.get(st, 0) + 1
            count_gap = abs((article.comment_count or 0) - published)
        lost = len(missing) + sum(1 for cid in load.accepted if rows.get(cid) not in FINAL and cid in rows)
        led = Ledger(
            fault=fault,
            sent=load.sent,
            accepted=len(load.accepted),
            final=sum(1 for st in rows.values() if st in FINAL),
            lost=lost,
            duplicated=len(twice) + count_gap,
            stored=len(rows),
            by_status=by_status,
            seconds=round(time.monotonic() - t0, 1),
            in_flight_at_fault=in_flight_at_fault,
        )
    finally:
        db.dispose()
    REPORT.append(led.row())
    return led


@pytest.fixture
def chaos_stack(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """Builds a dedicated stack (own Redis, own database) for one fault; torn down after the test."""
    built: list[tuple[Stack, Callable[[], None]]] = []

    def build(
        backend: str = "postgresql", *, beat: bool = True, env: dict[str, str] | None = None, concurrency: int = 2
    ) -> Stack:
        base = {"COMMENTQ_SWEEP_AFTER": "4", "COMMENTQ_SWEEP_INTERVAL": "1", "COMMENTQ_LOG_JSON": "0"}
        s, drop = make_stack(backend, tmp_path / f"stack{len(built)}", {**base, **(env or {})})
        built.append((s, drop))
        s.start_worker(concurrency=concurrency)
        if beat:
            s.start_beat()
        s.start_web()
        return s

    yield build
    for s, drop in built:
        s.stop_all()
        drop()


def new_article(stack: Stack) -> str:
    app = create_app(stack.settings())
    try:
        slug = f"chaos-{uuid.uuid4().hex[:8]}"
        with app.extensions["db"].session() as s:
            store.put_article(s, slug, f"Chaos {slug}", f"https://blog.example.org/{slug}/")
        return slug
    finally:
        app.extensions["db"].dispose()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not REPORT:
        return
    cols = ["fault", "sent", "accepted", "in_flight_at_fault", "final", "lost", "duplicated", "seconds", "by_status"]
    lines = [" | ".join(cols), " | ".join("---" for _ in cols)]
    for row in REPORT:
        lines.append(" | ".join(str(row[c]) for c in cols))
    text = "\n".join(lines) + "\n"
    terminalreporter.section("commentq chaos: comments per fault")
    terminalreporter.write(text)
    target = os.environ.get("COMMENTQ_CHAOS_REPORT") or str(
        Path(str(config._tmp_path_factory.getbasetemp())) / "chaos-report.txt"
    )
    try:
        Path(target).write_text(text)
        terminalreporter.write_line(f"(written to {target})")
    except OSError:
        pass

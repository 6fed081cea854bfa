"""Submit -> published latency, end to end: HTTP POST, queue, real worker, checks, publish.

The time is taken until the comment's final decision (published, or held/rejected when the checks say
so: the pipeline's work is the same); the decisions are reported.

Starts its own stack (redis-server, Celery worker, gunicorn; SQLite by default) unless --base points at a
running commentq that has an article --slug. Sequential: one comment in flight at a time, so the figure is
latency, not throughput. The baseline measured in the same run is the bare POST round trip (202).

    .venv/bin/python bench/bench_e2e.py -n 100
    .venv/bin/python bench/bench_e2e.py -n 100 --database postgresql://root@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import Http, Stack, create_pg_database, drop_pg_database


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


OPENERS = [
    "Thanks for writing this up.",
    "Good summary.",
    "I read this twice.",
    "Interesting piece.",
    "This matches what I saw.",
    "Well argued.",
    "Helpful article.",
    "A fair account.",
    "Clear and calm writing.",
    "I learned something here.",
]
TOPICS = [
    "the border talks",
    "the delegation",
    "the timeline",
    "the quotes",
    "the map of the region",
    "the background section",
    "the last paragraph",
    "the choice of venue",
    "the sources",
    "the context",
]
CLOSERS = [
    "Looking forward to the follow-up.",
    "Hope there is an update soon.",
    "Thank you.",
    "Keep it up.",
    "I shared it with my family.",
    "Curious what happens next.",
    "Nicely done.",
    "More like this, please.",
    "Stay safe.",
    "Cheers from Lviv.",
]


def ham(i: int) -> str:
    """Plain, varied reader comments (each distinct, so the duplicate check passes them)."""
    return f"{OPENERS[i % 10]} The part about {TOPICS[(i // 10) % 10]} was useful. {CLOSERS[(i // 100) % 10]}"


def run(http: Http, slug: str, n: int, offset: int = 0, status_of=None) -> tuple[list[float], list[float]]:
    """Time POST -> 202 and POST -> decided. ``status_of`` reads the stored status (own stack: the
    database, so a held comment counts as decided too); otherwise the public view is polled, where a
    held comment stays `pending`."""
    posts, published = [], []
    decided: dict[str, int] = {}
    for i in range(offset, offset + n):
        body = {"author": "Bench", "email": f"bench-{uuid.uuid4().hex[:8]}@example.org", "body": ham(i)}
        t0 = time.perf_counter()
        resp = http.post(f"/api/v1/articles/{slug}/comments", json_body=body)
        t1 = time.perf_counter()
        assert resp.status == 202, resp.text
        cid = resp.json()["id"]
        while True:
            if status_of is not None:
                status = status_of(cid)
                if status not in ("received", "checking"):
                    break
            else:
                status = http.get(f"/api/v1/comments/{cid}").json()["status"]
                if status != "pending":
                    break
            if time.perf_counter() - t0 > 30:
                raise SystemExit(f"comment {cid} not final after 30 s")
            time.sleep(0.002)
        t2 = time.perf_counter()
        decided[status] = decided.get(status, 0) + 1
        posts.append(t1 - t0)
        published.append(t2 - t0)
    run.decided = decided  # type: ignore[attr-defined]
    return posts, published


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--base", help="a running commentq (default: start a stack here)")
    ap.add_argument("--slug", default="bench")
    ap.add_argument("--database", help="PostgreSQL admin URL; a fresh database is created on it")
    args = ap.parse_args()

    stack = drop = app = None
    status_of = None
    if args.base:
        http = Http(args.base.rstrip("/"))
    else:
        tmp = Path(tempfile.mkdtemp(prefix="cq-bench-"))
        url = f"sqlite:///{tmp / 'commentq.db'}"
        if args.database:
            url, name = create_pg_database(args.database)
            drop = (args.database, name)
        stack = Stack(name="bench", database_url=url, tmp=tmp, extra_env={"COMMENTQ_LOG_LEVEL": "WARNING"})
        stack.start_redis()
        stack.migrate()
        stack.cli("article", "put", args.slug, "--title", "Bench")
        stack.start_worker()
        stack.start_web()
        http = stack.http
        from service import create_app
        from service.core.models import Comment

        app = create_app(stack.settings())

        def status_of(cid: str) -> str:
            with app.extensions["db"].session() as session:
                return session.get(Comment, cid).status

    try:
        run(http, args.slug, 5, offset=995, status_of=status_of)  # warm-up: imports, pools, model load
        posts, published = run(http, args.slug, args.n, status_of=status_of)
    finally:
        if app:
            app.extensions["db"].dispose()
        if stack:
            stack.stop_all()
        if drop:
            drop_pg_database(*drop)
    med_post, med_pub = statistics.median(posts), statistics.median(published)
    print(f"comments: {args.n} (sequential), backend: {'postgresql' if args.database else 'sqlite'}")
    print(f"POST -> 202 (baseline)    median {med_post * 1000:7.1f} ms  p90 {pct(posts, 0.9) * 1000:7.1f} ms")
    print(f"decisions: {run.decided}")  # type: ignore[attr-defined]
    print(
        f"POST -> decided           median {med_pub * 1000:7.1f} ms  p90 {pct(published, 0.9) * 1000:7.1f} ms"
        f"  max {max(published) * 1000:7.1f} ms"
    )
    print(f"ratio decided/baseline    {med_pub / med_post:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

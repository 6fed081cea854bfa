"""How many comments per second the whole check pipeline decides on one core.

Runs every check and the policy (the workers' real ``Pipeline``, shipped model, in-memory history
as ``commentq spam evaluate`` uses it; flood is skipped offline) over the labelled corpus rows,
several times, and prints the median rate. Run by hand, not in the test suite:

    .venv/bin/python bench/bench_checks.py [CSV or folder ...] [--runs 5] [--repeat 3] [--profile 30] [--cold]

Defaults to the YouTube part of the shipped training corpus (1,138 comments). The rate uses CPU time of this process
(``time.process_time``), so other load on the machine distorts it less; wall-clock is shown too.
``--profile N`` then profiles one more run (cProfile) and prints its N costliest functions to
stderr, to see where the time goes before changing anything. The checks' text caches persist between
runs, so from the second run on every text is cached; ``--cold`` empties them before each run, as a
worker meets each comment for the first time (measure a cache with ``--cold``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from service.core.settings import PolicyConfig
from workers.checks.base import CheckContext, Submission
from workers.checks.history import MemoryHistory
from workers.checks.memo import BytesLRU
from workers.checks.text import content_hash
from workers.pipeline import Pipeline
from workers.spam.training import YOUTUBE_CORPUS, read_corpus


def one_run(rows: list[tuple[str, str, int]], repeat: int) -> tuple[int, float, float]:
    pipeline = Pipeline()
    config = PolicyConfig.defaults()
    history = MemoryHistory()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for r in range(repeat):
        for i, (author, text, _label) in enumerate(rows):
            cid = f"c-{r}-{i}"
            sub = Submission(
                id=cid,
                article_id=r + 1,
                author=author or "anonymous",
                email=f"{cid}@example.org",
                body=text,
                created_at=start + timedelta(seconds=n),
            )
            outcome = pipeline.run(sub, CheckContext(config=config, history=history, offline=True))
            history.remember(
                r + 1,
                content_hash(text),
                cid,
                body=text,
                author=sub.author,
                email=sub.email,
                created_at=sub.created_at,
                status=outcome.decision.status,
            )
            n += 1
    return n, time.process_time() - cpu0, time.perf_counter() - wall0


def clear_caches() -> None:
    """Empty every text cache (``bytes_lru``) of the check modules loaded so far."""
    for name, module in list(sys.modules.items()):
        if name.startswith("workers.checks") and module is not None:
            for value in vars(module).values():
                if isinstance(value, BytesLRU):
                    value.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=[str(YOUTUBE_CORPUS)])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=2, help="passes over the rows per run (as different articles)")
    ap.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after the runs, profile one more and print its N costliest functions (own time)",
    )
    ap.add_argument("--cold", action="store_true", help="empty the checks' text caches before each run")
    args = ap.parse_args()
    rows = read_corpus(args.paths)
    one_run(rows[:50], 1)  # warm up: load the model, compile the patterns
    cpu_rates, wall_rates = [], []
    for _ in range(args.runs):
        if args.cold:
            clear_caches()
        n, cpu, wall = one_run(rows, args.repeat)
        cpu_rates.append(n / cpu)
        wall_rates.append(n / wall)
    print(
        json.dumps(
            {
                "comments_per_run": len(rows) * args.repeat,
                "cold": args.cold,
                "runs": args.runs,
                "median_per_second_cpu": round(statistics.median(cpu_rates)),
                "median_per_second_wall": round(statistics.median(wall_rates)),
                "per_second_cpu_each_run": [round(x) for x in cpu_rates],
                "median_microseconds_per_comment_cpu": round(1e6 / statistics.median(cpu_rates), 1),
            }
        )
    )
    if args.profile:
        if args.cold:
            clear_caches()
        profiler = cProfile.Profile()
        profiler.runcall(one_run, rows, args.repeat)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
        sys.stderr.write(out.getvalue())


if __name__ == "__main__":
    main()

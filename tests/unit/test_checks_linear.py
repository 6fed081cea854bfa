"""No input makes issue 9's checks slower than linear in its length.

Hypothesis builds adversarial bodies (and names and websites) by repeating short pieces of the
characters regular expressions and link finders trip on ("1.2.", "a-", "www.", "great post ",
"http://", "?ref=", emoji) to about 1,000 and to about 10,000 characters, runs each check on both,
and compares the best of three CPU times: ten times the input may cost at most 30 times the time
(linear work gives ~10x; a quadratic pattern gives ~100x). A ratio of the same process's times,
not a wall-clock threshold, so a busy machine does not make it flaky; every run uses a new text
so no cache answers instead of the check.
"""

from __future__ import annotations

import itertools
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, remember, sub
from workers.checks.author import Author, SharedWebsite
from workers.checks.disallowed import DisallowedKeys
from workers.checks.duplicates import Duplicates
from workers.checks.history import MemoryHistory
from workers.checks.links import Links
from workers.checks.relevance import Relevance

PIECES = [
    "1.2.",
    "a-",
    "a.",
    "www.",
    "http://",
    "https://x.",
    "?ref=",
    "&u=http",
    "/",
    ".com",
    " ",
    "great post ",
    "thanks for sharing ",
    "bookmark ",
    "cheap ",
    "viagra ",
    "-online",
    "👍",
    "\u200b",
    "<a href='",
    "@",
    "x",
    "ASP.NET ",
    "article.To ",
    "(",
    ")",
    "_",
    "%",
    "::",
    "buy-",
    "e",
]
CHECKS = [Links(), Author(), Relevance(), DisallowedKeys(), SharedWebsite(), Duplicates()]
ARTICLE = "Sourdough starter in five days. " * 40
HISTORY = MemoryHistory()
for n in range(20):
    remember(
        HISTORY,
        sub(
            f"An earlier comment number {n} with https://example.org/{n}",
            url=f"https://site{n % 3}.example/",
            email=f"e{n}@example.org",
        ),
    )
_unique = itertools.count()


def _cpu(check, body: str, field: str) -> float:
    best = float("inf")
    for _ in range(3):
        tag = f" {next(_unique)}"  # a new text each time: no lru_cache hit
        kw = {"body": body + tag, "article_text": ARTICLE}
        if field == "author":
            kw["author"] = body + tag
        elif field == "url":
            kw["url"] = "https://" + body + tag
        s = sub(**kw)
        c = ctx(HISTORY)
        t0 = time.process_time()
        check.run(s, c)
        best = min(best, time.process_time() - t0)
    return best


@given(
    unit=st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
    field=st.sampled_from(["body", "author", "url"]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_ten_times_the_input_costs_at_most_thirty_times_the_time(unit, field):
    small = (unit * (1000 // len(unit) + 1))[:1000]
    large = (unit * (10_000 // len(unit) + 1))[:10_000]
    for check in CHECKS:
        t_small = max(_cpu(check, small, field), 2e-5)  # below the clock's grain, call it 20 µs
        t_large = _cpu(check, large, field)
        assert t_large < 30 * t_small, (check.name, field, unit, t_small, t_large)


def test_the_issue_example_is_linear():
    """``"1.2." * 2500`` took 5 s in the old links check."""
    body = "1.2." * 2500
    for check in CHECKS:
        assert _cpu(check, body, "body") < 30 * max(_cpu(check, "1.2." * 250, "body"), 2e-5), check.name

"""Checks that consult the history: duplicates, flood, reputation (in-memory history)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import T0, ctx, remember, sub
from workers.checks.duplicates import Duplicates
from workers.checks.flood import Flood, parse_limit
from workers.checks.history import MemoryHistory, probes_needed
from workers.checks.reputation import Reputation
from workers.checks.text import shingles_of, similar

LONG = "I have been following this series for years and this is the best episode so far in my view"


def test_exact_duplicate_from_the_same_sender_is_spam():
    h = MemoryHistory()
    first = sub("I said this once and I meant it.", email="same@example.org")
    remember(h, first)
    v = Duplicates().run(sub("i said this ONCE and I meant it!", email="same@example.org"), ctx(h))
    assert v.verdict == "spam" and "same sender" in v.reason
    # The same name counts as the same sender too (as in WordPress).
    assert Duplicates().run(sub("I said this once and I meant it.", author=first.author), ctx(h)).verdict == "spam"


def test_exact_duplicate_from_someone_else_short_passes_long_holds():
    h = MemoryHistory()
    remember(h, sub("Nice!", author="A"))
    remember(h, sub(LONG, author="B"))
    assert Duplicates().run(sub("nice", author="C"), ctx(h)).verdict == "pass"
    v = Duplicates().run(sub(LONG, author="C", url="https://c.example.org/"), ctx(h))
    assert v.verdict == "hold" and "other sender" in v.reason
    # Two readers asking the same question gain nothing from it: no link, no website, no hold.
    assert Duplicates().run(sub(LONG, author="D"), ctx(h)).verdict == "pass"
    remember(h, sub(LONG + " https://promo.example/x", author="E"))
    assert Duplicates().run(sub(LONG + " https://promo.example/x", author="F"), ctx(h)).verdict == "hold"


def test_duplicates_on_another_article_are_not_exact_duplicates():
    h = MemoryHistory()
    remember(h, sub("I said this once and I meant it.", email="same@example.org", article_id=2))
    assert Duplicates().run(sub("I said this once and I meant it.", email="same@example.org"), ctx(h)).verdict == "pass"


def test_near_copies_across_articles_hold():
    h = MemoryHistory()
    remember(h, sub(LONG + " one", article_id=2, author="X"))
    once = Duplicates().run(sub(LONG + " two", article_id=3, author="Y"), ctx(h))
    assert once.verdict == "pass" and "1 near-copy" in once.reason
    remember(h, sub(LONG + " three", article_id=4, author="Z"))
    v = Duplicates().run(sub(LONG + " four", article_id=5, author="W", url="https://w.example/"), ctx(h))
    assert v.verdict == "hold" and "2 near-copies" in v.reason
    linked = Duplicates().run(sub(LONG + " four https://promo.example/x", article_id=5, author="W"), ctx(h))
    assert linked.verdict == "hold"
    assert (
        Duplicates().run(sub(LONG + " four", article_id=5, url="https://w.example/"), ctx(h, near_hold=3)).verdict
        == "pass"
    )
    # Without a link or a website, readers who write the same sentence are not a campaign.
    plain = Duplicates().run(sub(LONG + " four", article_id=5, author="W"), ctx(h))
    assert plain.verdict == "pass" and "no link or website" in plain.reason


def test_near_copies_outside_the_window_do_not_count():
    h = MemoryHistory()
    for n in range(3):
        remember(h, sub(f"{LONG} {n}", created_at=T0 - timedelta(days=3)))
    assert Duplicates().run(sub(LONG + " x", created_at=T0, url="https://x.example/"), ctx(h)).verdict == "pass"


def test_near_copy_of_moderator_marked_spam_is_spam():
    h = MemoryHistory()
    spam = sub(LONG, author="Spammer")
    remember(h, spam)
    h.mark(spam.id, spam=True)
    v = Duplicates().run(sub(LONG.replace("years", "months"), article_id=9, author="Other"), ctx(h))
    assert v.verdict == "spam" and "marked spam" in v.reason


def test_flood_parses_flask_limiter_syntax():
    assert parse_limit("10 per hour") == (10, 3600.0)
    assert parse_limit("3/minute") == (3, 60.0)


def test_flood_holds_beyond_the_limit_per_ip_or_email_within_the_window():
    h = MemoryHistory()
    for n in range(3):
        remember(h, sub(f"comment {n}", ip="203.0.113.9", created_at=T0 + timedelta(seconds=n)))
    late = T0 + timedelta(seconds=10)
    v = Flood().run(sub("one more", ip="203.0.113.9", created_at=late), ctx(h, flood_limit="3 per minute"))
    assert v.verdict == "hold" and "3 earlier" in v.reason
    assert (
        Flood().run(sub("one more", ip="203.0.113.9", created_at=late), ctx(h, flood_limit="4 per minute")).verdict
        == "pass"
    )
    # Outside the window they no longer count.
    later = T0 + timedelta(minutes=5)
    assert (
        Flood().run(sub("later", ip="203.0.113.9", created_at=later), ctx(h, flood_limit="3 per minute")).verdict
        == "pass"
    )
    # The same email from other addresses counts too.
    h2 = MemoryHistory()
    for n in range(2):
        remember(h2, sub(f"c{n}", email="x@example.org", ip=f"198.51.100.{n}"))
    assert (
        Flood().run(sub("c", email="X@example.org", ip="192.0.2.1"), ctx(h2, flood_limit="2 per hour")).verdict
        == "hold"
    )


def test_flood_does_not_run_offline():
    assert Flood().run(sub(), ctx(offline=True, flood_limit="1 per hour")).reason == "not checked offline"


def test_reputation_trusts_authors_with_published_comments():
    h = MemoryHistory()
    assert Reputation().run(sub(email="new@example.org"), ctx(h)).reason == "new author"
    remember(h, sub(email="old@example.org"))
    v = Reputation().run(sub(email="OLD@example.org"), ctx(h))
    assert v.verdict == "pass" and "trusted-author" in v.tags
    assert "trusted-author" not in Reputation().run(sub(email="old@example.org"), ctx(h, trusted_after=2)).tags


def test_reputation_after_a_spam_mark():
    h = MemoryHistory()
    bad = sub(email="bad@example.org", url="https://bad.example/", ip="203.0.113.5")
    remember(h, bad)
    h.mark(bad.id, spam=True)
    assert Reputation().run(sub(email="bad@example.org"), ctx(h)).verdict == "spam"
    assert Reputation().run(sub(url="https://BAD.example"), ctx(h)).verdict == "spam"
    v = Reputation().run(sub(ip="203.0.113.5"), ctx(h))
    assert v.verdict == "hold" and "IP address" in v.reason
    # An address many other authors publish from is shared: not blamed.
    for n in range(2):
        remember(h, sub(f"ok {n}", email=f"ok{n}@example.org", ip="203.0.113.5"))
    v = Reputation().run(sub(ip="203.0.113.5"), ctx(h))
    assert v.verdict == "pass" and "shared" in v.reason
    # An approve undoes the mark.
    h.mark(bad.id, spam=False)
    assert Reputation().run(sub(email="bad@example.org"), ctx(h)).verdict == "pass"


@given(
    texts=st.lists(st.lists(st.sampled_from("abcdefgh"), min_size=0, max_size=14).map(" ".join), max_size=40),
    probe=st.lists(st.sampled_from("abcdefgh"), min_size=0, max_size=14).map(" ".join),
    threshold=st.sampled_from([0.05, 0.3, 0.5, 0.7, 0.71, 0.9, 1.0, 1.2]),
    limit=st.integers(1, 50),
)
@settings(max_examples=300, deadline=None)
def test_near_copies_counts_what_a_full_scan_counts(texts, probe, threshold, limit):
    """The shingle index, bisection and prefix filtering must find every similar earlier text.
    (With a threshold of 0 texts sharing no shingle would be "similar"; the index, by design, only
    ever looks at texts that share one, and then probes every shingle.)"""
    h = MemoryHistory()
    for i, text in enumerate(texts):
        h.remember(1, f"d{i}", f"c{i}", body=text, created_at=T0 + timedelta(seconds=i))
    since = T0 + timedelta(seconds=len(texts) // 3)
    marks = shingles_of(probe)
    recent = [r for r in h.seen[max(0, len(h.seen) - limit) :] if r.created_at >= since and r.id != "c0"]
    expected = sum(1 for r in recent if similar(marks, shingles_of(r.body), threshold))
    assert h.near_copies(marks, since, "c0", threshold, limit) == expected


def test_probes_needed():
    assert [probes_needed(n, 0.7) for n in (0, 1, 5, 10, 17)] == [1, 1, 3, 5, 7]
    assert probes_needed(10, 0.0) == 10 and probes_needed(10, 1.0) == 2

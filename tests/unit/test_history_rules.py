"""The history's rules, run as the same scenarios on both storages: the database (``DbHistory``
on SQLite, as a worker sees it) and memory (``MemoryHistory``, as ``commentq spam evaluate`` sees
it). Every scenario must give the same answers on both, so the two cannot drift apart again; the
one difference kept on purpose (``History.bounds_lengths``) is asserted as such."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from service.core.models import Article, Comment, LabelledExample, utcnow
from service.core.vocabulary import Status
from workers.checks.history import IP_SENDERS_COUNTED, DbHistory, History, MemoryHistory, Standing
from workers.checks.sites import website_domain, website_identity
from workers.checks.text import content_hash, shingles_of

NOW = utcnow().replace(microsecond=0)
LONG = "I have been following this series for years and this is the best episode so far in my view"


class Storage(Protocol):
    history: History

    def add(self, body: str = "", *, article: int = 1, minutes_ago: float = 0, **kw: Any) -> str: ...

    def mark(self, comment_id: str, *, spam: bool) -> None: ...

    def article(self, n: int) -> int: ...


class Memory:
    def __init__(self) -> None:
        self.history = MemoryHistory()
        self.n = 0

    def article(self, n: int) -> int:
        return n

    def add(
        self,
        body: str = "",
        *,
        article: int = 1,
        minutes_ago: float = 0,
        author: str = "Ann",
        email: str | None = None,
        ip: str | None = None,
        url: str | None = None,
        status: str = Status.PUBLISHED,
        parent_id: str | None = None,
    ) -> str:
        self.n += 1
        cid = f"m{self.n}"
        self.history.remember(
            article,
            content_hash(body),
            cid,
            body=body,
            author=author,
            email=email or f"{cid}@example.org",
            ip=ip,
            url=url,
            created_at=NOW - timedelta(minutes=minutes_ago),
            status=status,
            parent_id=parent_id,
        )
        return cid

    def mark(self, comment_id: str, *, spam: bool) -> None:
        self.history.mark(comment_id, spam=spam)


class Database:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.history = DbHistory(self.session)
        self.articles: dict[int, int] = {}
        self.n = 0

    def article(self, n: int) -> int:
        if n not in self.articles:
            row = Article(slug=f"a{n}", title=f"A{n}", comment_count=0)
            self.session.add(row)
            self.session.flush()
            self.articles[n] = row.id
        return self.articles[n]

    def add(
        self,
        body: str = "",
        *,
        article: int = 1,
        minutes_ago: float = 0,
        author: str = "Ann",
        email: str | None = None,
        ip: str | None = None,
        url: str | None = None,
        status: str = Status.PUBLISHED,
        parent_id: str | None = None,
    ) -> str:
        self.n += 1
        created: datetime = NOW - timedelta(minutes=minutes_ago)
        row = Comment(
            article_id=self.article(article),
            author=author,
            email=email or f"d{self.n}@example.org",
            body=body,
            url=url,
            ip=ip,
            status=status,
            parent_id=parent_id,
            content_hash=content_hash(body),
            created_at=created,
            updated_at=created,
        )
        self.session.add(row)
        self.session.commit()
        return row.id

    def mark(self, comment_id: str, *, spam: bool) -> None:
        """As ``store.decide`` does for ``spam`` and ``approve``: the status and a labelled example."""
        row = self.session.get(Comment, comment_id)
        assert row is not None
        row.status = Status.REJECTED if spam else Status.PUBLISHED
        self.session.add(
            LabelledExample(comment_id=row.id, author=row.author, text=row.body, label=int(spam), source="moderator:m")
        )
        self.session.commit()


@pytest.fixture(params=["memory", "database"])
def store(request: pytest.FixtureRequest) -> Iterator[Storage]:
    if request.param == "memory":
        yield Memory()
        return
    app: Flask = request.getfixturevalue("unit_app")
    with app.app_context(), app.extensions["db"].session() as session:
        yield Database(session)


def test_duplicates_are_earlier_comments_with_the_same_text_on_the_same_article(store: Storage) -> None:
    h = store.history
    first = store.add("Same words.", author="A", email="a@example.org", minutes_ago=10)
    store.add("Same words.", author="B", email="b@example.org", minutes_ago=5, status=Status.REJECTED)
    store.add("Same words.", article=2, author="C", minutes_ago=5)  # another article
    store.add("Other words.", author="D", minutes_ago=5)
    me = store.add("Same words.", author="E", minutes_ago=1)
    later = store.add("Same words.", author="F")  # after the comment being checked
    digest, art = content_hash("Same words."), store.article(1)
    before = NOW - timedelta(minutes=1)
    senders = h.duplicate_senders(art, digest, me, before)
    assert sorted((s.author, s.email) for s in senders) == [("A", "a@example.org"), ("B", "b@example.org")]
    assert len(h.duplicate_senders(art, digest, me, before, limit=1)) == 1
    # Without a time, every other copy counts; the comment being checked never does.
    assert {s.author for s in h.duplicate_senders(art, digest, me)} == {"A", "B", "F"}
    assert h.exact_duplicate(art, digest, me, before)
    assert not h.exact_duplicate(art, digest, first, NOW - timedelta(minutes=10))
    assert not h.exact_duplicate(store.article(2), digest, later, NOW - timedelta(minutes=5))


def test_a_flood_counts_recent_comments_by_ip_or_email_but_not_rejected_ones(store: Storage) -> None:
    h = store.history
    for n in range(3):
        store.add(f"c{n}", ip="203.0.113.9", minutes_ago=n)
    store.add("spam", ip="203.0.113.9", status=Status.REJECTED)
    store.add("held", ip="203.0.113.9", status=Status.HELD)
    store.add("old", ip="203.0.113.9", minutes_ago=120)
    store.add("x", email="Flood@Example.org", ip="198.51.100.1")
    store.add("y", email="flood@example.org", ip="198.51.100.2", minutes_ago=3)
    since = NOW - timedelta(minutes=30)
    assert h.recent_count(ip="203.0.113.9", email=None, since=since, exclude_id="x") == 4
    assert h.recent_count(ip="192.0.2.1", email="FLOOD@example.org", since=since, exclude_id="x") == 2
    assert h.recent_count(ip="203.0.113.9", email="flood@example.org", since=since, exclude_id="x") == 4
    assert h.recent_count(ip=None, email=None, since=since, exclude_id="x") == 0


def test_standing_counts_approved_comments_and_spam_marks_by_key(store: Storage) -> None:
    h = store.history
    store.add("ok", email="Old@example.org")
    store.add("ok too", email="old@example.org")
    store.add("waiting", email="old@example.org", status=Status.HELD)
    assert h.standing(email="OLD@example.org", ip=None, url=None, exclude_id="x") == Standing(approved=2)

    bad = store.add("buy", email="bad@example.org", ip="203.0.113.5", url="https://www.Bad.example/shop/")
    again = store.add("buy more", email="bad@example.org", ip="203.0.113.5", url="http://bad.example/shop")
    store.mark(bad, spam=True)
    store.mark(again, spam=True)
    store.add("fine", email="ok@example.org", ip="203.0.113.5")
    s = h.standing(email="BAD@example.org", ip="203.0.113.5", url="bad.example/shop", exclude_id="x")
    # Marks count comments (one sender marked twice is twice), the website by identity.
    assert (s.spam_email, s.spam_ip, s.spam_url, s.ip_senders) == (2, 2, 2, 1)
    assert h.standing(email=None, ip=None, url=website_identity("https://bad.example/"), exclude_id="x").spam_url == 0
    # The comment being checked is not its own history.
    assert h.standing(email="bad@example.org", ip=None, url=None, exclude_id=bad).spam_email == 1
    # An approve undoes a mark.
    store.mark(again, spam=False)
    s = h.standing(email="bad@example.org", ip="203.0.113.5", url=None, exclude_id="x")
    assert (s.approved, s.spam_email, s.spam_ip) == (1, 1, 1)


def test_a_shared_host_home_page_identifies_nobody(store: Storage) -> None:
    h = store.history
    store.mark(store.add("spam", email="s@example.org", url="https://facebook.com/"), spam=True)
    store.mark(store.add("spam", email="p@example.org", url="https://facebook.com/cheap.deals"), spam=True)
    reader = h.standing(email="r@example.org", ip=None, url=website_identity("https://facebook.com"), exclude_id="x")
    assert reader.spam_url == 0
    page = website_identity("https://www.facebook.com/cheap.deals/")
    assert h.standing(email="r@example.org", ip=None, url=page, exclude_id="x").spam_url == 1


def test_other_senders_on_a_spam_marked_ip_are_counted_up_to_a_cap(store: Storage) -> None:
    h = store.history
    store.mark(store.add("spam", email="s@example.org", ip="203.0.113.7"), spam=True)
    for n in range(IP_SENDERS_COUNTED + 2):
        store.add(f"ok {n}", email=f"n{n}@example.org", ip="203.0.113.7")
    store.add("held", email="h@example.org", ip="203.0.113.7", status=Status.HELD)
    s = h.standing(email="n0@example.org", ip="203.0.113.7", url=None, exclude_id="x")
    assert (s.spam_ip, s.ip_senders) == (1, IP_SENDERS_COUNTED)
    assert h.standing(email=None, ip="198.51.100.9", url=None, exclude_id="x").ip_senders == 0


def test_website_senders_are_distinct_other_emails_per_site_key_in_the_window(store: Storage) -> None:
    h = store.history
    for n, url in enumerate(["https://www.promo-site.example/a", "http://promo-site.example", "promo-site.example/b"]):
        store.add("x", email=f"p{n}@example.org", url=url)
    store.add("x", email="P0@example.org", url="https://promo-site.example/again")
    store.add("x", email="evil@example.org", url="https://promo-site.example.evil.example/")
    store.add("x", email="old@example.org", url="https://promo-site.example", minutes_ago=3 * 24 * 60)
    store.add("x", email="rej@example.org", url="https://promo-site.example", status=Status.REJECTED)
    store.add("x", email="g1@example.org", url="https://github.com/ann/repo")
    store.add("x", email="g2@example.org", url="https://github.com/ann")
    store.add("x", email="g3@example.org", url="https://github.com/bob")
    since = NOW - timedelta(days=1)
    key = website_domain("https://promo-site.example")
    assert key == "promo-site.example"
    assert h.website_senders(key, since=since, email="new@example.org", exclude_id="x") == 4
    assert h.website_senders(key, since=since, email="p0@example.org", exclude_id="x") == 3
    assert h.website_senders("github.com/ann", since=since, email="new@example.org", exclude_id="x") == 2
    assert h.website_senders("nothing.example", since=since, email="new@example.org", exclude_id="x") == 0


def test_spam_texts_are_moderators_spam_marks_newest_first(store: Storage) -> None:
    h = store.history
    first = store.add("First pitch for cheap watches and bags, visit our shop today", minutes_ago=3)
    second = store.add("Second pitch for loans approved in minutes with no credit check", minutes_ago=2)
    undone = store.add("Third text that a moderator later approved after all, sorry", minutes_ago=1)
    store.mark(first, spam=True)
    store.mark(second, spam=True)
    store.mark(undone, spam=True)
    store.mark(undone, spam=False)
    assert h.spam_texts() == [
        "Second pitch for loans approved in minutes with no credit check",
        "First pitch for cheap watches and bags, visit our shop today",
    ]
    assert h.spam_texts(limit=1) == ["Second pitch for loans approved in minutes with no credit check"]
    assert h.near_spam(shingles_of("First pitch for cheap watches and bags, visit our shop now"), 0.7)
    assert not h.near_spam(shingles_of("Third text that a moderator later approved after all, sorry"), 0.7)


def test_near_copies_count_posted_texts_in_the_window(store: Storage) -> None:
    h = store.history
    store.add(f"{LONG} old", minutes_ago=3 * 24 * 60)
    # Rows are added in time order (as evaluate remembers them).
    for n, status in enumerate([Status.PUBLISHED, Status.HELD, Status.REJECTED, Status.CHECKING]):
        store.add(f"{LONG} {n}", minutes_ago=13 - n, status=status)
    for status in (Status.RECEIVED, Status.REMOVED, Status.FAILED):  # not (or no longer) posted
        store.add(f"{LONG} {status}", minutes_ago=5, status=status)
    store.add("Something else entirely, about the weather and the garden this spring.", minutes_ago=1)
    me = store.add(LONG + " mine")
    probe = LONG + " again"
    since = NOW - timedelta(days=1)
    assert h.near_copies(shingles_of(probe), since, me, 0.7, 200, len(probe)) == 4
    # The newest ``limit`` texts that count: the ones that do not count take no place.
    assert h.near_copies(shingles_of(probe), since, me, 0.7, 2, len(probe)) == 1
    assert h.near_copies(shingles_of(probe), since, me, 0.7, 3, len(probe)) == 2
    assert h.near_copies(shingles_of(probe), since, "x", 0.7, 3, len(probe)) == 2
    assert h.near_copies(shingles_of(probe), NOW - timedelta(minutes=11.5), me, 0.7, 200, len(probe)) == 2


def test_near_copies_length_bound_is_the_one_known_difference(store: Storage) -> None:
    """A text pasted three times has the shingles of one copy. The database skips texts whose
    length rules out a near-copy; the in-memory history (evaluate's figures depend on it) does not.
    See ``History.bounds_lengths``."""
    h = store.history
    store.add(LONG, minutes_ago=1)
    tripled = LONG * 3
    since = NOW - timedelta(days=1)
    expected = 0 if h.bounds_lengths else 1
    assert h.near_copies(shingles_of(tripled), since, "x", 0.7, 200, len(tripled)) == expected
    assert h.near_copies(shingles_of(tripled), since, "x", 0.7, 200) == 1  # no length given: no bound
    assert isinstance(h, DbHistory) == h.bounds_lengths


def test_marks_count_comments_even_with_the_same_keys(store: Storage) -> None:
    """One sender whose comments were marked spam twice, same email, address and website: twice."""
    h = store.history
    for body in ("Cheap watches here", "Cheap bags here"):
        store.mark(store.add(body, email="w@example.org", ip="203.0.113.8", url="https://watches.example/"), spam=True)
    s = h.standing(email="w@example.org", ip="203.0.113.8", url="watches.example", exclude_id="x")
    assert (s.spam_email, s.spam_ip, s.spam_url) == (2, 2, 2)


def test_every_spam_decision_is_a_labelled_example(store: Storage) -> None:
    """Marking a comment spam again (from the Spam folder) labels it again, newest label first."""
    h = store.history
    a = store.add("Alpha pitch for cheap watches and bags, visit our shop today")
    b = store.add("Beta pitch for loans approved in minutes with no credit check")
    store.mark(a, spam=True)
    store.mark(b, spam=True)
    store.mark(a, spam=True)
    assert h.spam_texts() == [
        "Alpha pitch for cheap watches and bags, visit our shop today",
        "Beta pitch for loans approved in minutes with no credit check",
        "Alpha pitch for cheap watches and bags, visit our shop today",
    ]

"""What the checks may ask about earlier comments: from the database, or from memory offline.

Both implementations answer the same questions (the ``History`` protocol), so every check runs
the same way in a worker (``DbHistory``) and in ``commentq spam evaluate`` or a unit test
(``MemoryHistory``). The comment being checked is always excluded.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from service.core import store
from service.core.models import Comment, LabelledExample, Status
from workers.checks.sites import website_domain, website_identity
from workers.checks.text import shingles_of, similar


@dataclass(frozen=True)
class Sender:
    author: str
    email: str
    parent_id: str | None = None  # the comment it replied to


@dataclass(frozen=True)
class Standing:
    """What moderators said earlier about this sender: approved comments, and spam marks by key."""

    approved: int = 0
    spam_email: int = 0
    spam_ip: int = 0
    spam_url: int = 0
    ip_senders: int = 0  # other emails with published comments from this IP (a shared address)


@dataclass(frozen=True)
class EarlierText:
    id: str
    article_id: int
    body: str
    email: str = ""


class History(Protocol):
    def exact_duplicate(
        self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None
    ) -> bool: ...

    def duplicate_senders(
        self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None, limit: int = 20
    ) -> list[Sender]: ...

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int: ...

    def standing(self, *, email: str | None, ip: str | None, url: str | None, exclude_id: str) -> Standing: ...

    def recent_texts(self, since: datetime, exclude_id: str, limit: int = 300) -> list[EarlierText]: ...

    def website_senders(self, key: str, *, since: datetime, email: str, exclude_id: str, limit: int = 500) -> int:
        """How many senders (distinct emails) other than ``email`` gave a website whose
        ``sites.website_domain`` is ``key`` since ``since``."""
        ...

    def spam_texts(self, limit: int = 300) -> list[str]: ...

    def near_copies(
        self,
        marks: frozenset[int],
        since: datetime,
        exclude_id: str,
        threshold: float,
        limit: int = 200,
        length: int | None = None,
    ) -> int: ...

    def near_spam(self, marks: frozenset[int], threshold: float, limit: int = 300) -> bool: ...

    def latest_model_id(self) -> int | None: ...

    def load_model(self, model_id: int) -> bytes | None: ...


def _norm_url(url: str | None) -> str | None:
    """The website as reputation keys it (``sites.website_identity``): None for a shared host's
    home page, which identifies nobody."""
    return website_identity(url)


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (``\\`` escapes)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class DbHistory:
    """History read from the article store (the comment being checked is excluded)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def exact_duplicate(self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None) -> bool:
        return bool(self.duplicate_senders(article_id, digest, exclude_id, before, limit=1))

    def duplicate_senders(
        self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None, limit: int = 20
    ) -> list[Sender]:
        # Only earlier comments count, so two copies checked at once do not reject each other.
        q = select(Comment.author, Comment.email, Comment.parent_id).where(
            Comment.article_id == article_id,
            Comment.content_hash == digest,
            Comment.id != exclude_id,
        )
        if before is not None:
            q = q.where(Comment.created_at < before)
        return [Sender(a or "", e or "", p) for a, e, p in self.session.execute(q.limit(limit)).all()]

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int:
        if not ip and not email:
            return 0
        conds = []
        if ip:
            conds.append(Comment.ip == ip)
        if email:
            conds.append(func.lower(Comment.email) == email.lower())
        counts = [
            self.session.scalar(
                select(func.count())
                .select_from(Comment)
                .where(
                    cond,
                    Comment.created_at >= since,
                    Comment.id != exclude_id,
                    Comment.status != Status.REJECTED,
                )
            )
            or 0
            for cond in conds
        ]
        return max(counts)

    def standing(self, *, email: str | None, ip: str | None, url: str | None, exclude_id: str) -> Standing:
        approved = 0
        if email:
            approved = (
                self.session.scalar(
                    select(func.count())
                    .select_from(Comment)
                    .where(
                        func.lower(Comment.email) == email.lower(),
                        Comment.status == Status.PUBLISHED,
                        Comment.id != exclude_id,
                    )
                )
                or 0
            )
        # A comment counts as marked spam when a moderator labelled it spam and it is still rejected
        # (a later approve undoes the mark).
        marked = (
            select(Comment.email, Comment.ip, Comment.url)
            .join(LabelledExample, LabelledExample.comment_id == Comment.id)
            .where(LabelledExample.label == 1, Comment.status == Status.REJECTED, Comment.id != exclude_id)
        )
        conds = []
        if email:
            conds.append(func.lower(Comment.email) == email.lower())
        if ip:
            conds.append(Comment.ip == ip)
        norm = _norm_url(url)
        if norm:
            # Narrowed by the host's text here; compared by identity below ("www.", scheme, slash).
            conds.append(func.lower(Comment.url).like(_like(norm.split("/", 1)[0]), escape="\\"))
        spam_email = spam_ip = spam_url = 0
        if conds:
            for e, i, u in self.session.execute(marked.where(or_(*conds)).distinct().limit(200)).all():
                spam_email += bool(email and e and e.lower() == email.lower())
                spam_ip += bool(ip and i == ip)
                spam_url += bool(norm and _norm_url(u) == norm)
        ip_senders = 0
        if spam_ip:
            others = (
                select(func.lower(Comment.email))
                .where(
                    Comment.ip == ip,
                    Comment.status == Status.PUBLISHED,
                    func.lower(Comment.email) != (email or "").lower(),
                )
                .distinct()
                .limit(10)
                .subquery()
            )
            ip_senders = self.session.scalar(select(func.count()).select_from(others)) or 0
        return Standing(approved, spam_email, spam_ip, spam_url, ip_senders)

    def recent_texts(self, since: datetime, exclude_id: str, limit: int = 300) -> list[EarlierText]:
        rows = self.session.execute(
            select(Comment.id, Comment.article_id, Comment.body, Comment.email)
            .where(
                Comment.created_at >= since,
                Comment.id != exclude_id,
                Comment.status.in_((Status.PUBLISHED, Status.HELD, Status.REJECTED, Status.CHECKING)),
            )
            .order_by(Comment.created_at.desc())
            .limit(limit)
        ).all()
        return [EarlierText(i, a, b or "", e or "") for i, a, b, e in rows]

    def website_senders(self, key: str, *, since: datetime, email: str, exclude_id: str, limit: int = 500) -> int:
        # The URL column holds what people typed; the database narrows by the host text, and the
        # same key function as the check decides (so "www." and schemes cannot split one site).
        pattern = _like(key.split("/", 1)[0])
        rows = self.session.execute(
            select(Comment.email, Comment.url)
            .where(
                Comment.created_at >= since,
                Comment.id != exclude_id,
                Comment.url.is_not(None),
                func.lower(Comment.url).like(pattern, escape="\\"),
            )
            .order_by(Comment.created_at.desc())
            .limit(limit)
        ).all()
        me = email.lower()
        return len({(e or "").lower() for e, u in rows if website_domain(u) == key and (e or "").lower() != me})

    def spam_texts(self, limit: int = 300) -> list[str]:
        rows = self.session.execute(
            select(LabelledExample.text)
            .join(Comment, Comment.id == LabelledExample.comment_id, isouter=True)
            .where(LabelledExample.label == 1, or_(Comment.id.is_(None), and_(Comment.status == Status.REJECTED)))
            .order_by(LabelledExample.id.desc())
            .limit(limit)
        ).all()
        return [t for (t,) in rows]

    def near_copies(
        self,
        marks: frozenset[int],
        since: datetime,
        exclude_id: str,
        threshold: float,
        limit: int = 200,
        length: int | None = None,
    ) -> int:
        q = select(Comment.body).where(
            Comment.created_at >= since,
            Comment.id != exclude_id,
            Comment.status.in_((Status.PUBLISHED, Status.HELD, Status.REJECTED, Status.CHECKING)),
        )
        if length:
            # Texts whose lengths differ this much cannot be near-copies; let the database skip them.
            slack = threshold * 0.7
            q = q.where(func.length(Comment.body).between(int(length * slack), int(length / slack) + 1))
        bodies = self.session.scalars(q.order_by(Comment.created_at.desc()).limit(limit)).all()
        return sum(1 for body in bodies if similar(marks, shingles_of(body or ""), threshold))

    def near_spam(self, marks: frozenset[int], threshold: float, limit: int = 300) -> bool:
        return any(similar(marks, shingles_of(t), threshold) for t in self.spam_texts(limit))

    def latest_model_id(self) -> int | None:
        return store.latest_spam_model_id(self.session)

    def load_model(self, model_id: int) -> bytes | None:
        return store.spam_model_blob(self.session, model_id)


@dataclass(slots=True)
class _Seen:
    id: str
    article_id: int
    digest: str
    body: str
    author: str
    email: str
    ip: str | None
    url: str | None
    created_at: datetime | None
    status: str = Status.PUBLISHED
    parent_id: str | None = None
    marked_spam: bool = False
    sender: Sender | None = None  # built at the first duplicate lookup, then reused


_NO_STANDING = Standing()


def _append(index: dict, key: object, row: _Seen) -> None:
    """``index.setdefault(key, []).append(row)`` without building a list each time the key exists."""
    rows = index.get(key)
    if rows is None:
        index[key] = [row]
    else:
        rows.append(row)


class MemoryHistory:
    """History of the rows seen so far, for ``commentq spam evaluate`` and unit tests.

    Indexed by sender and by shingle, so a long offline run stays fast."""

    def __init__(self) -> None:
        self.seen: list[_Seen] = []
        self.by_id: dict[str, _Seen] = {}
        self.hashes: dict[tuple[int, str], list[_Seen]] = {}
        self.by_email: dict[str, list[_Seen]] = {}
        self.by_ip: dict[str, list[_Seen]] = {}
        self.by_website: dict[str, list[_Seen]] = {}
        self.by_shingle: dict[int, list[int]] = {}
        self.marks: list[frozenset[int]] = []
        self.marked: list[_Seen] = []
        self.models: list[bytes] = []

    def remember(
        self,
        article_id: int,
        digest: str,
        comment_id: str,
        *,
        body: str = "",
        author: str = "",
        email: str = "",
        ip: str | None = None,
        url: str | None = None,
        created_at: datetime | None = None,
        status: str = Status.PUBLISHED,
        parent_id: str | None = None,
    ) -> None:
        row = _Seen(comment_id, article_id, digest, body, author, email, ip, url, created_at, status, parent_id)
        index = len(self.seen)
        self.seen.append(row)
        self.by_id[comment_id] = row
        _append(self.hashes, (article_id, digest), row)
        _append(self.by_email, email.lower(), row)
        if ip:
            _append(self.by_ip, ip, row)
        site = website_domain(url)
        if site:
            _append(self.by_website, site, row)
        marks = shingles_of(body)
        self.marks.append(marks)
        by_shingle = self.by_shingle
        for m in marks:
            rows = by_shingle.get(m)
            if rows is None:
                by_shingle[m] = [index]
            else:
                rows.append(index)

    def mark(self, comment_id: str, *, spam: bool) -> None:
        """A moderator's decision: ``spam`` rejects and marks; otherwise approves (publishes)."""
        row = self.by_id.get(comment_id)
        if row is not None:
            if spam and not row.marked_spam:
                self.marked.append(row)
            row.marked_spam = spam
            row.status = Status.REJECTED if spam else Status.PUBLISHED

    def exact_duplicate(self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None) -> bool:
        return bool(self.duplicate_senders(article_id, digest, exclude_id, before, limit=1))

    def duplicate_senders(
        self, article_id: int, digest: str, exclude_id: str, before: datetime | None = None, limit: int = 20
    ) -> list[Sender]:
        rows = (r for r in self.hashes.get((article_id, digest), ()) if r.id != exclude_id)
        senders = []
        for r in islice(rows, limit):
            if r.sender is None:
                r.sender = Sender(r.author, r.email, r.parent_id)
            senders.append(r.sender)
        return senders

    def recent_count(self, *, ip: str | None, email: str | None, since: datetime, exclude_id: str) -> int:
        def n(rows: list[_Seen]) -> int:
            return sum(
                1
                for r in rows
                if r.id != exclude_id
                and r.status != Status.REJECTED
                and (r.created_at is None or r.created_at >= since)
            )

        by_ip = n(self.by_ip.get(ip, [])) if ip else 0
        by_email = n(self.by_email.get(email.lower(), [])) if email else 0
        return max(by_ip, by_email)

    def standing(self, *, email: str | None, ip: str | None, url: str | None, exclude_id: str) -> Standing:
        mine = [r for r in self.by_email.get(email.lower(), []) if r.id != exclude_id] if email else []
        if not mine and not self.marked:
            return _NO_STANDING  # a new sender and no spam marks yet: nothing to count
        norm = _norm_url(url)
        marked = [r for r in self.marked if r.status == Status.REJECTED and r.id != exclude_id] if (ip or norm) else []
        spam_ip = sum(1 for r in marked if ip and r.ip == ip)
        em = (email or "").lower()
        ip_senders = (
            len(
                {
                    r.email.lower()
                    for r in self.by_ip.get(ip, [])
                    if r.status == Status.PUBLISHED and r.email.lower() != em
                }
            )
            if spam_ip and ip
            else 0
        )
        return Standing(
            approved=sum(1 for r in mine if r.status == Status.PUBLISHED),
            spam_email=sum(1 for r in mine if r.marked_spam and r.status == Status.REJECTED),
            spam_ip=spam_ip,
            spam_url=sum(1 for r in marked if norm and _norm_url(r.url) == norm),
            ip_senders=ip_senders,
        )

    def recent_texts(self, since: datetime, exclude_id: str, limit: int = 300) -> list[EarlierText]:
        rows = (
            r for r in reversed(self.seen) if r.id != exclude_id and (r.created_at is None or r.created_at >= since)
        )
        return [EarlierText(r.id, r.article_id, r.body, r.email) for r in islice(rows, limit)]

    def website_senders(self, key: str, *, since: datetime, email: str, exclude_id: str, limit: int = 500) -> int:
        me = email.lower()
        rows = self.by_website.get(key, [])[-limit:]
        return len(
            {
                r.email.lower()
                for r in rows
                if r.id != exclude_id and r.email.lower() != me and (r.created_at is None or r.created_at >= since)
            }
        )

    def spam_texts(self, limit: int = 300) -> list[str]:
        return list(
            islice((r.body for r in reversed(self.marked) if r.marked_spam and r.status == Status.REJECTED), limit)
        )

    def near_copies(
        self,
        marks: frozenset[int],
        since: datetime,
        exclude_id: str,
        threshold: float,
        limit: int = 200,
        length: int | None = None,
    ) -> int:
        first = max(0, len(self.seen) - limit)
        # Each shingle's row indices are ascending (rows are appended), so the rows within the last
        # ``limit`` are a tail found by bisection, not by a scan of everything ever seen.
        candidates: set[int] = set()
        for m in islice(marks, probes_needed(len(marks), threshold)):
            rows = self.by_shingle.get(m)
            if rows and rows[-1] >= first:
                candidates.update(rows[bisect_left(rows, first) :])
        return sum(
            1
            for i in candidates
            if self.seen[i].id != exclude_id
            and (self.seen[i].created_at is None or self.seen[i].created_at >= since)
            and similar(marks, self.marks[i], threshold)
        )

    def near_spam(self, marks: frozenset[int], threshold: float, limit: int = 300) -> bool:
        return any(similar(marks, shingles_of(t), threshold) for t in self.spam_texts(limit))

    def latest_model_id(self) -> int | None:
        return len(self.models) or None

    def load_model(self, model_id: int) -> bytes | None:
        return self.models[model_id - 1] if 0 < model_id <= len(self.models) else None


def probes_needed(n: int, threshold: float) -> int:
    """How many of a text's ``n`` shingles must be looked up to find every earlier text with
    Jaccard similarity >= ``threshold`` (prefix filtering): such a text shares at least
    ``threshold * n`` of them, so it misses at most ``n - ceil(threshold * n)``, and any
    ``n - ceil(threshold * n) + 1`` of them include one it has. One less shared shingle is allowed
    for, so float rounding in ``similar`` can never matter."""
    if threshold <= 0:
        return n
    shared = max(0, math.ceil(threshold * n) - 1)
    return max(1, min(n, n - shared + 1))


def window_start(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)

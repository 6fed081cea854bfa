"""The comment repository: every read and write of comments goes through here (the API and the
desk, the worker's claim and decision, the outbox sweep, privacy, and the checks' questions about
earlier comments, ``workers.checks.history``), each write with its audit row.

Status changes are conditional updates (``WHERE status IN (...)``) so a retried or redelivered
task, or two moderators clicking at once, change a comment at most once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import CursorResult, Update, func, or_, select, update
from sqlalchemy.orm import Session

from service.core.errors import InvalidInput, NotFound
from service.core.models import (
    Article,
    AuditEvent,
    CheckResult,
    Comment,
    LabelledExample,
    SpamModel,
    utcnow,
)
from service.core.render import render_body
from service.core.validation import public_name, slug_problem
from service.core.vocabulary import IN_FLIGHT, Action, AuditAction, PublicStatus, Status, SystemAction, public_status


def _update(session: Session, statement: Update) -> int:
    """Run an UPDATE; returns how many rows it matched (the conditional updates' answer)."""
    result = session.execute(statement)
    # An UPDATE always answers with a cursor result; only that carries the row count.
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


def get_article(session: Session, slug: str) -> Article | None:
    return session.scalar(select(Article).where(Article.slug == slug))


def put_article(
    session: Session,
    slug: str,
    title: str | None,
    url: str | None = None,
    closed: bool | None = None,
    body: str | None = None,
) -> Article:
    """Create an article, or change what is given of an existing one: ``None`` leaves a field as it
    is (re-running ``commentq article put`` without ``--closed`` never reopens a closed article).

    Raises ``InvalidInput`` (field ``title``) when a new article has no title.
    """
    article = get_article(session, slug)
    if article is None:
        if not title:
            raise InvalidInput.on("title", "A new article needs a title.")
        article = Article(slug=slug, title=title, url=url, closed=bool(closed), body=body, comment_count=0)
        session.add(article)
    else:
        if title:
            article.title = title
        if url is not None:
            article.url = url
        if closed is not None:
            article.closed = closed
        if body is not None:
            article.body = body
    session.commit()
    return article


def create_comment(
    session: Session,
    article: Article,
    data: dict[str, Any],
    *,
    ip: str | None,
    user_agent: str | None,
    request_id: str | None,
) -> Comment:
    """Commit the comment in `received` before anything is queued (the outbox row is the comment).

    Raises ``InvalidInput`` (field ``parent_id``) when the reply's parent is not a published comment
    on ``article``."""
    parent_id = data.get("parent_id")
    if parent_id:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.article_id != article.id or parent.status != Status.PUBLISHED:
            raise InvalidInput.on("parent_id", "No published comment with this id on this article.")
    now = utcnow()
    comment = Comment(
        article_id=article.id,
        parent_id=parent_id,
        author=data["author"],
        email=data["email"],
        url=data.get("url"),
        body=data["body"],
        honeypot=data.get("phone"),
        ip=ip,
        user_agent=(user_agent or "")[:500] or None,
        status=Status.RECEIVED,
        request_id=request_id,
        created_at=now,
        updated_at=now,
    )
    session.add(comment)
    session.flush()
    session.add(
        AuditEvent(
            comment_id=comment.id,
            from_status=None,
            to_status=Status.RECEIVED,
            action=SystemAction.SUBMIT,
            actor="commenter",
            created_at=now,
        )
    )
    session.commit()
    return comment


def transition(
    session: Session,
    comment_id: str,
    allowed_from: tuple[str, ...],
    to: Status,
    *,
    action: AuditAction,
    actor: str,
    note: str | None = None,
    **values: Any,
) -> str | None:
    """Move a comment to ``to`` if it is in one of ``allowed_from``; returns the old status or None.

    Does not commit: the caller commits the change together with whatever goes with it.
    """
    current = session.execute(select(Comment.status).where(Comment.id == comment_id)).scalar_one_or_none()
    if current is None or current not in allowed_from:
        return None
    now = utcnow()
    changed = _update(
        session,
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == current)
        .values(status=to, updated_at=now, **values)
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        return None
    # The article's count follows from the change this update really made (old -> new), not from
    # the status a caller read earlier: approve and spam at the same moment once left a rejected
    # comment counted (issue 11). Same transaction as the update, so both commit or neither.
    delta = (to == Status.PUBLISHED) - (current == Status.PUBLISHED)
    if delta:
        article_id = select(Comment.article_id).where(Comment.id == comment_id).scalar_subquery()
        session.execute(
            update(Article)
            .where(Article.id == article_id, Article.comment_count + delta >= 0)
            .values(comment_count=Article.comment_count + delta)
            .execution_options(synchronize_session=False)
        )
    session.add(
        AuditEvent(
            comment_id=comment_id,
            from_status=current,
            to_status=to,
            action=action,
            actor=actor,
            note=note,
            created_at=now,
        )
    )
    return current


def publish(
    session: Session,
    comment: Comment,
    allowed_from: tuple[str, ...],
    *,
    action: AuditAction,
    actor: str,
    note: str | None = None,
) -> bool:
    """Render once, mark published (``transition`` bumps the article's count); a second call does
    nothing."""
    html = render_body(comment.body)
    old = transition(
        session,
        comment.id,
        allowed_from,
        Status.PUBLISHED,
        action=action,
        actor=actor,
        note=note,
        body_html=html,
        published_at=utcnow(),
        decided_by=actor,
    )
    return old is not None


def unpublish(
    session: Session, comment: Comment, to: Status, *, action: AuditAction, actor: str, note: str | None = None
) -> bool:
    old = transition(
        session, comment.id, (Status.PUBLISHED,), to, action=action, actor=actor, note=note, decided_by=actor
    )
    return old is not None


def replace_check_results(session: Session, comment_id: str, verdicts: list[Any]) -> None:
    session.query(CheckResult).filter(CheckResult.comment_id == comment_id).delete()
    for v in verdicts:
        session.add(
            CheckResult(
                comment_id=comment_id,
                check=v.check,
                verdict=v.verdict,
                score=float(v.score),
                reason=v.reason[:5000],
                version=v.version,
            )
        )


def get_comment(session: Session, comment_id: str) -> Comment | None:
    """The comment with ``comment_id`` (article loaded on access), or None if there is none."""
    return session.get(Comment, comment_id)


def give_up(session: Session, comment_id: str, attempts: int, *, actor: str) -> bool:
    """Mark an in-flight comment (``received``/``checking``) ``failed`` after ``attempts`` runs of
    its checks did not finish; False when it is no longer in flight. Does not commit."""
    old = transition(
        session,
        comment_id,
        IN_FLIGHT,
        Status.FAILED,
        action=SystemAction.GIVE_UP,
        actor=actor,
        note=f"checks did not finish after {attempts} attempts",
    )
    return old is not None


def claim(session: Session, comment_id: str, *, actor: str, content_hash: str) -> bool:
    """Claim an in-flight comment (``received``/``checking``) for a run of its checks: status
    ``checking``, one more attempt, ``claimed_at`` now, and the body's ``content_hash`` (what the
    duplicates check compares). A conditional update: False when it is no longer in flight (a
    redelivered task that lost the race). Does not commit."""
    old = transition(
        session,
        comment_id,
        IN_FLIGHT,
        Status.CHECKING,
        action=SystemAction.CLAIM,
        actor=actor,
        attempts=Comment.attempts + 1,
        claimed_at=utcnow(),
        content_hash=content_hash,
    )
    return old is not None


def record_decision(
    session: Session,
    comment: Comment,
    verdicts: list[Any],
    status: Status,
    *,
    actor: str,
    reason: str,
    spam_score: float | None = None,
) -> bool:
    """Store the checks' ``verdicts`` (objects with ``check``, ``verdict``, ``score``, ``reason``,
    ``version``) and move the comment from ``checking`` to ``status`` (``published``, rendered
    once, or ``held``/``rejected`` with ``spam_score``, P(spam) in 0..1). A conditional update:
    False when the comment is no longer ``checking`` (another delivery decided first); the caller
    then rolls back, keeping that delivery's results. Does not commit."""
    replace_check_results(session, comment.id, verdicts)
    if status == Status.PUBLISHED:
        return publish(session, comment, (Status.CHECKING,), action=SystemAction.PUBLISH, actor=actor, note=reason)
    old = transition(
        session,
        comment.id,
        (Status.CHECKING,),
        status,
        action=SystemAction(status),
        actor=actor,
        note=reason,
        decided_by=actor,
        spam_score=spam_score,
    )
    return old is not None


def touch_stuck(session: Session, comment: Comment) -> bool:
    """Set ``updated_at`` of a comment ``stuck_comments`` returned to now, if its status is still
    the one read (so the next sweep waits a full period before re-queueing it again); False when it
    moved on meanwhile. No audit row: the status does not change. Does not commit."""
    return (
        _update(
            session,
            update(Comment)
            .where(Comment.id == comment.id, Comment.status == comment.status)
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False),
        )
        > 0
    )


def comments_by_email(session: Session, email: str) -> list[Comment]:
    """Every comment sent with ``email`` (trimmed, case-insensitive), oldest first, any status."""
    wanted = email.strip().lower()
    return list(
        session.scalars(select(Comment).where(func.lower(Comment.email) == wanted).order_by(Comment.created_at))
    )


def erase_personal_data(
    session: Session, comments: list[Comment], *, author: str, email: str, actor: str, note: str
) -> int:
    """Replace the author name and email of ``comments`` with ``author`` and ``email``, clear their
    website, IP address and user agent, blank the author of their labelled examples, and add an
    audit row per comment (status unchanged, any status); returns how many. Commits."""
    now = utcnow()
    for c in comments:
        c.author, c.email, c.url, c.ip, c.user_agent = author, email, None, None, None
        c.updated_at = now
        session.add(
            AuditEvent(
                comment_id=c.id,
                from_status=c.status,
                to_status=c.status,
                action="erase",
                actor=actor,
                note=note,
                created_at=now,
            )
        )
    if comments:
        session.execute(
            update(LabelledExample).where(LabelledExample.comment_id.in_([c.id for c in comments])).values(author="")
        )
    session.commit()
    return len(comments)


def forget_addresses(session: Session, before: datetime, statuses: tuple[str, ...]) -> int:
    """Clear the IP address and user agent of comments created before ``before`` whose status is
    one of ``statuses``; one UPDATE, so a repeated call changes nothing more. Returns how many
    comments changed. Commits."""
    changed = _update(
        session,
        update(Comment)
        .where(
            Comment.created_at < before,
            Comment.status.in_(statuses),
            (Comment.ip.is_not(None)) | (Comment.user_agent.is_not(None)),
        )
        .values(ip=None, user_agent=None)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return changed


MODERATOR_MOVES: dict[Action, tuple[tuple[Status, ...], Status]] = {
    # action: (from which statuses, to which status)
    Action.APPROVE: ((Status.HELD, Status.REJECTED, Status.FAILED), Status.PUBLISHED),
    Action.REJECT: ((Status.HELD, Status.FAILED), Status.REJECTED),
    Action.SPAM: ((Status.HELD, Status.PUBLISHED, Status.REJECTED, Status.FAILED), Status.REJECTED),
    Action.REMOVE: ((Status.PUBLISHED,), Status.REMOVED),
    # WordPress's "Not Spam" on its Spam folder: a rejected comment was wrong; publish it and
    # teach the classifier (a labelled ham example, as ``approve`` gives).
    Action.NOT_SPAM: ((Status.REJECTED,), Status.PUBLISHED),
}
# action -> the label it teaches (1 spam, 0 ham)
LEARNING_ACTIONS: dict[Action, int] = {Action.SPAM: 1, Action.APPROVE: 0, Action.NOT_SPAM: 0}


def decide(session: Session, comment: Comment, action: Action, moderator: str, note: str | None) -> bool:
    """Apply a moderator's decision; False when the comment's status does not allow it."""
    allowed, to = MODERATOR_MOVES[action]
    actor = f"moderator:{moderator}"
    if comment.status not in allowed:
        return False
    if to == Status.PUBLISHED:
        ok = publish(session, comment, allowed, action=action, actor=actor, note=note)
    else:
        # Whatever the status is by now (another moderator may have just published it), the
        # conditional update decides and ``transition`` keeps the count in step with it.
        ok = (
            transition(session, comment.id, allowed, to, action=action, actor=actor, note=note, decided_by=actor)
            is not None
        )
    if ok and action in LEARNING_ACTIONS:
        session.add(
            LabelledExample(
                comment_id=comment.id,
                author=comment.author,
                text=comment.body,
                label=LEARNING_ACTIONS[action],
                source=actor,
            )
        )
    return ok


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1


def published_threads(session: Session, article: Article, page: int, per_page: int, max_depth: int) -> Page:
    """Top-level published comments, oldest first, each with its published replies nested.

    Threads render ``max_depth`` levels deep (top level = 1; WordPress's "thread comments N levels
    deep"): a reply deeper than that is listed at level ``max_depth``, after its parent, in time
    order, with ``in_reply_to`` naming the comment it answers. No published comment is ever left
    out. A reply whose parent is no longer published (removed, or marked spam) stays in its thread
    under the nearest published ancestor, which its ``parent_id`` then names (``parent_removed``).
    """
    max_depth = max(2, max_depth)
    rows = session.scalars(
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == Status.PUBLISHED)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_id = {c.id: c for c in rows}
    # Every comment's stored parent, published or not, to walk past unpublished ones.
    stored_parent: dict[str, str | None] = dict(
        session.execute(select(Comment.id, Comment.parent_id).where(Comment.article_id == article.id)).all()
    )

    def visible_parent(c: Comment) -> str | None:
        p, seen = c.parent_id, set()
        while p is not None and p not in by_id and p not in seen:
            seen.add(p)
            p = stored_parent.get(p)
        return p if p in by_id else None

    parent_of = {c.id: visible_parent(c) for c in rows}
    children: dict[str | None, list[Comment]] = {}
    for c in rows:  # in time order, so every list of children is too
        children.setdefault(parent_of[c.id], []).append(c)

    def item(c: Comment, shown_under: str | None) -> dict[str, Any]:
        parent = parent_of[c.id]
        reply_to = None
        if parent is not None and parent != shown_under:
            reply_to = {"id": parent, "author": public_name(by_id[parent].author)}
        return {
            "id": c.id,
            "author": public_name(c.author),
            "url": c.url,
            "body_html": c.body_html or "",
            "created_at": c.created_at,
            "parent_id": parent,
            "replies": [],
            "in_reply_to": reply_to,
            "parent_removed": c.parent_id is not None and c.parent_id != parent,
        }

    def descendants(c: Comment) -> list[Comment]:
        found, stack = [], list(children.get(c.id, []))
        while stack:
            d = stack.pop()
            found.append(d)
            stack.extend(children.get(d.id, []))
        return sorted(found, key=lambda d: (d.created_at, d.id))

    def node(c: Comment, level: int, shown_under: str | None) -> dict[str, Any]:
        out = item(c, shown_under)
        if level < max_depth - 1:
            out["replies"] = [node(r, level + 1, c.id) for r in children.get(c.id, [])]
        else:  # the last nesting level: every descendant, flat, in time order
            out["replies"] = [item(d, c.id) for d in descendants(c)]
        return out

    roots = children.get(None, [])
    start = (page - 1) * per_page
    return Page([node(c, 1, None) for c in roots[start : start + per_page]], page, per_page, len(roots))


def moderation_queue(session: Session, status: str, article_slug: str | None, page: int, per_page: int) -> Page:
    q = select(Comment).where(Comment.status == status)
    count_q = select(func.count()).select_from(Comment).where(Comment.status == status)
    if article_slug:
        q = q.join(Article).where(Article.slug == article_slug)
        count_q = count_q.join(Article).where(Article.slug == article_slug)
    total = session.scalar(count_q) or 0
    items = (
        session.scalars(q.order_by(Comment.created_at, Comment.id).offset((page - 1) * per_page).limit(per_page))
        .unique()
        .all()
    )
    return Page(list(items), page, per_page, total)


def oldest_held_age(session: Session) -> float | None:
    oldest = session.scalar(select(func.min(Comment.created_at)).where(Comment.status == Status.HELD))
    if oldest is None:
        return None
    if oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return (utcnow() - oldest).total_seconds()


def requeue(session: Session, status: Status, *, actor: str) -> list[str]:
    """Send every comment in ``status`` (``failed``, ``received`` or ``checking``) back to
    ``received`` with its attempts reset, one conditional update and commit each (a comment another
    process moved meanwhile is left alone); returns the ids moved, for the caller to queue."""
    moved = []
    for cid in list(session.scalars(select(Comment.id).where(Comment.status == status))):
        old = transition(
            session,
            cid,
            (status,),
            Status.RECEIVED,
            action=SystemAction.REQUEUE,
            actor=actor,
            note="commentq requeue",
            attempts=0,
        )
        session.commit()
        if old is not None:
            moved.append(cid)
    return moved


def stuck_comments(session: Session, older_than: float, limit: int = 500) -> list[Comment]:
    """Comments still in received/checking after ``older_than`` seconds: the broker lost them."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    return list(
        session.scalars(
            select(Comment)
            .where(Comment.status.in_(IN_FLIGHT), Comment.updated_at < cutoff)
            .order_by(Comment.updated_at)
            .limit(limit)
        )
        .unique()
        .all()
    )


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all()
    return {status: n for status, n in rows}


def as_aware(dt: datetime | None) -> datetime | None:
    from datetime import UTC

    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def decisions_per_day(session: Session, days: int = 14) -> list[tuple[str, dict[str, int]]]:
    """Moderator decisions per UTC day and action over the last ``days`` days, newest first.

    Grouped in Python so the same code runs on SQLite and PostgreSQL; the window keeps it small.
    """
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(AuditEvent.created_at, AuditEvent.action).where(
            AuditEvent.actor.like("moderator:%"), AuditEvent.created_at >= since
        )
    ).all()
    per_day: dict[str, dict[str, int]] = {}
    for created_at, action in rows:
        day = as_aware(created_at).strftime("%Y-%m-%d")  # type: ignore[union-attr]
        bucket = per_day.setdefault(day, {})
        bucket[action] = bucket.get(action, 0) + 1
    return sorted(per_day.items(), reverse=True)


def articles_with_counts(session: Session) -> list[tuple[Article, int]]:
    """Every article with the number of its held comments, for the desk's article filter."""
    held = (
        select(Comment.article_id, func.count().label("n"))
        .where(Comment.status == Status.HELD)
        .group_by(Comment.article_id)
        .subquery()
    )
    rows = session.execute(
        select(Article, func.coalesce(held.c.n, 0))
        .outerjoin(held, held.c.article_id == Article.id)
        .order_by(Article.slug)
    ).all()
    return [(a, int(n)) for a, n in rows]


# What the checks may ask about earlier comments (``workers.checks.history.DbHistory``). Each function
# narrows exactly as its docstring says; ``workers.checks.history`` holds the rules that decide what the
# rows mean, the same rules over the in-memory history of ``commentq spam evaluate``.


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere (``\\`` escapes)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def same_text_senders(
    session: Session, article_id: int, digest: str, *, exclude_id: str, before: datetime | None, limit: int
) -> list[tuple[str, str, str | None]]:
    """(author, email, parent_id) of up to ``limit`` comments on ``article_id`` whose body has
    ``content_hash`` ``digest``, other than ``exclude_id``, created before ``before`` when given;
    any status."""
    q = select(Comment.author, Comment.email, Comment.parent_id).where(
        Comment.article_id == article_id,
        Comment.content_hash == digest,
        Comment.id != exclude_id,
    )
    if before is not None:
        q = q.where(Comment.created_at < before)
    return [(a or "", e or "", p) for a, e, p in session.execute(q.limit(limit)).all()]


def count_comments(
    session: Session,
    *,
    exclude_id: str,
    statuses: tuple[str, ...],
    ip: str | None = None,
    email: str | None = None,
    since: datetime | None = None,
) -> int:
    """How many comments other than ``exclude_id`` in one of ``statuses`` came from ``ip`` (exactly)
    or, when ``ip`` is None, from ``email`` (case-insensitive), created at or after ``since`` when
    given. Raises ValueError when neither ``ip`` nor ``email`` is given."""
    if ip:
        sender = Comment.ip == ip
    elif email:
        sender = func.lower(Comment.email) == email.lower()
    else:
        raise ValueError("count_comments needs an ip or an email")
    q = select(func.count()).select_from(Comment).where(sender, Comment.id != exclude_id, Comment.status.in_(statuses))
    if since is not None:
        q = q.where(Comment.created_at >= since)
    return session.scalar(q) or 0


def marked_spam_senders(
    session: Session,
    *,
    exclude_id: str,
    email: str | None,
    ip: str | None,
    host: str | None,
    limit: int = 200,
) -> list[tuple[str, str | None, str | None]]:
    """(email, ip, url) of up to ``limit`` comments, other than ``exclude_id``, that a moderator
    labelled spam and that are still ``rejected`` (a later approve undoes the mark), sent from
    ``email`` (case-insensitive) or ``ip`` or with a website whose text contains ``host``
    (case-insensitive; a narrowing only, the caller compares identities). One row per comment."""
    conds = []
    if email:
        conds.append(func.lower(Comment.email) == email.lower())
    if ip:
        conds.append(Comment.ip == ip)
    if host:
        conds.append(func.lower(Comment.url).like(_like(host.lower()), escape="\\"))
    if not conds:
        return []
    marked = (
        select(Comment.id, Comment.email, Comment.ip, Comment.url)
        .join(LabelledExample, LabelledExample.comment_id == Comment.id)
        .where(LabelledExample.label == 1, Comment.status == Status.REJECTED, Comment.id != exclude_id)
        .where(or_(*conds))
        .distinct()
        .limit(limit)
    )
    return [(e or "", i, u) for _, e, i, u in session.execute(marked).all()]


def published_senders_from(session: Session, ip: str, *, other_than: str, limit: int) -> int:
    """How many distinct emails (case-insensitive) other than ``other_than`` have ``published``
    comments from ``ip``, counting at most ``limit``."""
    others = (
        select(func.lower(Comment.email))
        .where(
            Comment.ip == ip,
            Comment.status == Status.PUBLISHED,
            func.lower(Comment.email) != other_than.lower(),
        )
        .distinct()
        .limit(limit)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(others)) or 0


def website_rows(
    session: Session, host: str, *, since: datetime, exclude_id: str, limit: int
) -> list[tuple[str, str | None]]:
    """(email, url) of the newest ``limit`` comments other than ``exclude_id``, created at or after
    ``since``, any status, whose website text contains ``host`` (case-insensitive; what people
    typed, so a narrowing only: the caller compares the site)."""
    rows = session.execute(
        select(Comment.email, Comment.url)
        .where(
            Comment.created_at >= since,
            Comment.id != exclude_id,
            Comment.url.is_not(None),
            func.lower(Comment.url).like(_like(host.lower()), escape="\\"),
        )
        .order_by(Comment.created_at.desc())
        .limit(limit)
    ).all()
    return [(e or "", u) for e, u in rows]


def spam_example_texts(session: Session, limit: int) -> list[str]:
    """The texts of the newest ``limit`` examples moderators labelled spam whose comment is still
    ``rejected`` or no longer stored, newest label first."""
    rows = session.execute(
        select(LabelledExample.text)
        .join(Comment, Comment.id == LabelledExample.comment_id, isouter=True)
        .where(LabelledExample.label == 1, or_(Comment.id.is_(None), Comment.status == Status.REJECTED))
        .order_by(LabelledExample.id.desc())
        .limit(limit)
    ).all()
    return [t for (t,) in rows]


def recent_bodies(
    session: Session,
    *,
    since: datetime,
    exclude_id: str,
    statuses: tuple[str, ...],
    lengths: tuple[int, int] | None,
    limit: int,
) -> list[str]:
    """The bodies of the newest ``limit`` comments other than ``exclude_id``, created at or after
    ``since``, in one of ``statuses``, and ``lengths[0] <= len(body) <= lengths[1]`` (characters)
    when ``lengths`` is given; newest first."""
    q = select(Comment.body).where(
        Comment.created_at >= since,
        Comment.id != exclude_id,
        Comment.status.in_(statuses),
    )
    if lengths is not None:
        q = q.where(func.length(Comment.body).between(*lengths))
    return [b or "" for b in session.scalars(q.order_by(Comment.created_at.desc()).limit(limit)).all()]


def latest_spam_model_id(session: Session) -> int | None:
    """The id of the model that learned from the most moderator decisions (not the last one stored:
    two retrains can run at once, and the older one may commit second); None when no retrained
    model is stored (workers then use the shipped one). The one "latest model" query: workers ask it
    every few seconds, so it reads the id only, never the blob."""
    return session.scalar(select(SpamModel.id).order_by(SpamModel.last_example_id.desc(), SpamModel.id.desc()).limit(1))


def latest_spam_model(session: Session) -> SpamModel | None:
    """The row of ``latest_spam_model_id`` (blob included), or None when none is stored."""
    model_id = latest_spam_model_id(session)
    return None if model_id is None else session.get(SpamModel, model_id)


def spam_model_blob(session: Session, model_id: int) -> bytes | None:
    """The serialised model stored under ``model_id`` (``Model.to_bytes``), or None if there is none."""
    return session.scalar(select(SpamModel.blob).where(SpamModel.id == model_id))


def unlearned_examples(session: Session) -> int:
    """Moderators' labelled decisions that the newest model has not learned from yet."""
    latest = latest_spam_model(session)
    since = latest.last_example_id if latest else 0
    return session.scalar(select(func.count()).select_from(LabelledExample).where(LabelledExample.id > since)) or 0


# --- finding what a client names, and the submitter's view -----------------------------------
# Comment ids are UUIDs (36 characters); anything longer cannot name one.
MAX_COMMENT_ID_CHARS = 36


def find_comment(session: Session, comment_id: str) -> Comment:
    """The comment with id ``comment_id``; raises ``NotFound`` ("No such comment.") when there is none."""
    comment = session.get(Comment, comment_id) if len(comment_id) <= MAX_COMMENT_ID_CHARS else None
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def find_article(session: Session, slug: str) -> Article:
    """The article at ``slug``; raises ``NotFound`` ("No article 'slug'.") when there is none (a slug
    that could never be valid is not looked up)."""
    article = get_article(session, slug) if slug_problem(slug) is None else None
    if article is None:
        raise NotFound(f"No article {slug!r}.")
    return article


class StatusView(TypedDict):
    """The submitter's view of their comment: never the email, the IP or unpublished text.

    ``status`` is the public one (``pending``, ``published`` or ``rejected``); ``body_html`` and
    ``published_at`` are set only once the comment is published."""

    id: str
    status: str
    article: str
    author: str
    created_at: datetime
    parent_id: str | None
    published_at: datetime | None
    body_html: str | None


def status_view(comment: Comment) -> StatusView:
    """What the submitter of ``comment`` may see of it (see ``StatusView``)."""
    shown = public_status(comment.status)
    view: StatusView = {
        "id": comment.id,
        "status": shown,
        "article": comment.article.slug,
        "author": public_name(comment.author),
        "created_at": comment.created_at,
        "parent_id": comment.parent_id,
        "published_at": None,
        "body_html": None,
    }
    if shown == PublicStatus.PUBLISHED:
        view["body_html"] = comment.body_html
        view["published_at"] = comment.published_at
    return view

"""Checking one comment: claim it, run the checks, let the policy decide, store the decision.

The steps ``workers.tasks.process_comment`` runs, without Celery: the task only maps what happens
here to retries (a database error is retried by Celery; the checks' soft time limit ends in
``hold_timed_out``). Every status change is a conditional update in ``service.core.store``, so a
redelivered task can claim or decide a comment at most once and never publishes it twice.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.core import notifications, store
from service.core.models import Comment
from service.core.settings import PolicyConfig, Settings
from service.core.vocabulary import IN_FLIGHT, Status, SystemAction
from workers.checks.base import CheckContext, Submission, Verdict
from workers.checks.history import DbHistory
from workers.checks.text import content_hash
from workers.pipeline import Outcome, Pipeline

log = logging.getLogger("commentq.worker")
WORKER = f"worker:{socket.gethostname()}"
TIMED_OUT = "checks timed out"


def submission_of(comment: Comment) -> Submission:
    """What the checks see of a stored comment and its article."""
    article = comment.article
    return Submission(
        id=comment.id,
        article_id=comment.article_id,
        author=comment.author,
        email=comment.email,
        body=comment.body,
        url=comment.url,
        ip=comment.ip,
        user_agent=comment.user_agent,
        honeypot=comment.honeypot,
        parent_id=comment.parent_id,
        created_at=comment.created_at,
        article_url=article.url if article else None,
        article_title=article.title if article else None,
        article_text=(article.body or None) if article else None,
    )


@dataclass
class Claimed:
    """A comment this delivery claimed (status ``checking``, its attempt counted)."""

    session: Session
    comment: Comment


def claim(session: Session, comment_id: str, max_attempts: int) -> Claimed | str:
    """Claim the comment for this delivery (committed), or say why not as the task's result:
    ``"missing"``, ``"already <status>"`` (decided before), ``"failed"`` (given up after
    ``max_attempts`` attempts; committed) or ``"not claimed"`` (another delivery won the race).
    Database errors propagate (the task retries)."""
    comment = store.get_comment(session, comment_id)
    if comment is None:
        log.warning("comment not found")
        return "missing"
    if comment.status not in IN_FLIGHT:
        return f"already {comment.status}"
    if comment.attempts >= max_attempts:
        store.give_up(session, comment_id, comment.attempts, actor=WORKER)
        session.commit()
        log.error("comment failed after %s attempts", comment.attempts)
        return Status.FAILED
    claimed = store.claim(session, comment_id, actor=WORKER, content_hash=content_hash(comment.body))
    session.commit()
    if not claimed:
        return "not claimed"
    session.refresh(comment)
    # Operators see where a comment's checks started (and how often): a comment that keeps killing
    # its worker shows as repeated attempts before its give-up line.
    log.log(
        logging.INFO if comment.attempts == 1 else logging.WARNING,
        "checking comment, attempt %s of %s",
        comment.attempts,
        max_attempts,
    )
    return Claimed(session, comment)


def run_checks(claimed: Claimed, settings: Settings, pipeline: Pipeline, finished: list[Verdict]) -> Outcome:
    """Every check on the claimed comment (history from the database), then the policy.
    ``finished`` receives each verdict as soon as it is known, for ``hold_timed_out``."""
    ctx = CheckContext(config=PolicyConfig.from_settings(settings), history=DbHistory(claimed.session))
    return pipeline.run(submission_of(claimed.comment), ctx, finished)


def decide(claimed: Claimed, outcome: Outcome) -> str:
    """Store the verdicts and the policy's decision (committed) and notify moderators of a held
    comment; returns the new status, or ``"decided elsewhere"`` when another delivery decided
    first (its results are kept)."""
    session, comment = claimed.session, claimed.comment
    decision = outcome.decision
    spam_score = max((v.score for v in outcome.verdicts if v.check == "classifier"), default=None)
    actor = f"policy:{decision.decided_by}"
    done = store.record_decision(
        session, comment, outcome.verdicts, decision.status, actor=actor, reason=decision.reason, spam_score=spam_score
    )
    if not done:
        session.rollback()  # another delivery decided first; keep its results
        return "decided elsewhere"
    session.commit()
    log.info("comment %s", decision.status, extra={"reason": decision.reason[:500]})
    if decision.status == Status.HELD:
        notifications.notify_held(comment.id)
    return decision.status


def hold_timed_out(session: Session, comment_id: str, finished: list[Verdict], limit: float) -> str:
    """The comment's checks ran past COMMENTQ_CHECKS_TIME_LIMIT (``limit``, seconds): hold it for a
    moderator, with the verdicts that did finish, so that one comment can never stall the queue.
    Returns ``"held"``, or ``"decided elsewhere"`` when it is no longer ``checking``."""
    try:
        session.rollback()
    except Exception:  # a query cut short may leave the connection unusable
        session.invalidate()
    store.replace_check_results(session, comment_id, finished)
    done = ", ".join(v.check for v in finished) or "none"
    held = store.transition(
        session,
        comment_id,
        (Status.CHECKING,),
        Status.HELD,
        action=SystemAction.HELD,
        actor="policy:time-limit",
        decided_by="policy:time-limit",
        note=f"{TIMED_OUT} after {limit:g} s (finished: {done})",
    )
    if held is None:
        session.rollback()
        return "decided elsewhere"
    session.commit()
    log.warning("%s; held for a moderator", TIMED_OUT, extra={"finished": done})
    notifications.notify_held(comment_id)
    return Status.HELD


def sweep_outbox(session: Session, settings: Settings, enqueue: Callable[[str, str | None], bool]) -> int:
    """Re-queue comments the broker lost (in flight for longer than ``settings.sweep_after``
    seconds) through ``enqueue(comment_id, request_id)`` (True when queued); give up on those that
    used ``settings.max_attempts``. Returns how many were re-queued. Commits each change."""
    requeued = 0
    for comment in store.stuck_comments(session, settings.sweep_after):
        if comment.attempts >= settings.max_attempts:
            store.give_up(session, comment.id, comment.attempts, actor="sweeper")
            session.commit()
            continue
        # Touch the row so the next sweep waits a full period before trying again.
        store.touch_stuck(session, comment)
        session.commit()
        if enqueue(comment.id, comment.request_id):
            requeued += 1
    if requeued:
        log.info("sweeper re-queued %d comment(s)", requeued)
    return requeued

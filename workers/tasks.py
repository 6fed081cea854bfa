"""Every Celery task, each a thin shell around ``service.core`` or the checks, and each safe to run
twice: check a comment, sweep the outbox, retrain the classifier, deliver and sweep moderator
notifications, forget old IP addresses. Names come from ``service.core.queue.TaskName``."""

from __future__ import annotations

import logging
import socket
from typing import Any, cast

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_postrun, task_prerun, worker_init
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from service.core import notifications, privacy, store
from service.core.celery_app import current_celery
from service.core.db import get_session
from service.core.logs import comment_id_var, request_id_var
from service.core.models import Comment, utcnow
from service.core.queue import TaskName, enqueue_comment
from service.core.settings import PolicyConfig, current_settings
from service.core.vocabulary import IN_FLIGHT, CheckName, Status, SystemAction
from workers.checks.base import CheckContext, Submission, Verdict
from workers.checks.text import content_hash
from workers.history import DbHistory
from workers.pipeline import Pipeline

log = logging.getLogger("commentq.worker")
WORKER = f"worker:{socket.gethostname()}"


@task_prerun.connect
def _log_context(task: Task | None = None, args: tuple[Any, ...] | None = None, **_: object) -> None:
    request_id_var.set(getattr(task.request, "request_id", None) if task else None)
    comment_id_var.set(args[0] if task and task.name == TaskName.PROCESS_COMMENT and args else None)


@task_postrun.connect
def _clear_context(**_: object) -> None:
    request_id_var.set(None)
    comment_id_var.set(None)


@worker_init.connect
def _load_spam_model(**_: object) -> None:
    """Load the shipped classifier once in the worker's main process, before the pool forks: every
    child inherits it instead of loading it on its first comment."""
    from workers.spam.model import shipped_model

    shipped_model()


def submission_of(comment: Comment) -> Submission:
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


def pipeline() -> Pipeline:
    """One pipeline per worker process (the classifier model is loaded once)."""
    ext = current_app.extensions
    if "pipeline" not in ext:
        ext["pipeline"] = Pipeline()
    return cast(Pipeline, ext["pipeline"])


@shared_task(
    bind=True,
    name=TaskName.PROCESS_COMMENT,
    autoretry_for=(OperationalError, DBAPIError),
    retry_backoff=1,
    retry_backoff_max=20,
    retry_jitter=True,
    max_retries=6,
)
def process_comment(self: Task, comment_id: str) -> str:
    """Claim the comment, run every check, let the policy decide, publish at most once."""
    settings = current_settings()
    session = get_session()
    comment = session.get(Comment, comment_id)
    if comment is None:
        log.warning("comment not found")
        return "missing"
    if comment.status not in IN_FLIGHT:
        return f"already {comment.status}"
    if comment.attempts >= settings.max_attempts:
        store.transition(
            session,
            comment_id,
            IN_FLIGHT,
            Status.FAILED,
            action=SystemAction.GIVE_UP,
            actor=WORKER,
            note=f"checks did not finish after {comment.attempts} attempts",
        )
        session.commit()
        log.error("comment failed after %s attempts", comment.attempts)
        return Status.FAILED
    digest = content_hash(comment.body)
    claimed = store.transition(
        session,
        comment_id,
        IN_FLIGHT,
        Status.CHECKING,
        action=SystemAction.CLAIM,
        actor=WORKER,
        attempts=Comment.attempts + 1,
        claimed_at=utcnow(),
        content_hash=digest,
    )
    session.commit()
    if claimed is None:
        return "not claimed"
    session.refresh(comment)
    # Operators see where a comment's checks started (and how often): a comment that keeps killing
    # its worker shows as repeated attempts before its give-up line.
    log.log(
        logging.INFO if comment.attempts == 1 else logging.WARNING,
        "checking comment, attempt %s of %s",
        comment.attempts,
        settings.max_attempts,
    )

    ctx = CheckContext(config=PolicyConfig.from_settings(settings), history=DbHistory(session))
    finished: list[Verdict] = []
    try:
        outcome = pipeline().run(submission_of(comment), ctx, finished)
    except SoftTimeLimitExceeded:
        return hold_timed_out(session, comment_id, finished, settings.checks_time_limit)
    decision = outcome.decision
    spam_score = max((v.score for v in outcome.verdicts if v.check == CheckName.CLASSIFIER), default=None)

    store.replace_check_results(session, comment_id, outcome.verdicts)
    actor = f"policy:{decision.decided_by}"
    if decision.status == Status.PUBLISHED:
        done = store.publish(
            session, comment, (Status.CHECKING,), action=SystemAction.PUBLISH, actor=actor, note=decision.reason
        )
    else:
        done = (
            store.transition(
                session,
                comment_id,
                (Status.CHECKING,),
                decision.status,
                action=SystemAction(decision.status),
                actor=actor,
                note=decision.reason,
                decided_by=actor,
                spam_score=spam_score,
            )
            is not None
        )
    if not done:
        session.rollback()  # another delivery decided first; keep its results
        return "decided elsewhere"
    session.commit()
    log.info("comment %s", decision.status, extra={"reason": decision.reason[:500]})
    if decision.status == Status.HELD:
        notifications.notify_held(comment_id)
    return decision.status


TIMED_OUT = "checks timed out"


def hold_timed_out(session: Session, comment_id: str, finished: list[Verdict], limit: float) -> str:
    """The comment's checks ran past COMMENTQ_CHECKS_TIME_LIMIT: hold it for a moderator, with the
    verdicts that did finish, so that one comment can never stall the queue."""
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


@shared_task(name=TaskName.SWEEP_OUTBOX)
def sweep_outbox() -> int:
    """Re-queue comments the broker lost (stuck in received/checking); give up on exhausted ones."""
    settings = current_settings()
    session = get_session()
    requeued = 0
    for comment in store.stuck_comments(session, settings.sweep_after):
        if comment.attempts >= settings.max_attempts:
            store.transition(
                session,
                comment.id,
                IN_FLIGHT,
                Status.FAILED,
                action=SystemAction.GIVE_UP,
                actor="sweeper",
                note=f"checks did not finish after {comment.attempts} attempts",
            )
            session.commit()
            continue
        # Touch the row so the next sweep waits a full period before trying again.
        session.execute(
            Comment.__table__.update()
            .where(Comment.id == comment.id, Comment.status == comment.status)
            .values(updated_at=utcnow())
        )
        session.commit()
        if enqueue_comment(comment.id, comment.request_id):
            requeued += 1
    if requeued:
        log.info("sweeper re-queued %d comment(s)", requeued)
    return requeued


@shared_task(name=TaskName.RETRAIN_CLASSIFIER)
def retrain_classifier() -> str | None:
    """Retrain the spam classifier on the corpus plus moderators' decisions (queued by the
    moderation API after a labelling decision and by beat); stores the model in ``spam_models``.
    Without the ``train`` extra it logs why and returns None: retrying cannot install a package,
    and the checks go on scoring with the newest stored model."""
    from workers.spam.learning import retrain
    from workers.spam.training import TrainingUnavailable

    try:
        row = retrain(get_session(), min_new=1)
    except TrainingUnavailable as exc:
        log.error("spam model not retrained: %s", exc)
        return None
    return row.version if row else None


@shared_task(bind=True, name=TaskName.SEND_NOTIFICATION, max_retries=None)
def send_notification(self: Task, notification_id: int) -> str:
    """Deliver one moderator notification from the outbox (``notifications.deliver``), retrying
    with backoff while its channel fails."""
    try:
        return notifications.deliver(current_settings(), notification_id)
    except notifications.RetryDelivery as retry:
        raise self.retry(countdown=retry.countdown) from None


@shared_task(name=TaskName.SWEEP_NOTIFICATIONS)
def sweep_notifications(older_than: float = 600.0) -> int:
    """Re-queue notifications still ``pending`` long after their retry window: the broker lost them."""
    ids = notifications.stale_pending(older_than)
    celery = current_celery()
    for nid in ids:
        celery.send_task(TaskName.SEND_NOTIFICATION, args=[nid])
    if ids:
        log.info("re-queued %d pending notification(s)", len(ids))
    return len(ids)


@shared_task(name=TaskName.FORGET_OLD_ADDRESSES)
def forget_old_addresses() -> int:
    """Forget the IP addresses of decided comments older than ``COMMENTQ_IP_RETENTION_DAYS``
    (scheduled hourly by beat when it is above 0); one UPDATE, so a repeated run does nothing more."""
    days = current_settings().ip_retention_days
    if days <= 0:
        return 0
    n = privacy.forget_addresses(get_session(), days)
    if n:
        log.info("forgot the IP address of %s comment(s) older than %s days", n, days)
    return n

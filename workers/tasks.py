"""Every Celery task, each a thin shell around ``service.core`` or the checks, and each safe to run
twice: check a comment, sweep the outbox, retrain the classifier, deliver and sweep moderator
notifications, forget old IP addresses. Names come from ``service.core.vocabulary.TaskName``."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_postrun, task_prerun, worker_init
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from service.core import notifications, privacy
from service.core.celery_app import current_celery
from service.core.db import get_session
from service.core.logs import comment_id_var, request_id_var
from service.core.queue import enqueue_comment
from service.core.settings import current_settings
from service.core.vocabulary import TaskName
from workers import checking
from workers.checks.base import Verdict
from workers.pipeline import Pipeline

log = logging.getLogger("commentq.worker")


@task_prerun.connect
def _log_context(task: Task | None = None, args: tuple[Any, ...] | None = None, **_: Any) -> None:
    request_id_var.set(getattr(task.request, "request_id", None) if task else None)
    comment_id_var.set(args[0] if task and task.name == TaskName.PROCESS_COMMENT and args else None)


@task_postrun.connect
def _clear_context(**_: Any) -> None:
    request_id_var.set(None)
    comment_id_var.set(None)


@worker_init.connect
def _load_spam_model(**_: Any) -> None:
    """Load the shipped classifier once in the worker's main process, before the pool forks: every
    child inherits it instead of loading it on its first comment."""
    from workers.spam.model import shipped_model

    shipped_model()


def pipeline() -> Pipeline:
    """One pipeline per worker process (the classifier model is loaded once)."""
    ext = current_app.extensions
    if "pipeline" not in ext:
        ext["pipeline"] = Pipeline()
    found: Pipeline = ext["pipeline"]
    return found


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
    """Claim the comment, run every check, let the policy decide, publish at most once
    (``workers.checking``). Database errors are retried with backoff; past the checks' soft time
    limit the comment is held with the verdicts that finished."""
    settings = current_settings()
    claimed = checking.claim(get_session(), comment_id, settings.max_attempts)
    if isinstance(claimed, str):
        return claimed
    finished: list[Verdict] = []
    try:
        outcome = checking.run_checks(claimed, settings, pipeline(), finished)
    except SoftTimeLimitExceeded:
        return checking.hold_timed_out(claimed.session, comment_id, finished, settings.checks_time_limit)
    return checking.decide(claimed, outcome)


@shared_task(name=TaskName.SWEEP_OUTBOX)
def sweep_outbox() -> int:
    """Re-queue comments the broker lost (stuck in received/checking); give up on exhausted ones."""
    return checking.sweep_outbox(get_session(), current_settings(), enqueue_comment)


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

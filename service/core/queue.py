"""Hands comments to the workers. Called only after the comment's row is committed (outbox)."""

from __future__ import annotations

import logging

from blinker import Namespace

from service.core.celery_app import current_celery
from service.core.db import get_session
from service.core.settings import current_settings
from service.core.store import unlearned_examples
from service.core.vocabulary import TaskName

__all__ = ["broker_ok", "enqueue_comment", "enqueue_failed", "enqueue_retrain_if_due", "queue_depth"]

log = logging.getLogger("commentq.queue")

# Sent (sender: the comment id) when a committed comment could not be handed to the broker; the web
# side's metrics count it (``service.web.metrics``), the sweeper queues the comment again.
enqueue_failed = Namespace().signal("commentq.enqueue-failed")


def enqueue_comment(comment_id: str, request_id: str | None = None) -> bool:
    """Queue the checks for a committed comment. A broker failure is logged, not raised: the row
    stays `received` and the beat sweeper queues it again (and ``enqueue_failed`` is sent, for the
    metrics)."""

    celery = current_celery()
    try:
        celery.send_task(
            TaskName.PROCESS_COMMENT,
            args=[comment_id],
            headers={"request_id": request_id},
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        )
        return True
    except Exception as exc:  # any broker failure; the sweeper is the safety net
        log.warning("could not queue comment; the sweeper will retry", extra={"error": type(exc).__name__})
        enqueue_failed.send(comment_id)
        return False


def enqueue_retrain_if_due() -> bool:
    """Run after a moderator's spam/approve decision is committed (``apply_decision``): queue a
    classifier retrain once ``retrain_every`` new labels exist. Training never runs in a request,
    and this never raises: the decision stands, and beat retrains later anyway."""

    try:
        settings = current_settings()
        if unlearned_examples(get_session()) < max(1, settings.retrain_every):
            return False
        current_celery().send_task(
            TaskName.RETRAIN_CLASSIFIER, retry=True, retry_policy={"max_retries": 1, "interval_start": 0}
        )
        return True
    except Exception as exc:  # learning must never fail a moderator's request
        log.warning("could not queue the classifier retrain", extra={"error": type(exc).__name__})
        return False


def queue_depth() -> int | None:
    """Messages waiting in the default queue (Redis: LLEN), or None when it cannot be read."""

    celery = current_celery()
    name = celery.conf.task_default_queue
    url = current_settings().broker_url or ""
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            try:
                # kombu keeps one list per priority step: "name" and "name\x06\x16N".
                keys = [name] + [f"{name}\x06\x16{p}" for p in (3, 6, 9)]
                return int(sum(client.llen(k) for k in keys))
            finally:
                client.close()
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            _, count, _ = conn.default_channel.queue_declare(queue=name, passive=True)
            return int(count)
    except Exception:
        return None


def broker_ok() -> tuple[bool, str]:

    celery = current_celery()
    if not current_settings().broker_url:
        return False, "no broker configured (set REDIS_URL or CELERY_BROKER_URL)"
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__

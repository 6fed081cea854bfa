"""Every setting commentq reads, from the environment, in one place, with its documented default.

The web app, the Celery workers, beat and the CLI all build their configuration from
:func:`load`, so one environment describes the whole deployment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from kombu.entity import Exchange, Queue

from service.core.queue import CHECKS_QUEUE, TRAINING_QUEUE, TaskName


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item.strip().rstrip("/") for item in value.replace("\n", ",").split(",") if item.strip())


def form_post_bytes(max_body_chars: int) -> int:
    """The default request size limit, in bytes: the largest comment the validator accepts must fit
    when a browser form-encodes it. A character URL-encodes to at most 12 bytes (an emoji, 4 UTF-8
    bytes as ``%F0%9F%98%80``), so 10,000 characters take up to 120,000 bytes, plus name, email,
    website and the form's other fields; at least 256 KiB."""
    return max(256 * 1024, 12 * max_body_chars + 64 * 1024)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _thread_depth(env: Mapping[str, str]) -> int:
    depth = _int(env, "COMMENTQ_THREAD_DEPTH", 5)
    if not 2 <= depth <= 20:
        raise ValueError(f"COMMENTQ_THREAD_DEPTH must be between 2 and 20, got {depth}")
    return depth


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _secret_key(instance_dir: Path) -> str:
    """A per-instance key, generated once and kept beside the database (never logged)."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    """The whole configuration; see the README's table for each variable."""

    instance_dir: Path
    database_url: str = field(repr=False)  # may carry a password
    redis_url: str | None = field(repr=False)
    broker_url: str | None = field(repr=False)
    secret_key: str = field(repr=False)
    allowed_origins: tuple[str, ...] = ()
    rate_limit: str = "5 per minute"
    flood_limit: str = "10 per hour"
    trusted_proxies: int = 0
    max_content_length: int = 256 * 1024
    max_body_chars: int = 10_000
    # WordPress's "thread comments N levels deep": replies deeper than this are shown (and nested
    # in the API) at this level, in time order, never dropped. 2 to 20 (WordPress offers 2 to 10).
    thread_depth: int = 5
    links_hold: int = 2
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    classifier_spam: float = 0.9  # calibrated; with another signal it rejects (docs/checks.md, issue 9)
    classifier_hold: float = 0.65  # calibrated; leave-one-source-out and the validation video (docs/checks.md)
    classifier_reject: float = 0.97
    classifier_ham: float = 0.1
    website_senders_hold: int = 3
    disallowed_list: bool = True
    retrain_every: int = 5
    blocked_domains: tuple[str, ...] = ()
    trusted_after: int = 1
    near_window: float = 86_400.0
    near_hold: int = 2
    sweep_after: float = 60.0
    sweep_interval: float = 30.0
    max_attempts: int = 5
    visibility_timeout: int = 300
    checks_time_limit: float = 30.0
    ip_retention_days: int = 0
    log_level: str = "INFO"
    log_json: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    smtp_url: str | None = field(default=None, repr=False)
    notify_email: str | None = None
    public_url: str | None = None

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def celery(self) -> dict[str, Any]:
        """Celery's own settings, built here so web, worker and beat agree on them."""
        return {
            "broker_url": self.broker_url or "memory://",
            # No result backend: the database is the record of every comment's fate.
            "task_ignore_result": True,
            "result_backend": None,
            # At-least-once delivery. A task is acknowledged only after it returns, so a worker
            # that dies mid-task leaves the message to be redelivered ...
            "task_acks_late": True,
            # ... and that includes a child killed by SIGKILL or the OOM killer, which Celery
            # otherwise acknowledges. The task keeps its own attempt counter on the comment row
            # (max_attempts) so a comment that always kills its worker ends in `failed`.
            "task_reject_on_worker_lost": True,
            # With late acks, a prefetching worker would sit on messages other workers could run.
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # After a broker reconnect, unacked late-ack tasks get redelivered; cancel ours so the
            # same comment is not checked twice in parallel (publishing is guarded anyway).
            "worker_cancel_long_running_tasks_on_connection_loss": True,
            # Redis redelivers an unacked message after this long. It must exceed any task's run
            # time plus any countdown; the outbox sweeper covers the faster path.
            "broker_transport_options": {"visibility_timeout": self.visibility_timeout},
            # A per-comment time budget (issue 11): past the soft limit the task holds the comment
            # for a moderator ("checks timed out"); the hard limit, 10 s later, kills a child that
            # did not stop (then the attempt counter and `failed` take over).
            "task_annotations": {
                TaskName.PROCESS_COMMENT: {
                    "soft_time_limit": self.checks_time_limit,
                    "time_limit": self.checks_time_limit + 10,
                }
            },
            "task_default_queue": CHECKS_QUEUE,
            # Retraining goes to its own queue (service/core/queue.py says why). A worker started without
            # -Q consumes both, so a bare `celery -A workers worker` still learns.
            "task_queues": tuple(
                Queue(name, Exchange(name, type="direct"), routing_key=name) for name in (CHECKS_QUEUE, TRAINING_QUEUE)
            ),
            "task_routes": {TaskName.RETRAIN_CLASSIFIER: {"queue": TRAINING_QUEUE}},
            "worker_hijack_root_logger": False,
            "worker_send_task_events": True,
            "task_send_sent_event": True,
            "worker_max_tasks_per_child": 1000,
            "beat_schedule": {
                "sweep-outbox": {"task": TaskName.SWEEP_OUTBOX, "schedule": self.sweep_interval},
                "retrain-classifier": {"task": TaskName.RETRAIN_CLASSIFIER, "schedule": 600.0},
                "sweep-notifications": {"task": TaskName.SWEEP_NOTIFICATIONS, "schedule": 300.0},
                **(
                    {"forget-old-addresses": {"task": TaskName.FORGET_OLD_ADDRESSES, "schedule": 3600.0}}
                    if self.ip_retention_days > 0
                    else {}
                ),
            },
        }


def load(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read the settings from ``env`` (default: ``os.environ``); keyword overrides win."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get("COMMENTQ_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'commentq.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = env.get("REDIS_URL") or None
    broker_url = env.get("CELERY_BROKER_URL") or redis_url
    secret_key = env.get("SECRET_KEY") or _secret_key(instance_dir)
    settings = Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        redis_url=redis_url,
        broker_url=broker_url,
        secret_key=secret_key,
        allowed_origins=_list(env.get("COMMENTQ_ALLOWED_ORIGINS")),
        rate_limit=env.get("COMMENTQ_RATE_LIMIT") or "5 per minute",
        flood_limit=env.get("COMMENTQ_FLOOD_LIMIT") or "10 per hour",
        trusted_proxies=_int(env, "COMMENTQ_TRUSTED_PROXIES", 0),
        max_content_length=_int(
            env, "COMMENTQ_MAX_CONTENT_LENGTH", form_post_bytes(_int(env, "COMMENTQ_MAX_BODY_CHARS", 10_000))
        ),
        max_body_chars=_int(env, "COMMENTQ_MAX_BODY_CHARS", 10_000),
        thread_depth=_thread_depth(env),
        links_hold=_int(env, "COMMENTQ_LINKS_HOLD", 2),
        moderation_keys=_list(env.get("COMMENTQ_MODERATION_KEYS")),
        disallowed_keys=_list(env.get("COMMENTQ_DISALLOWED_KEYS")),
        classifier_spam=_float(env, "COMMENTQ_CLASSIFIER_SPAM", 0.9),
        classifier_hold=_float(env, "COMMENTQ_CLASSIFIER_HOLD", 0.65),
        classifier_reject=_float(env, "COMMENTQ_CLASSIFIER_REJECT", 0.97),
        classifier_ham=_float(env, "COMMENTQ_CLASSIFIER_HAM", 0.1),
        website_senders_hold=_int(env, "COMMENTQ_WEBSITE_SENDERS_HOLD", 3),
        disallowed_list=_bool(env.get("COMMENTQ_DISALLOWED_LIST"), True),
        retrain_every=_int(env, "COMMENTQ_RETRAIN_EVERY", 5),
        blocked_domains=tuple(d.lower() for d in _list(env.get("COMMENTQ_BLOCKED_DOMAINS"))),
        trusted_after=_int(env, "COMMENTQ_TRUSTED_AFTER", 1),
        near_window=_float(env, "COMMENTQ_NEAR_WINDOW", 86_400.0),
        near_hold=_int(env, "COMMENTQ_NEAR_HOLD", 2),
        sweep_after=_float(env, "COMMENTQ_SWEEP_AFTER", 60.0),
        sweep_interval=_float(env, "COMMENTQ_SWEEP_INTERVAL", 30.0),
        max_attempts=_int(env, "COMMENTQ_MAX_ATTEMPTS", 5),
        visibility_timeout=_int(env, "COMMENTQ_VISIBILITY_TIMEOUT", 300),
        checks_time_limit=_float(env, "COMMENTQ_CHECKS_TIME_LIMIT", 30.0),
        ip_retention_days=_int(env, "COMMENTQ_IP_RETENTION_DAYS", 0),
        log_level=env.get("COMMENTQ_LOG_LEVEL") or "INFO",
        log_json=_bool(env.get("COMMENTQ_LOG_JSON"), True),
        webhook_url=env.get("COMMENTQ_WEBHOOK_URL") or None,
        webhook_secret=env.get("COMMENTQ_WEBHOOK_SECRET") or None,
        smtp_url=env.get("COMMENTQ_SMTP_URL") or None,
        notify_email=env.get("COMMENTQ_NOTIFY_EMAIL") or None,
        public_url=(env.get("COMMENTQ_PUBLIC_URL") or "").rstrip("/") or None,
    )
    return settings.with_overrides(**overrides) if overrides else settings


_EXTENSION = "settings"


def init_app(app: Flask, settings: Settings) -> None:
    """Make ``settings`` the app's settings (read back with ``current_settings``)."""
    app.extensions[_EXTENSION] = settings


def current_settings(app: Flask | None = None) -> Settings:
    """The settings of ``app`` (default: the current app). Raises ``KeyError`` when ``app`` was not
    built by ``service.create_app``, and ``RuntimeError`` outside an app context without ``app``."""
    settings: Settings = (app or current_app).extensions[_EXTENSION]
    return settings

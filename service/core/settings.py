"""Every setting commentq reads, from the environment, in one place, with its documented default.

The web app, the Celery workers, beat and the CLI all build their configuration from
:func:`load`, so one environment describes the whole deployment.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from kombu.entity import Exchange, Queue
from limits import parse_many

from service.core.vocabulary import CHECKS_QUEUE, TRAINING_QUEUE, TaskName


class SettingsError(ValueError):
    """A setting's value in the environment is not one it can take; the message names the variable.

    Raised by :func:`load` at start-up (``commentq run``, gunicorn and the Celery worker and beat
    fail to start with it), never later."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _bool(name: str, raw: str) -> bool:
    """``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off`` in any case; anything else
    (``"ture"``, ``"2"``) is an error rather than a silent ``False``."""
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _str(name: str, raw: str) -> str:
    return raw


def _at_least(low: int) -> Callable[[str, str], int]:
    """An integer parser that refuses values below ``low`` (a count of 0 attempts, a negative
    number of proxies)."""

    def parse(name: str, raw: str) -> int:
        value = _int(name, raw)
        if value < low:
            raise SettingsError(f"{name} must be at least {low}, got {value}")
        return value

    return parse


def _seconds(name: str, raw: str) -> float:
    """A positive, finite number of seconds."""
    value = _float(name, raw)
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _probability(name: str, raw: str) -> float:
    """A probability threshold: 0 to 1, or above 1 to switch that verdict off (no P(spam) reaches it)."""
    value = _float(name, raw)
    if not math.isfinite(value) or value < 0.0:
        raise SettingsError(f"{name} must be a probability between 0 and 1 (above 1: never), got {raw!r}")
    return value


def _rate(name: str, raw: str) -> str:
    """A rate in the ``limits`` notation (``5 per minute``, ``10/hour``; several joined by ``;``),
    checked here so that a typo stops the start instead of switching the limit off."""
    try:
        if not parse_many(raw):
            raise ValueError(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a rate such as '5 per minute', got {raw!r}") from exc
    return raw


def _single_rate(name: str, raw: str) -> str:
    """One rate in the ``limits`` notation (the flood check counts against one window)."""
    try:
        if len(parse_many(raw)) != 1:
            raise ValueError(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be one rate such as '10 per hour', got {raw!r}") from exc
    return raw


def _log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise SettingsError(f"{name} must be a logging level (DEBUG, INFO, WARNING, ERROR), got {raw!r}")
    return level


def _list(name: str, raw: str) -> tuple[str, ...]:
    """Comma- or newline-separated, each item trimmed (and a trailing ``/`` dropped: origins)."""
    return tuple(item.strip().rstrip("/") for item in raw.replace("\n", ",").split(",") if item.strip())


def _domains(name: str, raw: str) -> tuple[str, ...]:
    return tuple(d.lower() for d in _list(name, raw))


def _thread_depth(name: str, raw: str) -> int:
    depth = _int(name, raw)
    if not 2 <= depth <= 20:
        raise SettingsError(f"{name} must be between 2 and 20, got {depth}")
    return depth


def _url(*schemes: str) -> Callable[[str, str], str]:
    """A URL parser: one of ``schemes``, a host, a valid port. The error never repeats the value
    (a webhook or SMTP URL may carry a password)."""

    def parse(name: str, raw: str) -> str:
        try:
            parts = urlsplit(raw.strip())
            _ = parts.port  # reading it validates it (ValueError when out of range)
        except ValueError as exc:
            raise SettingsError(f"{name} is not a valid URL") from exc
        if parts.scheme.lower() not in schemes or not parts.hostname:
            raise SettingsError(f"{name} must be a {' or '.join(s + '://' for s in schemes)} URL with a host")
        return raw.strip()

    return parse


_http_url = _url("http", "https")


def _origins(name: str, raw: str) -> tuple[str, ...]:
    """Origins as browsers send them (``https://blog.example``, ``http://localhost:8080``): compared
    with the ``Origin`` header and written into the CSP, so anything else (no scheme, a path, a
    space or ``;``) would never match, or would change the header."""
    origins = _list(name, raw)
    for origin in origins:
        parts = urlsplit(_http_url(name, origin))
        if parts.path or parts.query or parts.fragment or parts.username or not origin.isascii() or " " in origin:
            raise SettingsError(f"{name} takes origins such as https://blog.example (no path), got {origin!r}")
    return origins


def _base_url(name: str, raw: str) -> str | None:
    return _http_url(name, raw).rstrip("/") or None


def _setting(env: str, default: Any, parse: Callable[[str, str], Any], *, secret: bool = False) -> Any:
    """A field read from the environment variable ``env`` by ``parse(env, raw)``; unset or empty
    leaves ``default``, the setting's one default."""
    return field(default=default, repr=not secret, metadata={"env": env, "parse": parse})


def form_post_bytes(max_body_chars: int) -> int:
    """The default request size limit, in bytes: the largest comment the validator accepts must fit
    when a browser form-encodes it. A character URL-encodes to at most 12 bytes (an emoji, 4 UTF-8
    bytes as ``%F0%9F%98%80``), so 10,000 characters take up to 120,000 bytes, plus name, email,
    website and the form's other fields; at least 256 KiB."""
    return max(256 * 1024, 12 * max_body_chars + 64 * 1024)


MAX_BODY_CHARS = 10_000  # the default of ``Settings.max_body_chars``, which ``max_content_length``'s follows


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
    """The whole configuration; see the README's table for each variable. Each field below is
    read from the environment variable it names, and its default here is the only one: the
    checks and the policy read theirs through :class:`PolicyConfig`, built from these."""

    instance_dir: Path
    """Directory of the SQLite file, the secret key, beat's schedule, the embedded Redis
    (``COMMENTQ_INSTANCE_DIR``, default ``./instance``)."""
    database_url: str = field(repr=False)  # may carry a password
    """SQLAlchemy URL (``DATABASE_URL``; default a SQLite file in the instance directory)."""
    redis_url: str | None = field(repr=False)
    """``REDIS_URL``: broker and rate-limit store; None: ``commentq run`` embeds one."""
    broker_url: str | None = field(repr=False)
    """``CELERY_BROKER_URL``, else ``redis_url``."""
    secret_key: str = field(repr=False)
    """``SECRET_KEY``; default generated once into ``<instance dir>/secret_key``."""
    allowed_origins: tuple[str, ...] = _setting("COMMENTQ_ALLOWED_ORIGINS", (), _origins)
    """Origins (``https://blog.example``) allowed for CORS and as form-post redirect targets."""
    rate_limit: str = _setting("COMMENTQ_RATE_LIMIT", "5 per minute", _rate)
    """Stored submissions per client before ``429``, in the ``limits`` notation (count per period)."""
    flood_limit: str = _setting("COMMENTQ_FLOOD_LIMIT", "10 per hour", _single_rate)
    """Comments per IP address or email before the flood check holds, ``limits`` notation."""
    trusted_proxies: int = _setting("COMMENTQ_TRUSTED_PROXIES", 0, _at_least(0))
    """How many proxies in front (a count) whose ``X-Forwarded-For`` is believed."""
    max_content_length: int = _setting("COMMENTQ_MAX_CONTENT_LENGTH", form_post_bytes(MAX_BODY_CHARS), _at_least(1))
    """Request body limit in bytes (``413`` beyond); by default :func:`form_post_bytes` of
    ``max_body_chars``."""
    max_body_chars: int = _setting("COMMENTQ_MAX_BODY_CHARS", MAX_BODY_CHARS, _at_least(1))
    """Longest comment accepted, in characters (code points) as typed."""
    thread_depth: int = _setting("COMMENTQ_THREAD_DEPTH", 5, _thread_depth)
    """WordPress's "thread comments N levels deep", in levels (2 to 20; WordPress offers 2 to 10):
    replies deeper are shown (and nested in the API) at this level, in time order, never dropped."""
    links_hold: int = _setting("COMMENTQ_LINKS_HOLD", 2, _at_least(1))
    """Links in a comment (a count) from which it is held (WordPress's default)."""
    moderation_keys: tuple[str, ...] = _setting("COMMENTQ_MODERATION_KEYS", (), _list)
    """WordPress-style words that hold a comment."""
    disallowed_keys: tuple[str, ...] = _setting("COMMENTQ_DISALLOWED_KEYS", (), _list)
    """WordPress-style words that reject a comment."""
    classifier_spam: float = _setting("COMMENTQ_CLASSIFIER_SPAM", 0.9, _probability)
    """Probability 0–1: P(spam) from which the classifier says spam (rejects with another signal);
    calibrated (docs/checks.md, issue 9)."""
    classifier_hold: float = _setting("COMMENTQ_CLASSIFIER_HOLD", 0.65, _probability)
    """Probability 0–1: P(spam) from which the classifier holds; calibrated on leave-one-source-out
    and the validation video (docs/checks.md)."""
    classifier_reject: float = _setting("COMMENTQ_CLASSIFIER_REJECT", 0.97, _probability)
    """Probability 0–1: P(spam) from which the classifier's spam rejects alone."""
    classifier_ham: float = _setting("COMMENTQ_CLASSIFIER_HAM", 0.1, _probability)
    """Probability 0–1: below this P(spam) the text is clearly ham (contradicts heuristic rules)."""
    website_senders_hold: int = _setting("COMMENTQ_WEBSITE_SENDERS_HOLD", 3, _at_least(1))
    """Other senders (a count) giving the same website within ``near_window`` that hold."""
    disallowed_list: bool = _setting("COMMENTQ_DISALLOWED_LIST", True, _bool)
    """Whether the community disallowed-keys list is on."""
    retrain_every: int = _setting("COMMENTQ_RETRAIN_EVERY", 5, _at_least(1))
    """New moderator labels (a count) after which the classifier is retrained."""
    blocked_domains: tuple[str, ...] = _setting("COMMENTQ_BLOCKED_DOMAINS", (), _domains)
    """Link domains (and their subdomains), lower-cased, that mark a comment spam."""
    trusted_after: int = _setting("COMMENTQ_TRUSTED_AFTER", 1, _at_least(0))
    """Published comments (a count) that make an author trusted."""
    near_window: float = _setting("COMMENTQ_NEAR_WINDOW", 86_400.0, _seconds)
    """Seconds back that near-copies and shared websites are counted in (24 h)."""
    near_hold: int = _setting("COMMENTQ_NEAR_HOLD", 2, _at_least(1))
    """Near-copies (a count) within ``near_window`` that hold a comment."""
    sweep_after: float = _setting("COMMENTQ_SWEEP_AFTER", 60.0, _seconds)
    """Seconds a comment may stay received/checking before the outbox sweeper re-queues it."""
    sweep_interval: float = _setting("COMMENTQ_SWEEP_INTERVAL", 30.0, _seconds)
    """Seconds between two runs of the outbox sweeper."""
    max_attempts: int = _setting("COMMENTQ_MAX_ATTEMPTS", 5, _at_least(1))
    """Check attempts (a count) before a comment is ``failed``."""
    visibility_timeout: int = _setting("COMMENTQ_VISIBILITY_TIMEOUT", 300, _at_least(1))
    """Seconds before Redis redelivers an unacknowledged task."""
    checks_time_limit: float = _setting("COMMENTQ_CHECKS_TIME_LIMIT", 30.0, _seconds)
    """Seconds one comment's checks may take (Celery's soft time limit); past it, it is held."""
    ip_retention_days: int = _setting("COMMENTQ_IP_RETENTION_DAYS", 0, _at_least(0))
    """Days after which beat forgets a decided comment's IP address and user agent; 0 keeps them."""
    log_level: str = _setting("COMMENTQ_LOG_LEVEL", "INFO", _log_level)
    """A ``logging`` level name."""
    log_json: bool = _setting("COMMENTQ_LOG_JSON", True, _bool)
    """Whether logs are JSON lines (else plain text)."""
    webhook_url: str | None = _setting("COMMENTQ_WEBHOOK_URL", None, _http_url)
    """Where a ``comment.held`` event is POSTed; None: no webhook."""
    webhook_secret: str | None = _setting("COMMENTQ_WEBHOOK_SECRET", None, _str, secret=True)
    """Key of the webhook's HMAC-SHA256 signature; None: unsigned."""
    smtp_url: str | None = _setting("COMMENTQ_SMTP_URL", None, _url("smtp", "smtp+starttls", "smtps"), secret=True)
    """``smtp://``, ``smtp+starttls://`` or ``smtps://`` server for the held-comment email."""
    notify_email: str | None = _setting("COMMENTQ_NOTIFY_EMAIL", None, _str)
    """Who gets the held-comment email."""
    public_url: str | None = _setting("COMMENTQ_PUBLIC_URL", None, _base_url)
    """commentq's public base URL (no trailing ``/``), for links in notifications."""
    # The checks' fixed tuning, not read from the environment (docs/checks.md explains each); here
    # so that every value the checks read has one default, in one place.
    shared_ip_senders: int = 2
    """Other authors (a count) published from an IP address that make it shared (not reputation)."""
    near_threshold: float = 0.7
    """Fraction 0–1: the Jaccard similarity of word 3-shingles from which two texts are near-copies."""
    near_candidates: int = 200
    """Recent comments (a count) a near-copy search compares with."""
    noise_min_letters: int = 30
    """Letters (a count) from which a text in capitals is shouting."""
    caps_ratio: float = 0.9
    """Fraction 0–1 of the letters in capitals from which a text is shouting."""
    symbols_ratio: float = 0.6
    """Fraction 0–1 of the visible characters that are symbols from which a text is noise."""

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
    """Read the settings from ``env`` (default: ``os.environ``); keyword overrides win.

    Raises :class:`SettingsError` (a ``ValueError``) naming the variable when a value cannot be
    read: not a number, not a boolean, out of range."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get("COMMENTQ_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'commentq.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = env.get("REDIS_URL") or None
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = f.metadata.get("env")
        raw = env.get(name) if name else None
        if name and raw:  # unset or empty: the field's default
            values[f.name] = f.metadata["parse"](name, raw)
    if "max_content_length" not in values:
        values["max_content_length"] = form_post_bytes(values.get("max_body_chars", MAX_BODY_CHARS))
    settings = Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        redis_url=redis_url,
        broker_url=env.get("CELERY_BROKER_URL") or redis_url,
        secret_key=env.get("SECRET_KEY") or _secret_key(instance_dir),
        **values,
    )
    _check_thresholds(settings)
    return settings.with_overrides(**overrides) if overrides else settings


_THRESHOLDS = (
    ("classifier_ham", "COMMENTQ_CLASSIFIER_HAM"),
    ("classifier_hold", "COMMENTQ_CLASSIFIER_HOLD"),
    ("classifier_spam", "COMMENTQ_CLASSIFIER_SPAM"),
    ("classifier_reject", "COMMENTQ_CLASSIFIER_REJECT"),
)


def _check_thresholds(settings: Settings) -> None:
    """The classifier's thresholds rise: ham < hold <= spam <= reject (else a probability would be
    both clear ham and a hold, or hold could never happen below spam). A threshold above 1 is
    switched off, and nothing above it is compared with it."""
    for (low, low_env), (high, high_env) in zip(_THRESHOLDS, _THRESHOLDS[1:], strict=False):
        a, b = getattr(settings, low), getattr(settings, high)
        if a > 1.0:
            continue
        if a > b or (low == "classifier_ham" and a == b):
            relation = "below" if low == "classifier_ham" else "at most"
            raise SettingsError(f"{low_env} ({a:g}) must be {relation} {high_env} ({b:g})")


_EXTENSION = "settings"


def init_app(app: Flask, settings: Settings) -> None:
    """Make ``settings`` the app's settings (read back with ``current_settings``)."""
    app.extensions[_EXTENSION] = settings


def current_settings(app: Flask | None = None) -> Settings:
    """The settings of ``app`` (default: the current app). Raises ``KeyError`` when ``app`` was not
    built by ``service.create_app``, and ``RuntimeError`` outside an app context without ``app``."""
    settings: Settings = (app or current_app).extensions[_EXTENSION]
    return settings


# Every setting's one default, by field name (read-only): for a function that takes a setting as an
# optional argument, so that it never writes the default out again.
DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {f.name: f.default for f in fields(Settings) if f.default is not MISSING}
)


@dataclass(frozen=True)
class PolicyConfig:
    """What the checks and the policy read of the settings (``CheckContext.config``). No defaults of
    its own: every value comes from :class:`Settings` (:meth:`from_settings`), or from its defaults
    (:meth:`defaults`); units are Settings' (docs/checks.md explains each)."""

    max_body_chars: int
    links_hold: int
    moderation_keys: tuple[str, ...]
    disallowed_keys: tuple[str, ...]
    # Lower-cased, without ``www.``: compared with a link's host and its parents.
    blocked_domains: frozenset[str]
    classifier_spam: float
    classifier_hold: float
    classifier_reject: float
    classifier_ham: float
    website_senders_hold: int
    disallowed_list: bool
    flood_limit: str
    trusted_after: int
    shared_ip_senders: int
    near_threshold: float
    near_window: float
    near_hold: int
    near_candidates: int
    noise_min_letters: int
    caps_ratio: float
    symbols_ratio: float

    @classmethod
    def from_settings(cls, settings: Settings | None, **changes: Any) -> PolicyConfig:
        """The checks' view of ``settings`` (None: of the defaults, as with an empty environment),
        with ``changes`` (field name to value) applied."""
        values = {f.name: getattr(settings, f.name) if settings else DEFAULTS[f.name] for f in fields(cls)}
        values.update(changes)
        values["blocked_domains"] = frozenset(d.lower().removeprefix("www.") for d in values["blocked_domains"])
        return cls(**values)

    @classmethod
    def defaults(cls, **changes: Any) -> PolicyConfig:
        """Every setting's default, with ``changes``: for runs without an environment (the
        evaluation as a library, the benchmark, the check tests)."""
        return cls.from_settings(None, **changes)
